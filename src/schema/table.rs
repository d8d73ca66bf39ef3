//! A declarative macro that defines one fixed-schema table: its row type, its
//! Arrow builder and its schema, generated from a single column list so the
//! three cannot drift apart.

/// Field metadata key that carries a column's description (used by `docs/schema.md`).
pub const DESCRIPTION_KEY: &str = "description";

/// Defines `$row<'a>` (one borrowed row), `$builder` (columnar builder) and
/// `$schema_fn() -> SchemaRef` from a list of `name: Kind` columns with doc
/// comments. Kinds: `Str`, `Bool`, `I64`, `F64`, `TsMicros`.
macro_rules! define_table {
    (
        $(#[$meta:meta])*
        row $row:ident, builder $builder:ident, schema $schema_fn:ident {
            $( $(#[doc = $doc:literal])+ $name:ident : $kind:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone)]
        pub struct $row<'a> {
            $( $(#[doc = $doc])+ pub $name: define_table!(@row_ty $kind), )*
            #[doc(hidden)]
            pub _lifetime: std::marker::PhantomData<&'a str>,
        }

        /// Columnar builder for the rows of this table. Columns left out by its mask have no
        /// builder and come out null.
        pub struct $builder {
            $( $name: Option<define_table!(@builder_ty $kind)>, )*
            mask: Option<std::sync::Arc<[bool]>>,
            rows: usize,
        }

        impl $builder {
            /// Creates a builder of every column with room for `capacity` rows.
            pub fn with_capacity(capacity: usize) -> Self {
                Self::with_capacity_keeping(capacity, None)
            }

            /// Creates a builder of the columns `mask` keeps (by schema index; all without a
            /// mask) with room for `capacity` rows.
            #[allow(unused_assignments)]
            pub fn with_capacity_keeping(
                capacity: usize,
                mask: Option<std::sync::Arc<[bool]>>,
            ) -> Self {
                let keep = |i: usize| $crate::schema::mask_keeps(mask.as_deref(), i);
                // Struct fields are evaluated in the order written: the column's index.
                let mut index = 0usize;
                Self {
                    $( $name: {
                        let kept = keep(index);
                        index += 1;
                        kept.then(|| define_table!(@builder_new $kind, capacity))
                    }, )*
                    mask,
                    rows: 0,
                }
            }

            /// The same columns again, with room for `capacity` rows.
            pub fn renewed(&self, capacity: usize) -> Self {
                Self::with_capacity_keeping(capacity, self.mask.clone())
            }

            /// Appends one row.
            pub fn append(&mut self, row: &$row<'_>) {
                $( if let Some(b) = &mut self.$name {
                    b.append_option(row.$name);
                } )*
                self.rows += 1;
            }

            /// Number of rows appended since the last `finish`.
            pub fn len(&self) -> usize {
                self.rows
            }

            /// True when no row was appended since the last `finish`.
            pub fn is_empty(&self) -> bool {
                self.rows == 0
            }

            /// Builds a batch of the appended rows and resets the builder.
            pub fn finish(&mut self) -> arrow::record_batch::RecordBatch {
                self.finish_with_room(false)
            }

            /// `finish`; when `more` rows follow, every column gets room for as many rows
            /// (and bytes) again, instead of regrowing from empty.
            pub fn finish_with_room(&mut self, more: bool) -> arrow::record_batch::RecordBatch {
                let rows = self.rows;
                let columns: Vec<arrow::array::ArrayRef> = vec![
                    $( match &mut self.$name {
                        Some(b) => b.finish_with_room(more),
                        None => $crate::schema::null_column(&define_table!(@dtype $kind), rows),
                    }, )*
                ];
                self.rows = 0;
                // The columns are built from the same list as the schema, so
                // their number, order and types always match it.
                arrow::record_batch::RecordBatch::try_new($schema_fn(), columns)
                    .unwrap_or_else(|e| unreachable!("table builder out of sync with its schema: {e}"))
            }
        }

        /// The Arrow schema of this table, with each column's description as field metadata.
        pub fn $schema_fn() -> arrow::datatypes::SchemaRef {
            static SCHEMA: std::sync::OnceLock<arrow::datatypes::SchemaRef> = std::sync::OnceLock::new();
            SCHEMA
                .get_or_init(|| {
                    std::sync::Arc::new(arrow::datatypes::Schema::new(vec![
                        $(
                            arrow::datatypes::Field::new(
                                // A raw identifier (`r#type`) names the column `type`.
                                stringify!($name).trim_start_matches("r#"),
                                define_table!(@dtype $kind),
                                true,
                            )
                            .with_metadata(std::collections::HashMap::from([(
                                $crate::schema::table::DESCRIPTION_KEY.to_string(),
                                [$($doc.trim()),+].join(" "),
                            )])),
                        )*
                    ]))
                })
                .clone()
        }
    };

    (@row_ty Str) => { Option<&'a str> };
    (@row_ty Bool) => { Option<bool> };
    (@row_ty I64) => { Option<i64> };
    (@row_ty F64) => { Option<f64> };
    (@row_ty TsMicros) => { Option<i64> };

    (@builder_ty Str) => { $crate::schema::columns::TextColumn };
    (@builder_ty Bool) => { $crate::schema::columns::BoolColumn };
    (@builder_ty I64) => { $crate::schema::columns::I64Column };
    (@builder_ty F64) => { $crate::schema::columns::F64Column };
    (@builder_ty TsMicros) => { $crate::schema::columns::TsMicrosColumn };

    (@builder_new Str, $cap:expr) => { $crate::schema::columns::TextColumn::with_capacity($cap, $cap * 16) };
    (@builder_new $kind:ident, $cap:expr) => { <define_table!(@builder_ty $kind)>::with_capacity($cap) };

    (@dtype Str) => { arrow::datatypes::DataType::Utf8 };
    (@dtype Bool) => { arrow::datatypes::DataType::Boolean };
    (@dtype I64) => { arrow::datatypes::DataType::Int64 };
    (@dtype F64) => { arrow::datatypes::DataType::Float64 };
    (@dtype TsMicros) => { $crate::schema::columns::utc_micros() };
}

pub(crate) use define_table;
