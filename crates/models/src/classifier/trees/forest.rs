//! Random forest of variance-reduction trees on bootstrap samples (Breiman 2001).
//!
//! Each tree sees a bootstrap sample (counts as row weights) and draws √p features at each
//! split; its leaves hold the sample's churn rate, and the forest's probability is their mean
//! over trees, like scikit-learn's `predict_proba`. Leaves keep at least `min_samples_leaf`
//! (default 5) rows: fully grown trees give 0/1 leaves whose averages rank customers well but
//! give poorly spread probabilities. Trees are grown in parallel (rayon), each from its own
//! seeded stream, so the result does not depend on the thread count.

use super::bins::Binned;
use super::gbdt::check_inputs;
use super::grow::{GrowParams, Grower};
use super::tree::Tree;
use crate::ModelError;
pub use crate::classifier::params::{ForestParams, ForestValidParams};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A fitted forest: P(churn) = mean over trees of the leaf churn rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// The trees.
    pub trees: Vec<Tree>,
    /// Features the model was trained on.
    pub n_features: usize,
    /// Settings used.
    pub params: ForestValidParams,
}

impl Forest {
    /// Default (unchecked) hyperparameters: 200 trees, √p features per split, ≥ 5 rows per
    /// leaf, seed 42.
    pub fn params() -> ForestParams {
        ForestParams::default()
    }

    /// Fits on a row-major matrix and churn labels; `params.seed` drives the bootstrap samples
    /// and feature draws.
    pub(crate) fn fit_rows(
        x: &[f64],
        n_features: usize,
        y: &[bool],
        params: &ForestValidParams,
    ) -> Result<Forest, ModelError> {
        check_inputs(x, n_features, y)?;
        let (params, seed) = (*params, params.seed);
        let n = y.len();
        let binned = Binned::new(x, n_features, params.max_bins, 3);
        let mtry = params
            .max_features
            .unwrap_or_else(|| (n_features as f64).sqrt().round() as usize)
            .clamp(1, n_features);
        let grow = GrowParams {
            max_leaves: usize::MAX,
            max_depth: params.max_depth.unwrap_or(usize::MAX),
            min_weight_in_leaf: params.min_samples_leaf,
            min_hessian_in_leaf: 0.0,
            lambda_l2: 0.0,
            min_gain: 0.0,
            features_per_split: mtry,
            best_first: false,
        };
        let trees: Vec<Tree> = (0..params.n_trees)
            .into_par_iter()
            .map(|k| {
                let tree_seed = seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(tree_seed);
                let mut counts = vec![0u32; n];
                for _ in 0..n {
                    counts[rng.random_range(0..n)] += 1;
                }
                let ghw: Vec<[f64; 3]> = counts
                    .iter()
                    .zip(y)
                    .map(|(&c, &t)| {
                        let c = c as f64;
                        [-(t as u8 as f64) * c, c, c]
                    })
                    .collect();
                let mut rows: Vec<u32> =
                    (0..n as u32).filter(|&i| counts[i as usize] > 0).collect();
                let mut tree =
                    Grower::new(&binned, grow, tree_seed.rotate_left(17)).grow(&mut rows, &ghw);
                // Histogram subtraction can leave a churn rate a rounding error outside [0, 1].
                for node in &mut tree.nodes {
                    node.value = node.value.clamp(0.0, 1.0);
                }
                tree
            })
            .collect();
        Ok(Forest {
            trees,
            n_features,
            params,
        })
    }

