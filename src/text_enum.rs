//! `text_enum!`: a closed set of values stored as `text` (with a `CHECK` in the migration),
//! spelled in snake_case in JSON and SQL, parsed rather than trusted; and `text_sql!`, the
//! diesel mapping of any value stored as its text (enums, `Currency`).

/// Declares an enum whose variants map to fixed snake_case strings, with serde, OpenAPI schema,
/// `Display`, `FromStr` and diesel `Text` conversions.
///
/// ```ignore
/// text_enum! {
///     /// A staff role.
///     pub enum Role { Owner => "owner", Admin => "admin" }
/// }
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:tt),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        $crate::text_sql!($name, as_str);
    };
}

/// Maps `$type` to a `text` (or `char(n)`) column through its text form: `$as_str` writes it and
/// `FromStr` reads it back, so a stored value that does not parse is an error, never a default.
/// `$type` also derives `AsExpression` and `FromSqlRow` with `sql_type = Text`.
#[macro_export]
macro_rules! text_sql {
    ($type:ty, $as_str:ident) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $type {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write as _;
                out.write_all(self.$as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $type {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = std::str::from_utf8(bytes.as_bytes())?;
                text.parse().map_err(Into::into)
            }
        }
    };
}
