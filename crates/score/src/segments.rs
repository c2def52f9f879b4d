//! Customer segments: RFM quintile scores and named segments from a TOML rules file, the
//! value × risk grid, and percentile ranks — all against a reference sample of the training
//! base kept in the artefact, so that every scoring path segments a customer the same way.

pub mod assign;
pub mod churn_ranks;
pub mod for_model;
pub mod grid;
pub mod reference;
pub mod rules;

pub use assign::{CustomerSegment, SegmentColumns, Segmenter};
pub use churn_ranks::{ChurnRanker, ChurnRanks, ChurnReference};
pub use for_model::SegmentSettings;
pub use grid::{GroupTotals, SegmentTotals, TIERS, ValueRiskGrid};
pub use reference::{Distribution, REFERENCE_SIZE, ReferenceBase, ScoreCuts};
pub use rules::{DEFAULT_RULES, RfmRule, SegmentRules, ValueTiers};
