//! The fitted feature pipeline of supervised churn models: raw customer columns → a dense,
//! imputed, standardised, one-hot feature matrix.
//!
//! [`FeaturePipeline::fit`] infers each column's [`Role`] from the training values:
//! - numbers, and text whose every value parses as a number (a blank cell is missing), are
//!   **numeric**: median-imputed, then standardised with the mean and std of the imputed column;
//! - booleans, and text that is one yes/no-like pair (`Yes`/`No`, `true`/`false`, `Y`/`N`, any
//!   case), are **boolean**: one 0/1 output, majority-imputed;
//! - other text, and columns listed in [`PipelineSpec::categorical`], are **categorical**: one
//!   output `{col}={level}` per level, most frequent first, all levels kept, levels beyond
//!   [`PipelineSpec::max_categories`] pooled into [`OTHER`], missing imputed with the most
//!   frequent level; unseen levels follow the [`UnknownPolicy`].
//!
//! A column with gaps in training also gets a `{col}__missing` 0/1 output. A column without any
//! value is an error; one with a single value and no gap is dropped and listed in
//! [`FeaturePipeline::dropped`].
//!
//! The fitted pipeline serialises into model artefacts, so training, batch scoring and the
//! server share these exact transforms.
//!
//! # Layout
//! - `table`: [`RawTable`], [`RawColumn`] and [`RawValue`], the input.
//! - `spec`: [`PipelineSpec`] and [`UnknownPolicy`], the caller's settings.
//! - `cell`: how each role reads one raw value (numbers in text, yes/no, category levels).
//! - `numeric`, `boolean`, `categorical`: the fitted transform of each role.
//! - `column`: role inference and per-column dispatch.
//! - `pipeline`: [`FeaturePipeline`], fit and transform.
//! - `transformed`: [`Transformed`], the output.
//! - `describe`: [`ColumnDescription`], for reports.
//! - `error`: [`FeatureError`].
//!
//! # Example
//! ```
//! use retain_core::features::{FeaturePipeline, PipelineSpec, RawColumn, RawTable, RawValue};
//! let mut table = RawTable::default();
//! table.push("tenure", RawColumn::Numeric(vec![Some(1.0), Some(3.0), None]));
//! table.push("contract", RawColumn::Text(vec![Some("Monthly".into()), Some("Yearly".into()), Some("Monthly".into())]));
//! let pipeline = FeaturePipeline::fit(&table, &PipelineSpec::default()).unwrap();
//! assert_eq!(
//!     pipeline.feature_names(),
//!     ["tenure", "tenure__missing", "contract=Monthly", "contract=Yearly"]
//! );
//! let row = pipeline
//!     .transform_row(&[
//!         ("tenure".to_string(), RawValue::Missing),
//!         ("contract".to_string(), RawValue::Text("Yearly".into())),
//!     ])
//!     .unwrap();
//! // The median 2 is also the mean of the imputed column [1, 3, 2]: standardised to 0.
//! assert_eq!(row.data, [0.0, 1.0, 0.0, 1.0]);
//! ```

mod boolean;
mod categorical;
mod cell;
mod column;
mod describe;
mod error;
mod numeric;
mod pipeline;
mod spec;
mod table;
mod transformed;

#[cfg(test)]
mod tests;

pub use categorical::OTHER;
pub use column::Role;
pub use describe::ColumnDescription;
pub use error::FeatureError;
pub use pipeline::FeaturePipeline;
pub use spec::{DEFAULT_MAX_CATEGORIES, PipelineSpec, UnknownPolicy};
pub use table::{RawColumn, RawTable, RawValue};
pub use transformed::Transformed;
