//! A categorical column: a frequency-ordered vocabulary with rare levels pooled, one-hot outputs
//! for every kept level (no reference level is dropped: the logistic model is L2-regularised, so
//! the collinearity with the intercept is harmless and every level gets its own coefficient),
//! and the most frequent level for missing cells.

use super::FeatureError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Output level that pools training levels beyond the `max_categories` most frequent.
pub const OTHER: &str = "__other__";

/// Fitted transform of a categorical column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CategoricalRepr", into = "CategoricalRepr")]
pub(crate) struct CategoricalTransform {
    repr: CategoricalRepr,
    /// Kept and pooled levels → output position (rebuilt on load, not stored).
    index: HashMap<String, usize>,
}

/// What an artefact stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CategoricalRepr {
    /// Output levels: most frequent first (ties by name), then [`OTHER`] if anything was pooled.
    levels: Vec<String>,
    /// Training levels pooled into [`OTHER`], sorted; seen, so not "unknown" when scoring.
    pooled: Vec<String>,
    /// Whether a `{col}__missing` output follows (the training column had gaps).
    missing_indicator: bool,
    /// Whether the training column held numbers (see `cell::category_level`).
    numeric_levels: bool,
}

impl TryFrom<CategoricalRepr> for CategoricalTransform {
    type Error = FeatureError;

    fn try_from(repr: CategoricalRepr) -> Result<Self, FeatureError> {
        if repr.levels.is_empty() {
            return Err(FeatureError::InvalidArtefact(
                "categorical column without levels".into(),
            ));
        }
        let mut index = HashMap::with_capacity(repr.levels.len() + repr.pooled.len());
        for (i, level) in repr.levels.iter().enumerate() {
            if index.insert(level.clone(), i).is_some() {
                return Err(FeatureError::InvalidArtefact(format!(
                    "level {level:?} listed twice"
                )));
            }
        }
        if !repr.pooled.is_empty() {
            let other = index.get(OTHER).copied().ok_or_else(|| {
                FeatureError::InvalidArtefact(format!("pooled levels without an {OTHER:?} level"))
            })?;
            for level in &repr.pooled {
                index.entry(level.clone()).or_insert(other);
            }
        }
        Ok(CategoricalTransform { repr, index })
    }
}

impl From<CategoricalTransform> for CategoricalRepr {
    fn from(t: CategoricalTransform) -> Self {
        t.repr
    }
}

