//! The fitted feature pipeline: spec + training table → per-column transforms, then any table
//! or single customer → the same dense features.

use super::FeatureError;
use super::cell::Cell;
use super::column::{Fit, FittedColumn};
use super::describe::ColumnDescription;
use super::spec::{PipelineSpec, UnknownPolicy};
use super::table::{RawTable, RawValue};
use super::transformed::Transformed;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Fitted transforms of every kept input column, in training-table order.
///
/// Serialises into model artefacts; loading re-derives the output names and checks them against
/// the stored ones, so a hand-edited artefact cannot silently shift features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PipelineRepr", into = "PipelineRepr")]
pub struct FeaturePipeline {
    repr: PipelineRepr,
    /// First output of each column.
    offsets: Vec<usize>,
}

/// What an artefact stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PipelineRepr {
    spec: PipelineSpec,
    columns: Vec<FittedColumn>,
    dropped: Vec<(String, String)>,
    feature_names: Vec<String>,
}

impl TryFrom<PipelineRepr> for FeaturePipeline {
    type Error = FeatureError;

    fn try_from(repr: PipelineRepr) -> Result<Self, FeatureError> {
        let PipelineRepr {
            spec,
            columns,
            dropped,
            feature_names,
        } = repr;
        for c in &columns {
            c.check_stored().map_err(|why| {
                FeatureError::InvalidArtefact(format!("column {:?}: {why}", c.name))
            })?;
        }
        let pipeline = FeaturePipeline::assemble(spec, columns, dropped)?;
        if pipeline.repr.feature_names != feature_names {
            return Err(FeatureError::InvalidArtefact(
                "stored feature names differ from those of the stored transforms".into(),
            ));
        }
        Ok(pipeline)
    }
}

impl From<FeaturePipeline> for PipelineRepr {
    fn from(p: FeaturePipeline) -> Self {
        p.repr
    }
}

impl FeaturePipeline {
    /// Infers each column's role and fits its transform on `table` (target and id columns
    /// already removed). Columns listed in `spec.drop` and constant columns are left out and
    /// listed in [`Self::dropped`].
    pub fn fit(table: &RawTable, spec: &PipelineSpec) -> Result<Self, FeatureError> {
        spec.validate()?;
        table.validate()?;
        for (list, names) in [("categorical", &spec.categorical), ("drop", &spec.drop)] {
            if let Some(column) = names.iter().find(|n| table.column(n).is_none()) {
                return Err(FeatureError::UnknownSpecColumn {
                    list,
                    column: column.clone(),
                });
            }
        }
        if table.names.is_empty() {
            return Err(FeatureError::NoFeatures);
        }
        if table.is_empty() {
            return Err(FeatureError::Empty);
        }
        let mut columns = Vec::new();
        let mut dropped = Vec::new();
        for (name, raw) in table.names.iter().zip(&table.columns) {
            if spec.drop.contains(name) {
                dropped.push((name.clone(), "listed in spec.drop".to_string()));
                continue;
            }
            let forced = spec.categorical.contains(name);
            match FittedColumn::fit(name, raw, forced, spec.max_categories)? {
                Fit::Keep(column) => columns.push(column),
                Fit::Drop(reason) => dropped.push((name.clone(), reason)),
            }
        }
        FeaturePipeline::assemble(spec.clone(), columns, dropped)
    }

    /// Derives output names and offsets; refuses an empty pipeline and clashing names.
    fn assemble(
        spec: PipelineSpec,
        columns: Vec<FittedColumn>,
        dropped: Vec<(String, String)>,
    ) -> Result<Self, FeatureError> {
        if columns.is_empty() {
            return Err(FeatureError::NoFeatures);
        }
        let mut feature_names = Vec::new();
        let mut offsets = Vec::with_capacity(columns.len());
        let mut seen = HashSet::new();
        for column in &columns {
            offsets.push(feature_names.len());
            for name in column.output_names() {
                if !seen.insert(name.clone()) {
                    return Err(FeatureError::DuplicateFeature { name });
                }
                feature_names.push(name);
            }
        }
        let repr = PipelineRepr {
            spec,
            columns,
            dropped,
            feature_names,
        };
        Ok(FeaturePipeline { repr, offsets })
    }

    /// Output feature names: `{col}` for numeric and boolean columns, `{col}={level}` for each
    /// one-hot level, `{col}__missing` for missing indicators.
    pub fn feature_names(&self) -> &[String] {
        &self.repr.feature_names
    }

    /// Number of output features.
    pub fn n_features(&self) -> usize {
        self.repr.feature_names.len()
    }

