//! Permission-aware listing in SQL: the resources a user may act on, as a sub-query over the
//! role assignments joined through the closure table, composable with the caller's filters,
//! sorting and keyset pagination.

use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement};
use sea_orm::{Condition, Value};

use crate::engine::AccessContext;
use crate::model::{AccessModel, EntitlementId, ModelData, RoleSet};
use crate::store::{StoreResult, Stores};

/// The resources the principal may act on, from [`list_accessible`].
///
/// # Examples
/// ```
/// use access_core::sea::Accessible;
///
/// fn describe(acc: &Accessible) -> &'static str {
///     match acc {
///         Accessible::All => "every row (a superuser)",
///         Accessible::Nothing => "no row",
///         Accessible::Where { exact: true, .. } => "the rows the sub-query selects",
///         Accessible::Where { exact: false, .. } => "a superset: check each row with `can`",
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub enum Accessible {
    /// Every resource of the type (superusers).
    All,
    /// None (inactive user, a flag off, the plan lacks it, the limit is used up, or no role
    /// could ever grant it).
    Nothing,
    /// Those whose id the sub-query returns.
    Where {
        /// `SELECT DISTINCT c.desc_id || '' FROM access_assignments a JOIN access_closure c ..`.
        ids: Box<SelectStatement>,
        /// Whether the sub-query is exactly the set `can` allows. It is unless a type above the
        /// target has more than one way down to it in the model's type graph (two `inherits`
        /// paths, even one that carries none of the roles needed), or a recursive edge changes
        /// the roles it carries; then it is a superset and rows must be checked with `can`.
        ///
        /// Exactness assumes resources are linked along the model's `inherits` edges. A parent
        /// link the model has no edge for (a project placed directly under an organization
        /// when only workspaces pass roles to projects) carries no roles for `can`, but the
        /// closure table still puts the organization above the project: list such data with
        /// `can` re-checking each row.
        exact: bool,
    },
}

impl Accessible {
    /// A condition on the caller's text id column.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::Accessible;
    /// use sea_orm::sea_query::{Alias, Query, SqliteQueryBuilder};
    ///
    /// let sql = |acc: &Accessible| {
    ///     Query::select()
    ///         .column(Alias::new("id"))
    ///         .from(Alias::new("docs"))
    ///         .cond_where(acc.condition(Alias::new("id")))
    ///         .to_string(SqliteQueryBuilder)
    /// };
    /// assert!(Accessible::All.condition(Alias::new("id")).is_empty()); // every row
    /// assert!(sql(&Accessible::Nothing).contains("WHERE 1 = 0")); // none
    /// ```
    pub fn condition<C: IntoColumnRef>(&self, id: C) -> Condition {
        self.cond(id, false)
    }

    /// A condition on the caller's integer id column (ids are compared as `BIGINT`).
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::Accessible;
    /// use sea_orm::sea_query::{Alias, Expr, Query, SqliteQueryBuilder};
    ///
    /// // The shape `list_accessible` returns: ids from the closure table.
    /// let ids = Query::select()
    ///     .expr(Expr::col((Alias::new("c"), Alias::new("desc_id"))))
    ///     .from_as(Alias::new("access_closure"), Alias::new("c"))
    ///     .to_owned();
    /// let acc = Accessible::Where { ids: Box::new(ids), exact: true };
    /// let sql = Query::select()
    ///     .column(Alias::new("id"))
    ///     .from(Alias::new("projects"))
    ///     .cond_where(acc.condition_int(Alias::new("id")))
    ///     .to_string(SqliteQueryBuilder);
    /// assert!(sql.contains(r#""id" IN (SELECT CAST("c"."desc_id" AS BIGINT)"#), "{sql}");
    /// ```
    pub fn condition_int<C: IntoColumnRef>(&self, id: C) -> Condition {
        self.cond(id, true)
    }

    fn cond<C: IntoColumnRef>(&self, id: C, int: bool) -> Condition {
        match self {
            Accessible::All => Cond::all(),
            Accessible::Nothing => Cond::all().add(Expr::val(1).eq(0)),
            Accessible::Where { ids, .. } => {
                let mut q = (**ids).clone();
                if int {
                    q.clear_selects();
                    q.expr(Expr::col((Alias::new("c"), Alias::new("desc_id"))).cast_as("BIGINT"));
                }
                Cond::all().add(Expr::col(id).in_subquery(q))
            }
        }
    }

