//! Filters and sorting of `GET /`: `?field=value`, `?field[op]=value`, `?sort=field,-other`.
//!
//! Only fields the caller may read whatever the row can be filtered or sorted on (filtering on
//! a hidden field would reveal its values). Values are parsed by the column's SQL type.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use sea_orm::sea_query::{ColumnType, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, Value};

use crate::error::ApiError;

/// Most sort keys one request may give.
pub const MAX_SORT_KEYS: usize = 3;
/// Most values of one `in` filter.
pub const MAX_IN_VALUES: usize = 100;

/// The operators a filter may use (`?field[op]=value`; no operator is `eq`).
pub const OPERATORS: &[&str] = &[
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "null",
];

/// Reserved query parameters (paging and sorting), not filters.
const RESERVED: &[&str] = &["page", "per_page", "sort"];

/// A list request's filters and sort, parsed and checked.
///
/// # Examples
///
/// ```
/// use access_axum::crud::query;
/// use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryTrait};
/// use std::collections::BTreeMap;
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "products")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub name: String,
/// #         pub cost: f64,
/// #         pub supplier: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
///
/// let params = BTreeMap::from([
///     ("cost[lt]".to_owned(), "10".to_owned()),
///     ("sort".to_owned(), "-cost".to_owned()),
/// ]);
/// let q = query::parse::<product::Entity>(&params, &["id", "name", "cost"], &["id", "name", "cost", "supplier"]).unwrap();
/// assert_eq!(q.order, [("cost".to_owned(), sea_orm::Order::Desc)]);
/// // Put it in a statement.
/// let mut select = product::Entity::find().filter(q.condition);
/// for (field, order) in q.order {
///     select = select.order_by(field.parse::<product::Column>().unwrap(), order);
/// }
/// let sql = select.build(DbBackend::Sqlite).to_string();
/// assert!(sql.ends_with(r#"WHERE "products"."cost" < 10 ORDER BY "products"."cost" DESC"#), "{sql}");
/// ```
#[derive(Debug)]
pub struct ListQuery {
    /// Added to the statement's `WHERE`.
    pub condition: Condition,
    /// `ORDER BY`, in order.
    pub order: Vec<(String, Order)>,
}

fn bad(code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, msg)
}

fn field_error(name: &str, queryable: &[&'static str], all: &[&'static str]) -> ApiError {
    if all.contains(&name) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_field",
            format!("you may not read `{name}`, so you may not filter or sort on it"),
        );
    }
    bad(
        "unknown_field",
        access_core::unknown_message("field", name, "", queryable.iter().copied()),
    )
}