    /// Names of the input columns a table (or row) must provide, in pipeline order.
    pub fn input_names(&self) -> impl Iterator<Item = &str> {
        self.repr.columns.iter().map(|c| c.name.as_str())
    }

    /// Columns left out at fit time, with the reason.
    pub fn dropped(&self) -> &[(String, String)] {
        &self.repr.dropped
    }

    /// The spec the pipeline was fitted with (the unknown policy as currently set).
    pub fn spec(&self) -> &PipelineSpec {
        &self.repr.spec
    }

    /// Handling of unseen categorical levels.
    pub fn unknown_policy(&self) -> UnknownPolicy {
        self.repr.spec.unknown
    }

    /// Changes the handling of unseen categorical levels, e.g. to be strict in a batch job.
    pub fn set_unknown_policy(&mut self, policy: UnknownPolicy) {
        self.repr.spec.unknown = policy;
    }

    /// Per input column: role, imputation value and number of outputs.
    pub fn describe(&self) -> Vec<ColumnDescription> {
        self.repr
            .columns
            .iter()
            .map(FittedColumn::describe)
            .collect()
    }

    /// Transforms a table holding (at least) the training columns; other columns are ignored.
    pub fn transform(&self, table: &RawTable) -> Result<Transformed, FeatureError> {
        table.validate()?;
        let n_rows = table.len();
        let n_features = self.n_features();
        let mut data = vec![0.0; n_rows * n_features];
        let mut unknown = Vec::new();
        for (column, &offset) in self.repr.columns.iter().zip(&self.offsets) {
            let raw = table
                .column(&column.name)
                .ok_or_else(|| FeatureError::MissingColumn {
                    column: column.name.clone(),
                })?;
            let outputs = offset..offset + column.width();
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            // `n_features >= 1`: `assemble` refuses a pipeline without columns.
            for (row, out) in data.chunks_exact_mut(n_features).enumerate() {
                let level = self.encode(
                    column,
                    raw.cell(row),
                    Some(row + 1),
                    &mut out[outputs.clone()],
                )?;
                if let Some(level) = level {
                    *counts.entry(level).or_default() += 1;
                }
            }
            collect_unknown(&column.name, counts, &mut unknown);
        }
        Ok(Transformed {
            n_rows,
            n_features,
            data,
            unknown,
        })
    }

    /// Transforms one customer given as (field, value) pairs; extra fields are ignored.
    /// Gives exactly what [`Self::transform`] gives for the same values in a table.
    pub fn transform_row(
        &self,
        values: &[(String, RawValue)],
    ) -> Result<Transformed, FeatureError> {
        let mut seen = HashSet::new();
        if let Some((name, _)) = values.iter().find(|(name, _)| !seen.insert(name.as_str())) {
            return Err(FeatureError::DuplicateColumn {
                column: name.clone(),
            });
        }
        let n_features = self.n_features();
        let mut data = vec![0.0; n_features];
        let mut unknown = Vec::new();
        for (column, &offset) in self.repr.columns.iter().zip(&self.offsets) {
            let value = values
                .iter()
                .find(|(name, _)| *name == column.name)
                .map(|(_, v)| v)
                .ok_or_else(|| FeatureError::MissingColumn {
                    column: column.name.clone(),
                })?;
            let out = &mut data[offset..offset + column.width()];
            if let Some(level) = self.encode(column, value.cell(), None, out)? {
                collect_unknown(&column.name, BTreeMap::from([(level, 1)]), &mut unknown);
            }
        }
        Ok(Transformed {
            n_rows: 1,
            n_features,
            data,
            unknown,
        })
    }

    /// Encodes one cell, naming column and row in errors and applying the unknown policy.
    fn encode(
        &self,
        column: &FittedColumn,
        cell: Cell<'_>,
        row: Option<usize>,
        out: &mut [f64],
    ) -> Result<Option<String>, FeatureError> {
        let level = column
            .encode(cell, out)
            .map_err(|expected| FeatureError::WrongType {
                column: column.name.clone(),
                row,
                value: cell.shown(),
                expected,
            })?;
        match (level, self.repr.spec.unknown) {
            (Some(value), UnknownPolicy::Error) => Err(FeatureError::UnknownLevel {
                column: column.name.clone(),
                row,
                value,
            }),
            (level, _) => Ok(level),
        }
    }
}

fn collect_unknown(
    column: &str,
    counts: BTreeMap<String, usize>,
    out: &mut Vec<(String, String, usize)>,
) {
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    // Stable sort keeps the BTreeMap's name order among equal counts.
    counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    out.extend(
        counts
            .into_iter()
            .map(|(level, n)| (column.to_string(), level, n)),
    );
}