    /// Whether the answer is exact (see [`Accessible::Where`]).
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::Accessible;
    /// use sea_orm::sea_query::{Alias, Query};
    ///
    /// assert!(Accessible::All.exact());
    /// assert!(Accessible::Nothing.exact());
    /// let ids = Box::new(Query::select().column(Alias::new("desc_id")).to_owned());
    /// // A superset: check each row with `can`.
    /// assert!(!Accessible::Where { ids, exact: false }.exact());
    /// ```
    pub fn exact(&self) -> bool {
        match self {
            Accessible::Where { exact, .. } => *exact,
            _ => true,
        }
    }
}

/// Per entity type: the effective roles that, held on a resource of that type, reach a role in
/// `need` on a resource of `target` below it; and whether every type path agrees.
fn reach(data: &ModelData, target: u16, need: RoleSet) -> (Vec<RoleSet>, bool) {
    let n = data.entities.len();
    let mut needed = vec![RoleSet::EMPTY; n];
    needed[target as usize] = need;
    // Monotone fixpoint over the edges (recursive types included).
    for _ in 0..=n * 64 {
        let mut changed = false;
        for e in data.edges.iter() {
            let child = needed[e.child as usize];
            if child.is_empty() {
                continue;
            }
            let mut pre = RoleSet::EMPTY;
            for (q, c) in e.map.iter().enumerate() {
                if c.intersects(child) {
                    pre.insert(q);
                }
            }
            let p = &mut needed[e.parent as usize];
            if p.union(pre) != *p {
                *p = p.union(pre);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Which types lie above the target in the type graph, whatever roles their edges carry.
    let mut above = vec![false; n];
    above[target as usize] = true;
    for _ in 0..n {
        let mut changed = false;
        for e in data.edges.iter() {
            if above[e.child as usize] && !above[e.parent as usize] {
                above[e.parent as usize] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Exact when no type has two ways down that disagree: each type reaching the target has at
    // most one outgoing edge towards it other than to itself (counting edges through types that
    // carry none of the needed roles: the closure table holds those paths too), and self edges
    // keep the set.
    let mut exact = true;
    for (p, &here) in needed.iter().enumerate() {
        if p == target as usize || here.is_empty() {
            continue;
        }
        let mut outs = 0;
        for e in data.edges.iter().filter(|e| e.parent as usize == p) {
            if !above[e.child as usize] {
                continue;
            }
            if e.child as usize == p {
                // folder → folder: the roles carried must stay inside what is needed.
                let stays = here.iter().all(|q| {
                    e.map
                        .get(q)
                        .is_none_or(|c| c.is_empty() || c.intersects(here))
                });
                exact &= stays;
            } else {
                outs += 1;
            }
        }
        exact &= outs <= 1;
    }
    (needed, exact)
}

/// The resources of the entitlement's entity type on which the context's principal may
/// exercise `entitlement`, for a [`SeaStore`](super::SeaStore) database.
///
/// Tenant-wide layers (flags, plan, usage limit) are evaluated once; the roles and hierarchy
/// layers become a sub-query: `c.desc_id` from the user's assignments valid now joined down
/// `access_closure c` to the resources below them (or on them), with the roles that reach the
/// entitlement per ancestor type (from the compiled tables, or the dynamic grants of the
/// context). Add it to your own query with [`Accessible::condition`] and keep your filters,
/// order and keyset pagination.
///
/// # Examples
/// ```
/// use access_core::sea::list_accessible;
/// use access_core::{AccessContext, AccessModel, EntitlementId, StoreResult, Stores};
/// use sea_orm::sea_query::{Alias, Order, Query, SelectStatement};
///
/// /// The first page of the application's `projects` the principal may act on.
/// async fn first_page<M: AccessModel, S: Stores>(
///     ctx: &AccessContext<'_, M, S>,
///     read: EntitlementId,
/// ) -> StoreResult<SelectStatement> {
///     let acc = list_accessible(ctx, read).await?;
///     Ok(Query::select()
///         .column(Alias::new("id"))
///         .from(Alias::new("projects"))
///         .cond_where(acc.condition(Alias::new("id")))
///         .order_by(Alias::new("id"), Order::Asc)
///         .limit(50)
///         .to_owned())
/// }
/// ```
///
/// # Errors
/// A store failure.
pub async fn list_accessible<M: AccessModel, S: Stores>(
    ctx: &AccessContext<'_, M, S>,
    entitlement: EntitlementId,
) -> StoreResult<Accessible> {
    let p = ctx.principal();
    if !p.active {
        return Ok(Accessible::Nothing);
    }
    if p.superuser {
        return Ok(Accessible::All);
    }
    let data = ctx.model().data();
    let Some(ent) = data.entitlements.get(entitlement.0 as usize) else {
        return Ok(Accessible::Nothing);
    };
    // The tenant-wide layers (flags, plan, usage limits): the same for every resource, read
    // without an ancestry.
    if !ctx.tenant_layers_allow(entitlement).await? {
        return Ok(Accessible::Nothing);
    }
    let granting = match ctx.grants() {
        Some(g) => g.granting(entitlement).unwrap_or_default(),
        None => ent.granting,
    };
    let (needed, exact) = reach(data, ent.entity, granting);
    // Per type, the direct roles that suffice: those whose `implies` closure meets what is
    // needed there (custom roles only on the target type itself). Plain comparisons, which
    // PostgreSQL's statistics can estimate (an expression over the columns made it expect one
    // row and pick a plan three times slower).
    let mut alternatives = Cond::any();
    let mut any = false;
    for (t, e) in data.entities.iter().enumerate() {
        let need = needed[t];
        if need.is_empty() {
            continue;
        }
        let mut names: Vec<Value> = Vec::new();
        for (r, c) in e.implies.iter().enumerate() {
            if c.intersects(need) {
                names.push(e.roles[r].to_string().into());
            }
        }
        if t == ent.entity as usize {
            for r in need.iter().filter(|&r| r >= e.roles.len()) {
                names.push(format!("#{r}").into());
            }
        }
        if names.is_empty() {
            continue;
        }
        any = true;
        alternatives = alternatives.add(
            Cond::all()
                .add(Expr::col((Alias::new("a"), Alias::new("res_ty"))).eq(e.name.to_string()))
                .add(Expr::col((Alias::new("a"), Alias::new("role"))).is_in(names)),
        );
    }
    if !any {
        return Ok(Accessible::Nothing);
    }
    let now = ctx.now_or_clock();
    let col = |t: &str, c: &str| Expr::col((Alias::new(t), Alias::new(c)));
    let valid = col("a", "starts_at")
        .is_null()
        .or(col("a", "starts_at").lte(now))
        .and(
            col("a", "expires_at")
                .is_null()
                .or(col("a", "expires_at").gt(now)),
        );
    // From the user's assignments (a handful) down the closure to the target type, through the
    // `(anc_ty, anc_id, desc_ty, desc_id)` index: the cost grows with what the user may reach,
    // not with how many resources of the type exist. `DISTINCT` lets PostgreSQL stop at the
    // page's end (sorted, unique ids); it is over an expression (`desc_id || ''`) because over
    // the bare column SQLite would rather read every resource of the type in `desc_id` order.
    let ids = Query::select()
        .distinct()
        .expr(Expr::cust("c.desc_id || ''"))
        .from_as(Alias::new("access_assignments"), Alias::new("a"))
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            Alias::new("access_closure"),
            Alias::new("c"),
            col("c", "anc_ty")
                .equals((Alias::new("a"), Alias::new("res_ty")))
                .and(col("c", "anc_id").equals((Alias::new("a"), Alias::new("res_id"))))
                .and(col("c", "desc_ty").eq(data.entities[ent.entity as usize].name.to_string())),
        )
        .cond_where(
            Cond::all()
                .add(col("a", "user_id").eq(p.id.to_string()))
                .add(valid)
                .add(alternatives),
        )
        .to_owned();
    Ok(Accessible::Where {
        ids: Box::new(ids),
        exact,
    })
}
