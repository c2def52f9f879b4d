//! A fitted pipeline summarised per input column, for training reports and model cards.

use super::column::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the pipeline does with one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDescription {
    /// Input column name.
    pub column: String,
    /// Inferred (or forced) role.
    pub role: Role,
    /// Value given to missing cells: the median, the majority boolean or the most frequent level.
    pub imputation: String,
    /// Number of output features, the missing indicator included.
    pub outputs: usize,
    /// Whether a `{column}__missing` output exists (the training column had gaps).
    pub missing_indicator: bool,
    /// Training levels pooled into `"__other__"` (0 unless categorical).
    pub pooled_levels: usize,
}

impl fmt::Display for ColumnDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}, impute {:?}, {} output{}",
            self.column,
            self.role,
            self.imputation,
            self.outputs,
            if self.outputs == 1 { "" } else { "s" }
        )?;
        if self.missing_indicator {
            f.write_str(" incl. missing indicator")?;
        }
        if self.pooled_levels > 0 {
            write!(f, ", {} rare levels pooled", self.pooled_levels)?;
        }
        Ok(())
    }
}