/// The column `name` of `E`, if the caller may query it.
fn column<E: EntityTrait>(
    name: &str,
    queryable: &[&'static str],
    all: &[&'static str],
) -> Result<E::Column, ApiError> {
    if !queryable.contains(&name) {
        return Err(field_error(name, queryable, all));
    }
    name.parse::<E::Column>()
        .map_err(|_| field_error(name, queryable, all))
}

/// `raw` as a value of the column's type.
fn value(ty: &ColumnType, field: &str, raw: &str) -> Result<Value, ApiError> {
    let invalid = |what: &str| {
        bad(
            "invalid_filter",
            format!("`{field}` takes {what}, not `{raw}`"),
        )
    };
    Ok(match ty {
        ColumnType::TinyInteger
        | ColumnType::SmallInteger
        | ColumnType::Integer
        | ColumnType::BigInteger => {
            Value::from(raw.parse::<i64>().map_err(|_| invalid("an integer"))?)
        }
        ColumnType::TinyUnsigned
        | ColumnType::SmallUnsigned
        | ColumnType::Unsigned
        | ColumnType::BigUnsigned => Value::from(
            raw.parse::<u64>()
                .map_err(|_| invalid("a non-negative integer"))?,
        ),
        ColumnType::Float | ColumnType::Double => {
            let v = raw.parse::<f64>().map_err(|_| invalid("a number"))?;
            if !v.is_finite() {
                return Err(invalid("a finite number"));
            }
            Value::from(v)
        }
        ColumnType::Boolean => Value::from(
            raw.parse::<bool>()
                .map_err(|_| invalid("`true` or `false`"))?,
        ),
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => {
            if raw.contains('\0') {
                return Err(invalid("text without NUL characters"));
            }
            Value::from(raw.to_owned())
        }
        _ => {
            return Err(bad(
                "invalid_filter",
                format!("`{field}` cannot be filtered on"),
            ));
        }
    })
}

fn is_text(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text
    )
}

/// Parses the query string's filters and sort for entity `E`. `queryable` are the fields the
/// caller may query, `all` every field of the schema (to tell "hidden" from "unknown").
///
/// # Errors
/// 400 for an unknown field, operator or a value of the wrong type; 403 for a field the caller
/// may not read.
///
/// # Examples
///
/// ```
/// use access_axum::crud::query;
/// use axum::http::StatusCode;
/// use std::collections::BTreeMap;
/// # mod product {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "products")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub name: String,
/// #         pub cost: f64,
/// #         pub supplier: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
///
/// let queryable = ["id", "name", "cost"]; // the caller may not read `supplier`
/// let all = ["id", "name", "cost", "supplier"];
/// let params = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
///     pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
/// };
///
/// let q = query::parse::<product::Entity>(&params(&[("name[contains]", "lamp"), ("page", "2")]), &queryable, &all).unwrap();
/// assert!(q.order.is_empty()); // paging parameters are not filters
///
/// let hidden = query::parse::<product::Entity>(&params(&[("supplier", "acme")]), &queryable, &all).unwrap_err();
/// assert_eq!(hidden.status, StatusCode::FORBIDDEN);
/// let unknown = query::parse::<product::Entity>(&params(&[("colour", "red")]), &queryable, &all).unwrap_err();
/// assert_eq!((unknown.status, unknown.code), (StatusCode::BAD_REQUEST, "unknown_field"));
/// let typed = query::parse::<product::Entity>(&params(&[("cost[gt]", "cheap")]), &queryable, &all).unwrap_err();
/// assert_eq!(typed.code, "invalid_filter");
/// ```
pub fn parse<E: EntityTrait>(
    params: &BTreeMap<String, String>,
    queryable: &[&'static str],
    all: &[&'static str],
) -> Result<ListQuery, ApiError> {
    let mut q = ListQuery {
        condition: Condition::all(),
        order: Vec::new(),
    };
    for (key, raw) in params {
        if RESERVED.contains(&key.as_str()) {
            continue;
        }
        let (name, op) = match key.split_once('[') {
            Some((n, rest)) => match rest.strip_suffix(']') {
                Some(op) => (n, op),
                None => return Err(bad("invalid_filter", format!("malformed filter `{key}`"))),
            },
            None => (key.as_str(), "eq"),
        };
        let col = column::<E>(name, queryable, all)?;
        let ty = col.def().get_column_type().clone();
        let expr: SimpleExpr = match op {
            "eq" => col.eq(value(&ty, name, raw)?),
            "ne" => col.ne(value(&ty, name, raw)?),
            "lt" => col.lt(value(&ty, name, raw)?),
            "lte" => col.lte(value(&ty, name, raw)?),
            "gt" => col.gt(value(&ty, name, raw)?),
            "gte" => col.gte(value(&ty, name, raw)?),
            "in" => {
                let items: Vec<&str> = raw.split(',').collect();
                if items.len() > MAX_IN_VALUES {
                    return Err(bad(
                        "invalid_filter",
                        format!("`{name}[in]` takes at most {MAX_IN_VALUES} values"),
                    ));
                }
                let vals = items
                    .into_iter()
                    .map(|v| value(&ty, name, v))
                    .collect::<Result<Vec<_>, _>>()?;
                col.is_in(vals)
            }
            "contains" if is_text(&ty) => {
                value(&ty, name, raw)?; // a text value: no NUL
                // The value is matched literally: LIKE's wildcards are escaped.
                let escaped = raw
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                sea_orm::sea_query::Expr::col(col)
                    .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
            }
            "contains" => {
                return Err(bad(
                    "invalid_filter",
                    format!("`contains` works on text fields, and `{name}` is not one"),
                ));
            }
            "null" => match raw.as_str() {
                "true" => col.is_null(),
                "false" => col.is_not_null(),
                _ => {
                    return Err(bad(
                        "invalid_filter",
                        format!("`{name}[null]` takes `true` or `false`"),
                    ));
                }
            },
            other => {
                return Err(bad(
                    "invalid_filter",
                    access_core::unknown_message("operator", other, "", OPERATORS.iter().copied()),
                ));
            }
        };
        q.condition = q.condition.add(expr);
    }
    if let Some(sort) = params.get("sort") {
        let keys: Vec<&str> = sort.split(',').filter(|k| !k.is_empty()).collect();
        if keys.len() > MAX_SORT_KEYS {
            return Err(bad(
                "invalid_sort",
                format!("sort by at most {MAX_SORT_KEYS} fields"),
            ));
        }
        for k in keys {
            let (name, order) = match k.strip_prefix('-') {
                Some(n) => (n, Order::Desc),
                None => (k, Order::Asc),
            };
            column::<E>(name, queryable, all)?;
            q.order.push((name.to_owned(), order));
        }
    }
    Ok(q)
}
