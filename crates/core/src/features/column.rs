//! One input column: its role, inferred from the training values, and its fitted transform.

use super::FeatureError;
use super::boolean::BooleanTransform;
use super::categorical::CategoricalTransform;
use super::cell::{self, CATEGORY_TEXT, Cell};
use super::describe::ColumnDescription;
use super::numeric::NumericTransform;
use super::table::RawColumn;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How an input column is turned into features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Median-imputed and standardised number.
    Numeric,
    /// 0/1 flag (booleans and yes/no-like text).
    Boolean,
    /// One-hot encoded levels.
    Categorical,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Numeric => "numeric",
            Role::Boolean => "boolean",
            Role::Categorical => "categorical",
        })
    }
}

/// The fitted transform of one column, by role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub(crate) enum Transform {
    Numeric(NumericTransform),
    Boolean(BooleanTransform),
    Categorical(CategoricalTransform),
}

/// A fitted input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FittedColumn {
    pub(crate) name: String,
    pub(crate) transform: Transform,
}

/// What fitting made of a column.
pub(crate) enum Fit {
    Keep(FittedColumn),
    /// Dropped, with the reason.
    Drop(String),
}

impl FittedColumn {
    /// Infers the role of a training column and fits its transform. A column with a single
    /// value and no gap carries no information and is dropped; one with gaps is kept, since
    /// its missing indicator may.
    pub(crate) fn fit(
        name: &str,
        raw: &RawColumn,
        forced_categorical: bool,
        max_categories: usize,
    ) -> Result<Fit, FeatureError> {
        let cells = || (0..raw.len()).map(|i| raw.cell(i));
        if cells().all(Cell::is_missing) {
            return Err(FeatureError::AllMissing {
                column: name.to_string(),
            });
        }
        let role = match raw {
            _ if forced_categorical => Role::Categorical,
            RawColumn::Numeric(_) => Role::Numeric,
            RawColumn::Bool(_) => Role::Boolean,
            RawColumn::Text(_) if cell::is_numeric(cells()) => Role::Numeric,
            RawColumn::Text(_) if cell::is_yes_no(cells()) => Role::Boolean,
            RawColumn::Text(_) => Role::Categorical,
        };
        let wrong = |row: usize, c: Cell<'_>, expected| FeatureError::WrongType {
            column: name.to_string(),
            row: Some(row + 1),
            value: c.shown(),
            expected,
        };
        let transform = match role {
            Role::Numeric => {
                let values = cells()
                    .enumerate()
                    .map(|(i, c)| cell::parse_number(c).map_err(|e| wrong(i, c, e)))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(v) = constant(&values) {
                    return Ok(Fit::Drop(format!(
                        "constant value {}",
                        cell::format_number(*v)
                    )));
                }
                NumericTransform::fit(&values).map(Transform::Numeric)
            }
            Role::Boolean => {
                let values = cells()
                    .enumerate()
                    .map(|(i, c)| cell::parse_bool(c).map_err(|e| wrong(i, c, e)))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(v) = constant(&values) {
                    return Ok(Fit::Drop(format!("constant value {v}")));
                }
                Some(Transform::Boolean(BooleanTransform::fit(&values)))
            }
            Role::Categorical => {
                let numeric_levels = matches!(raw, RawColumn::Numeric(_));
                let values: Vec<_> = cells()
                    .map(|c| cell::category_level(c, numeric_levels))
                    .collect();
                if let Some(v) = constant(&values) {
                    return Ok(Fit::Drop(format!("constant value {v:?}")));
                }
                let levels = values.iter().map(|v| v.as_deref());
                CategoricalTransform::fit(levels, max_categories, numeric_levels)
                    .map(Transform::Categorical)
            }
        };
        // Reached when every value is the text "NaN", which reads as missing only once parsed.
        let transform = transform.ok_or_else(|| FeatureError::AllMissing {
            column: name.to_string(),
        })?;
        Ok(Fit::Keep(FittedColumn {
            name: name.to_string(),
            transform,
        }))
    }

    pub(crate) fn role(&self) -> Role {
        match &self.transform {
            Transform::Numeric(_) => Role::Numeric,
            Transform::Boolean(_) => Role::Boolean,
            Transform::Categorical(_) => Role::Categorical,
        }
    }

    /// Number of outputs.
    pub(crate) fn width(&self) -> usize {
        match &self.transform {
            Transform::Numeric(t) => t.width(),
            Transform::Boolean(t) => t.width(),
            Transform::Categorical(t) => t.width(),
        }
    }

    fn missing_indicator(&self) -> bool {
        match &self.transform {
            Transform::Numeric(t) => t.missing_indicator,
            Transform::Boolean(t) => t.missing_indicator,
            Transform::Categorical(t) => t.missing_indicator(),
        }
    }

    /// Output names, in output order.
    pub(crate) fn output_names(&self) -> Vec<String> {
        let name = &self.name;
        let mut out = match &self.transform {
            Transform::Numeric(_) | Transform::Boolean(_) => vec![name.clone()],
            Transform::Categorical(t) => t.levels().iter().map(|l| format!("{name}={l}")).collect(),
        };
        if self.missing_indicator() {
            out.push(format!("{name}__missing"));
        }
        out
    }

    /// Writes the outputs of one cell into `out` (of length [`Self::width`]). `Ok(Some(level))`
    /// reports a categorical level not seen in training (its outputs are all 0); `Err` holds
    /// what the column expected.
    pub(crate) fn encode(
        &self,
        c: Cell<'_>,
        out: &mut [f64],
    ) -> Result<Option<String>, &'static str> {
        match &self.transform {
            Transform::Numeric(t) => t.encode(cell::parse_number(c)?, out),
            Transform::Boolean(t) => t.encode(cell::parse_bool(c)?, out),
            Transform::Categorical(t) => {
                // A number is a level only of a column whose training levels were numbers, and
                // a boolean only of one whose levels were true/false: anything else is a
                // value of the wrong type, not an unseen level.
                match c {
                    Cell::Number(_) if !t.numeric_levels() => return Err(CATEGORY_TEXT),
                    Cell::Bool(_) if !t.boolean_levels() => return Err(CATEGORY_TEXT),
                    _ => {}
                }
                let level = cell::category_level(c, t.numeric_levels());
                if !t.encode(level.as_deref(), out) {
                    return Ok(level.map(|l| l.into_owned()));
                }
            }
        }
        Ok(None)
    }

    /// Checks a transform read from an artefact: a numeric column's median and mean are
    /// finite and its standard deviation finite and positive (fitting guarantees it; a hand
    /// edit could break it and make every score infinite).
    pub(crate) fn check_stored(&self) -> Result<(), String> {
        match &self.transform {
            Transform::Numeric(t) => {
                if !(t.median.is_finite() && t.mean.is_finite()) {
                    return Err(format!(
                        "median {} and mean {} must be finite",
                        t.median, t.mean
                    ));
                }
                if !(t.std.is_finite() && t.std > 0.0) {
                    return Err(format!(
                        "standard deviation {} must be finite and > 0",
                        t.std
                    ));
                }
                Ok(())
            }
            Transform::Boolean(_) | Transform::Categorical(_) => Ok(()),
        }
    }

    pub(crate) fn describe(&self) -> ColumnDescription {
        let (imputation, pooled_levels) = match &self.transform {
            Transform::Numeric(t) => (cell::format_number(t.median), 0),
            Transform::Boolean(t) => (t.imputed.to_string(), 0),
            Transform::Categorical(t) => (t.mode().to_string(), t.n_pooled()),
        };
        ColumnDescription {
            column: self.name.clone(),
            role: self.role(),
            imputation,
            outputs: self.width(),
            missing_indicator: self.missing_indicator(),
            pooled_levels,
        }
    }
}

/// The single value of a column without gaps, if it has only one.
fn constant<T: PartialEq>(values: &[Option<T>]) -> Option<&T> {
    let first = values.first()?.as_ref()?;
    values
        .iter()
        .all(|v| v.as_ref() == Some(first))
        .then_some(first)
}
