//! What the caller decides before fitting: forced roles, dropped columns, the category cap and
//! what to do with categories never seen in training.

use super::FeatureError;
use serde::{Deserialize, Serialize};

/// Default cap on the one-hot levels of a categorical column.
pub const DEFAULT_MAX_CATEGORIES: usize = 50;

/// What happens when scoring meets a categorical level that training never saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownPolicy {
    /// All one-hot outputs of the column are 0, as for the (implicit) reference level; the level
    /// is counted in [`Transformed::unknown`](super::Transformed::unknown).
    #[default]
    AllZeros,
    /// Refuse with [`FeatureError::UnknownLevel`] naming the column and the value.
    Error,
}

/// Settings of [`FeaturePipeline::fit`](super::FeaturePipeline::fit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PipelineSpec {
    /// Columns to treat as categorical whatever their values, e.g. low-cardinality integer codes.
    pub categorical: Vec<String>,
    /// Columns to leave out.
    pub drop: Vec<String>,
    /// One-hot levels kept per categorical column: the most frequent ones; rarer levels are
    /// pooled into `"__other__"`. At least 1.
    pub max_categories: usize,
    /// Handling of unseen levels at scoring time; stored in the fitted pipeline.
    pub unknown: UnknownPolicy,
}

impl Default for PipelineSpec {
    fn default() -> Self {
        PipelineSpec {
            categorical: Vec::new(),
            drop: Vec::new(),
            max_categories: DEFAULT_MAX_CATEGORIES,
            unknown: UnknownPolicy::default(),
        }
    }
}

impl PipelineSpec {
    /// Checks the settings on their own (column names are checked against the table in `fit`).
    pub fn validate(&self) -> Result<(), FeatureError> {
        if self.max_categories == 0 {
            return Err(FeatureError::InvalidSpec {
                field: "max_categories",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}
