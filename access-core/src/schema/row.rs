//! A row as rules see it: the values `where` clauses compare ([`FieldValue`], [`AsFieldValue`])
//! and the row behind a `&dyn` ([`RowFields`]).

/// A field's value as `where` rules compare it.
///
/// # Examples
/// ```
/// use access_core::schema::{AsFieldValue, FieldValue};
///
/// assert_eq!(7u8.as_field_value(), FieldValue::Int(7));
/// assert_eq!("acme".as_field_value(), FieldValue::Str("acme"));
/// assert_eq!(Some(true).as_field_value(), FieldValue::Bool(true));
/// assert_eq!(None::<i64>.as_field_value(), FieldValue::Null);
/// // An integer outside `i64` cannot equal anything.
/// assert_eq!(u64::MAX.as_field_value(), FieldValue::Null);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// `None` / SQL NULL: matches nothing.
    Null,
    /// Any integer type.
    Int(i64),
    /// Strings.
    Str(&'a str),
    /// Booleans.
    Bool(bool),
}

/// Types a `where` rule can compare. Implemented for integers, strings, `bool` and `Option`s
/// of them; a `where` on a field of another type is a compile error naming this trait.
///
/// # Examples
/// ```
/// use access_core::schema::{AsFieldValue, FieldValue};
///
/// fn same<T: AsFieldValue + ?Sized>(a: &T, b: FieldValue<'_>) -> bool {
///     a.as_field_value() == b
/// }
/// assert!(same(&String::from("x"), FieldValue::Str("x")));
/// assert!(same(&-3i32, FieldValue::Int(-3)));
/// assert!(!same(&Some(1u16), FieldValue::Null));
/// ```
#[diagnostic::on_unimplemented(
    message = "a `where` rule cannot compare a field of type `{Self}`",
    note = "`where` compares integers, strings, `bool` and `Option`s of them"
)]
pub trait AsFieldValue {
    /// The value.
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{AsFieldValue, FieldValue};
    ///
    /// let tenant: Option<String> = Some("acme".into());
    /// assert_eq!(tenant.as_field_value(), FieldValue::Str("acme"));
    /// assert_eq!(false.as_field_value(), FieldValue::Bool(false));
    /// ```
    fn as_field_value(&self) -> FieldValue<'_>;
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl AsFieldValue for $t {
            fn as_field_value(&self) -> FieldValue<'_> {
                i64::try_from(*self).map_or(FieldValue::Null, FieldValue::Int)
            }
        }
    )*};
}
int_field!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

impl AsFieldValue for String {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Str(self)
    }
}
impl AsFieldValue for str {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Str(self)
    }
}
impl AsFieldValue for bool {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Bool(*self)
    }
}
impl<T: AsFieldValue> AsFieldValue for Option<T> {
    fn as_field_value(&self) -> FieldValue<'_> {
        self.as_ref().map_or(FieldValue::Null, T::as_field_value)
    }
}

/// A row's fields, for `where` rules evaluated in memory. `#[derive(Schema)]` implements it.
///
/// # Examples
/// ```
/// # access_core::define_access! { pub Access; entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::schema::{FieldValue, RowFields};
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(update = where(owner_id = user.id)))]
/// pub struct Note {
///     pub id: i64,
///     pub owner_id: i64,
/// }
///
/// fn main() {
///     let note = Note { id: 7, owner_id: 42 };
///     assert_eq!(note.field("owner_id"), FieldValue::Int(42)); // what `where` compares
/// }
/// ```
pub trait RowFields: Sync {
    /// The value of `field`: the fields `where` rules compare (and the id field when the schema
    /// has `entitlement(..)` rules); `Null` for the rest (dynamic checks read the typed row with
    /// [`PermissionCtx::row_as`](crate::PermissionCtx::row_as)).
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{FieldValue, RowFields};
    ///
    /// struct Doc {
    ///     tenant: Option<String>,
    /// }
    /// impl RowFields for Doc {
    ///     fn field(&self, field: &str) -> FieldValue<'_> {
    ///         match (field, &self.tenant) {
    ///             ("tenant", Some(t)) => FieldValue::Str(t),
    ///             _ => FieldValue::Null,
    ///         }
    ///     }
    ///     fn as_any(&self) -> &dyn std::any::Any {
    ///         self
    ///     }
    /// }
    ///
    /// assert_eq!(Doc { tenant: Some("acme".into()) }.field("tenant"), FieldValue::Str("acme"));
    /// assert_eq!(Doc { tenant: None }.field("tenant"), FieldValue::Null);
    /// ```
    fn field(&self, field: &str) -> FieldValue<'_>;
    /// The row itself, for [`PermissionCtx::row_as`](crate::PermissionCtx::row_as).
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::{FieldValue, RowFields};
    ///
    /// struct Doc(i64);
    /// impl RowFields for Doc {
    ///     fn field(&self, _: &str) -> FieldValue<'_> {
    ///         FieldValue::Int(self.0)
    ///     }
    ///     fn as_any(&self) -> &dyn std::any::Any {
    ///         self
    ///     }
    /// }
    ///
    /// let row: &dyn RowFields = &Doc(5);
    /// assert_eq!(row.as_any().downcast_ref::<Doc>().map(|d| d.0), Some(5));
    /// assert!(row.as_any().downcast_ref::<String>().is_none());
    /// ```
    fn as_any(&self) -> &dyn std::any::Any;
}