impl CategoricalTransform {
    /// Fits on the training levels (`None` = missing); `None` when there is no level at all.
    pub(crate) fn fit<'a>(
        values: impl Iterator<Item = Option<&'a str>>,
        max_categories: usize,
        numeric_levels: bool,
    ) -> Option<Self> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let mut gaps = false;
        for v in values {
            match v {
                Some(level) => *counts.entry(level).or_default() += 1,
                None => gaps = true,
            }
        }
        let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let cut = max_categories.max(1).min(ranked.len());
        let mut levels: Vec<String> = ranked[..cut].iter().map(|(l, _)| l.to_string()).collect();
        let mut pooled: Vec<String> = ranked[cut..].iter().map(|(l, _)| l.to_string()).collect();
        pooled.sort();
        // A real level spelled like the pool is merged with it rather than duplicated.
        if !pooled.is_empty() && !levels.iter().any(|l| l == OTHER) {
            levels.push(OTHER.to_string());
        }
        let repr = CategoricalRepr {
            levels,
            pooled,
            missing_indicator: gaps,
            numeric_levels,
        };
        CategoricalTransform::try_from(repr).ok()
    }

    /// Output levels in order.
    pub(crate) fn levels(&self) -> &[String] {
        &self.repr.levels
    }

    /// Number of training levels pooled into [`OTHER`].
    pub(crate) fn n_pooled(&self) -> usize {
        self.repr.pooled.len()
    }

    /// The imputed level: the most frequent one.
    pub(crate) fn mode(&self) -> &str {
        // Construction guarantees at least one level.
        self.repr.levels.first().map_or("", String::as_str)
    }

    pub(crate) fn missing_indicator(&self) -> bool {
        self.repr.missing_indicator
    }

    pub(crate) fn numeric_levels(&self) -> bool {
        self.repr.numeric_levels
    }

    /// Whether every training level is `true` or `false` (a boolean column kept as a category).
    pub(crate) fn boolean_levels(&self) -> bool {
        self.repr
            .levels
            .iter()
            .all(|l| l == "true" || l == "false" || l == OTHER)
    }

    /// Number of outputs.
    pub(crate) fn width(&self) -> usize {
        self.repr.levels.len() + usize::from(self.repr.missing_indicator)
    }

    /// Writes the outputs of one level into `out` (of length [`Self::width`]); returns `false`
    /// for a level not seen in training, whose one-hot outputs are then all 0.
    pub(crate) fn encode(&self, level: Option<&str>, out: &mut [f64]) -> bool {
        out.fill(0.0);
        let position = match level {
            None => Some(0),
            Some(l) => self.index.get(l).copied(),
        };
        if let Some(p) = position {
            out[p] = 1.0;
        }
        if self.repr.missing_indicator {
            out[self.repr.levels.len()] = f64::from(u8::from(level.is_none()));
        }
        position.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(values: &[Option<&str>], max: usize) -> CategoricalTransform {
        CategoricalTransform::fit(values.iter().copied(), max, false).unwrap()
    }

    #[test]
    fn levels_are_ordered_by_frequency_then_name() {
        let t = fit(
            &[
                Some("b"),
                Some("a"),
                Some("c"),
                Some("c"),
                Some("a"),
                Some("c"),
            ],
            50,
        );
        assert_eq!(t.levels(), ["c", "a", "b"]);
        assert_eq!(t.mode(), "c");
        assert!(!t.missing_indicator());
        let mut out = [9.0; 3];
        assert!(t.encode(Some("a"), &mut out));
        assert_eq!(out, [0.0, 1.0, 0.0]);
    }

    #[test]
    fn rare_levels_are_pooled_and_stay_known() {
        let values = [
            Some("x"),
            Some("x"),
            Some("x"),
            Some("y"),
            Some("y"),
            Some("z"),
            Some("w"),
        ];
        let t = fit(&values, 2);
        assert_eq!(t.levels(), ["x", "y", OTHER]);
        assert_eq!(t.n_pooled(), 2);
        let mut out = [9.0; 3];
        assert!(t.encode(Some("z"), &mut out));
        assert_eq!(out, [0.0, 0.0, 1.0]);
        assert!(!t.encode(Some("never"), &mut out));
        assert_eq!(out, [0.0, 0.0, 0.0]);
    }

    #[test]
    fn missing_takes_the_mode_and_the_indicator() {
        let t = fit(&[Some("a"), None, Some("b"), Some("b")], 50);
        assert_eq!(t.width(), 3);
        let mut out = [9.0; 3];
        assert!(t.encode(None, &mut out));
        assert_eq!(out, [1.0, 0.0, 1.0]);
    }

    #[test]
    fn a_real_other_level_absorbs_the_pool() {
        let values = [Some(OTHER), Some(OTHER), Some("a"), Some("b")];
        let t = fit(&values, 1);
        assert_eq!(t.levels(), [OTHER]);
        let mut out = [9.0; 1];
        assert!(t.encode(Some("b"), &mut out));
        assert_eq!(out, [1.0]);
    }

    #[test]
    fn inconsistent_artefacts_are_refused() {
        let repr = CategoricalRepr {
            levels: vec!["a".into()],
            pooled: vec!["b".into()],
            missing_indicator: false,
            numeric_levels: false,
        };
        assert!(matches!(
            CategoricalTransform::try_from(repr),
            Err(FeatureError::InvalidArtefact(_))
        ));
    }
}