    /// P(churn) for one row (uncalibrated).
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        (self.trees.iter().map(|t| t.predict(row)).sum::<f64>() / self.trees.len() as f64)
            .clamp(0.0, 1.0)
    }

    /// P(churn) for every row of a row-major matrix.
    pub fn predict_batch(&self, x: &[f64], out: &mut [f64]) {
        const BLOCK: usize = 512;
        let p = self.n_features;
        let scale = 1.0 / self.trees.len() as f64;
        let packed: Vec<_> = self.trees.iter().map(|t| t.packed()).collect();
        for (xb, ob) in x.chunks(BLOCK * p).zip(out.chunks_mut(BLOCK)) {
            ob.fill(0.0);
            for t in &packed {
                t.add_predictions(xb, p, scale, ob);
            }
            // A mean of rates in [0, 1] can round a hair past 1.
            for v in ob.iter_mut() {
                *v = v.clamp(0.0, 1.0);
            }
        }
    }

    /// TreeSHAP contributions of each feature to the probability; with
    /// [`Forest::expected_value`] they add up to [`Forest::predict`].
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.n_features];
        let scale = 1.0 / self.trees.len() as f64;
        for t in &self.trees {
            super::shap::tree_shap(t, row, &mut phi, scale);
        }
        phi
    }

    /// The SHAP base value: mean over trees of the cover-weighted mean leaf.
    pub fn expected_value(&self) -> f64 {
        self.trees
            .iter()
            .map(super::shap::expected_value)
            .sum::<f64>()
            / self.trees.len() as f64
    }

    /// Checks a model loaded from an artefact.
    pub fn validate(&self, n_features: usize) -> Result<(), ModelError> {
        if self.n_features != n_features || self.trees.is_empty() {
            return Err(ModelError::InvalidParam {
                name: "forest",
                reason: format!(
                    "model has {} features and {} trees, pipeline gives {n_features} features",
                    self.n_features,
                    self.trees.len()
                ),
            });
        }
        for (i, t) in self.trees.iter().enumerate() {
            t.validate(n_features)
                .map_err(|reason| ModelError::InvalidParam {
                    name: "forest",
                    reason: format!("tree {i}: {reason}"),
                })?;
            if t.nodes
                .iter()
                .any(|n| n.is_leaf() && !(0.0..=1.0).contains(&n.value))
            {
                return Err(ModelError::InvalidParam {
                    name: "forest",
                    reason: format!("tree {i} has a leaf probability outside [0, 1]"),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::estimators::dataset;
    use crate::classifier::logistic::sigmoid;
    use linfa::prelude::*;

    fn fit(x: &[f64], y: &[bool], n_trees: usize, seed: u64) -> Forest {
        Forest::params()
            .n_trees(n_trees)
            .seed(seed)
            .fit(&dataset(x, 3, y))
            .unwrap()
    }

    fn data(n: usize, seed: u64) -> (Vec<f64>, Vec<bool>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let a: f64 = rng.random::<f64>() * 2.0 - 1.0;
            let b: f64 = rng.random::<f64>() * 2.0 - 1.0;
            let c: f64 = rng.random();
            x.extend([a, b, c]);
            let z = if (a > 0.0) ^ (b > 0.0) { 2.0 } else { -2.0 };
            y.push(rng.random::<f64>() < sigmoid(z));
        }
        (x, y)
    }

    #[test]
    fn learns_an_interaction_with_probabilities_and_additive_contributions() {
        let (x, y) = data(2000, 1);
        let (xt, yt) = data(500, 2);
        let f = fit(&x, &y, 50, 9);
        let mut p = vec![0.0; yt.len()];
        f.predict_batch(&xt, &mut p);
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        // Accuracy near the Bayes rate σ(2) ≈ 0.88.
        let correct = p
            .iter()
            .zip(&yt)
            .filter(|(p, y)| (**p > 0.5) == **y)
            .count();
        assert!(correct as f64 / yt.len() as f64 > 0.8, "{correct}");
        let base = f.expected_value();
        for (i, row) in xt.chunks(3).enumerate().take(20) {
            assert!((p[i] - f.predict_row(row)).abs() < 1e-12);
            let total = base + f.contributions(row).iter().sum::<f64>();
            assert!((total - p[i]).abs() < 1e-9);
        }
        assert!(f.validate(3).is_ok());
    }

    #[test]
    fn the_same_seed_gives_the_same_forest() {
        let (x, y) = data(300, 3);
        let a = fit(&x, &y, 10, 4);
        let b = fit(&x, &y, 10, 4);
        let c = fit(&x, &y, 10, 5);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
