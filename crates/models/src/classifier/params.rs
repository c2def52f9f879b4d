//! Hyperparameters of the churn classifiers, in linfa's shape: `XParams` (unchecked, a
//! consuming builder) → [`ParamGuard::check`] → `XValidParams` (checked, what `fit` runs on)
//! → the fitted model `X`. Defaults are the ones `retain train churn` uses.
//!
//! The random streams are seeded by a `u64` (`.seed(…)`), not by a caller's RNG as in
//! linfa-clustering's `with_rng`: the trees draw from rand 0.10 streams (linfa's RNGs are
//! rand 0.8), and the forest derives one stream per tree from the seed so that its result does
//! not depend on the thread count. The same seed gives the same model, bit for bit.

use super::error::ParamError;
use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

/// Checks shared by both tree models.
fn check_bins(max_bins: usize) -> Result<(), ParamError> {
    if (2..=256).contains(&max_bins) {
        Ok(())
    } else {
        Err(ParamError::MaxBins(max_bins))
    }
}

fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

/// Checked settings of the L2 logistic regression ([`super::logistic::Logistic`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticValidParams {
    pub(crate) alpha: f64,
    pub(crate) max_iterations: u64,
}

/// Unchecked settings of the L2 logistic regression; [`super::logistic::Logistic::params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticParams(pub(crate) LogisticValidParams);

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams(LogisticValidParams {
            alpha: 1.0,
            max_iterations: 500,
        })
    }
}

impl LogisticParams {
    /// L2 strength on the summed log-loss (linfa-logistic's `alpha`, scikit-learn's 1/C);
    /// default 1.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// At most this many damped Newton steps (it converges in about eight); default 500.
    pub fn max_iterations(mut self, max_iterations: u64) -> Self {
        self.0.max_iterations = max_iterations;
        self
    }
}

impl LogisticValidParams {
    /// L2 strength.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Newton step limit.
    pub fn max_iterations(&self) -> u64 {
        self.max_iterations
    }
}

impl ParamGuard for LogisticParams {
    type Checked = LogisticValidParams;
    type Error = ParamError;

    fn check_ref(&self) -> Result<&LogisticValidParams, ParamError> {
        let p = &self.0;
        if !non_negative(p.alpha) {
            return Err(ParamError::Alpha(p.alpha));
        }
        if p.max_iterations == 0 {
            return Err(ParamError::MaxIterations(p.max_iterations));
        }
        Ok(p)
    }

    fn check(self) -> Result<LogisticValidParams, ParamError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Checked settings of the gradient-boosted trees ([`super::trees::gbdt::Gbdt`]); stored in
/// the fitted model (and its artefact).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GbdtValidParams {
    pub(crate) learning_rate: f64,
    pub(crate) max_leaves: usize,
    pub(crate) min_data_in_leaf: f64,
    pub(crate) min_hessian_in_leaf: f64,
    pub(crate) lambda_l2: f64,
    pub(crate) max_rounds: usize,
    pub(crate) early_stopping_rounds: usize,
    pub(crate) validation_fraction: f64,
    pub(crate) max_bins: usize,
    /// 0 in artefacts written before the seed was kept here (the artefact's own `seed` has it).
    #[serde(default)]
    pub(crate) seed: u64,
}

/// Unchecked settings of the gradient-boosted trees; [`super::trees::gbdt::Gbdt::params`].
/// Defaults follow LightGBM's (31 leaves, learning rate 0.1, ≥ 20 rows per leaf, 255 bins).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbdtParams(pub(crate) GbdtValidParams);

impl Default for GbdtParams {
    fn default() -> Self {
        GbdtParams(GbdtValidParams {
            learning_rate: 0.1,
            max_leaves: 31,
            min_data_in_leaf: 20.0,
            min_hessian_in_leaf: 1e-3,
            lambda_l2: 0.0,
            max_rounds: 1000,
            early_stopping_rounds: 50,
            validation_fraction: 0.1,
            max_bins: 255,
            seed: 42,
        })
    }
}

impl GbdtParams {
    /// Shrinkage applied to every tree, in (0, 1]; default 0.1.
    pub fn learning_rate(mut self, v: f64) -> Self {
        self.0.learning_rate = v;
        self
    }
    /// Leaves per tree, ≥ 2; default 31.
    pub fn max_leaves(mut self, v: usize) -> Self {
        self.0.max_leaves = v;
        self
    }
    /// Minimum rows per leaf; default 20.
    pub fn min_data_in_leaf(mut self, v: f64) -> Self {
        self.0.min_data_in_leaf = v;
        self
    }
    /// Minimum Σ p(1−p) per leaf; default 1e-3.
    pub fn min_hessian_in_leaf(mut self, v: f64) -> Self {
        self.0.min_hessian_in_leaf = v;
        self
    }
    /// L2 penalty on leaf values; default 0.
    pub fn lambda_l2(mut self, v: f64) -> Self {
        self.0.lambda_l2 = v;
        self
    }
    /// Upper bound on boosting rounds; default 1000.
    pub fn max_rounds(mut self, v: usize) -> Self {
        self.0.max_rounds = v;
        self
    }
    /// Stop after this many rounds without a better validation log-loss (0: no early stopping;
    /// then at most 100 rounds, LightGBM's default); default 50.
    pub fn early_stopping_rounds(mut self, v: usize) -> Self {
        self.0.early_stopping_rounds = v;
        self
    }
    /// Share of rows held out (stratified) to choose the number of rounds, in [0, 0.5);
    /// default 0.1.
    pub fn validation_fraction(mut self, v: f64) -> Self {
        self.0.validation_fraction = v;
        self
    }
    /// Bins per feature, 2..=256; default 255.
    pub fn max_bins(mut self, v: usize) -> Self {
        self.0.max_bins = v;
        self
    }
    /// Seed of the validation split; default 42.
    pub fn seed(mut self, v: u64) -> Self {
        self.0.seed = v;
        self
    }
}

impl GbdtValidParams {
    /// Shrinkage.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// Leaves per tree.
    pub fn max_leaves(&self) -> usize {
        self.max_leaves
    }
    /// Minimum rows per leaf.
    pub fn min_data_in_leaf(&self) -> f64 {
        self.min_data_in_leaf
    }
    /// Minimum Σ p(1−p) per leaf.
    pub fn min_hessian_in_leaf(&self) -> f64 {
        self.min_hessian_in_leaf
    }
    /// L2 penalty on leaf values.
    pub fn lambda_l2(&self) -> f64 {
        self.lambda_l2
    }
    /// Upper bound on boosting rounds.
    pub fn max_rounds(&self) -> usize {
        self.max_rounds
    }
    /// Early-stopping patience in rounds (0: none).
    pub fn early_stopping_rounds(&self) -> usize {
        self.early_stopping_rounds
    }
    /// Share of rows held out to choose the number of rounds.
    pub fn validation_fraction(&self) -> f64 {
        self.validation_fraction
    }
    /// Bins per feature.
    pub fn max_bins(&self) -> usize {
        self.max_bins
    }
    /// Seed of the validation split.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl ParamGuard for GbdtParams {
    type Checked = GbdtValidParams;
    type Error = ParamError;

    fn check_ref(&self) -> Result<&GbdtValidParams, ParamError> {
        let p = &self.0;
        if !(p.learning_rate > 0.0 && p.learning_rate <= 1.0) {
            return Err(ParamError::LearningRate(p.learning_rate));
        }
        if p.max_leaves < 2 {
            return Err(ParamError::MaxLeaves(p.max_leaves));
        }
        if !non_negative(p.min_data_in_leaf) {
            return Err(ParamError::MinDataInLeaf(p.min_data_in_leaf));
        }
        if !non_negative(p.min_hessian_in_leaf) {
            return Err(ParamError::MinHessianInLeaf(p.min_hessian_in_leaf));
        }
        if !non_negative(p.lambda_l2) {
            return Err(ParamError::LambdaL2(p.lambda_l2));
        }
        if p.max_rounds == 0 {
            return Err(ParamError::MaxRounds(p.max_rounds));
        }
        if !(0.0..0.5).contains(&p.validation_fraction) {
            return Err(ParamError::ValidationFraction(p.validation_fraction));
        }
        check_bins(p.max_bins)?;
        Ok(p)
    }

    fn check(self) -> Result<GbdtValidParams, ParamError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Checked settings of the random forest ([`super::trees::forest::Forest`]); stored in the
/// fitted model (and its artefact).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForestValidParams {
    pub(crate) n_trees: usize,
    pub(crate) min_samples_leaf: f64,
    pub(crate) max_features: Option<usize>,
    pub(crate) max_depth: Option<usize>,
    pub(crate) max_bins: usize,
    /// 0 in artefacts written before the seed was kept here (the artefact's own `seed` has it).
    #[serde(default)]
    pub(crate) seed: u64,
}

/// Unchecked settings of the random forest; [`super::trees::forest::Forest::params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestParams(pub(crate) ForestValidParams);

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams(ForestValidParams {
            n_trees: 200,
            min_samples_leaf: 5.0,
            max_features: None,
            max_depth: None,
            max_bins: 255,
            seed: 42,
        })
    }
}

impl ForestParams {
    /// Trees, ≥ 1; default 200.
    pub fn n_trees(mut self, v: usize) -> Self {
        self.0.n_trees = v;
        self
    }
    /// Minimum (bootstrap-weighted) rows per leaf, ≥ 1; default 5.
    pub fn min_samples_leaf(mut self, v: f64) -> Self {
        self.0.min_samples_leaf = v;
        self
    }
    /// Features drawn per split (None: √p rounded; more than p means p); default None.
    pub fn max_features(mut self, v: Option<usize>) -> Self {
        self.0.max_features = v;
        self
    }
    /// Depth limit (None: unlimited); default None.
    pub fn max_depth(mut self, v: Option<usize>) -> Self {
        self.0.max_depth = v;
        self
    }
    /// Bins per feature, 2..=256; default 255.
    pub fn max_bins(mut self, v: usize) -> Self {
        self.0.max_bins = v;
        self
    }
    /// Seed of the bootstrap samples and feature draws; default 42.
    pub fn seed(mut self, v: u64) -> Self {
        self.0.seed = v;
        self
    }
}

impl ForestValidParams {
    /// Trees.
    pub fn n_trees(&self) -> usize {
        self.n_trees
    }
    /// Minimum rows per leaf.
    pub fn min_samples_leaf(&self) -> f64 {
        self.min_samples_leaf
    }
    /// Features drawn per split (None: √p).
    pub fn max_features(&self) -> Option<usize> {
        self.max_features
    }
    /// Depth limit (None: unlimited).
    pub fn max_depth(&self) -> Option<usize> {
        self.max_depth
    }
    /// Bins per feature.
    pub fn max_bins(&self) -> usize {
        self.max_bins
    }
    /// Seed of the bootstrap samples and feature draws.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl ParamGuard for ForestParams {
    type Checked = ForestValidParams;
    type Error = ParamError;

    fn check_ref(&self) -> Result<&ForestValidParams, ParamError> {
        let p = &self.0;
        if p.n_trees == 0 {
            return Err(ParamError::NTrees(p.n_trees));
        }
        if !(p.min_samples_leaf.is_finite() && p.min_samples_leaf >= 1.0) {
            return Err(ParamError::MinSamplesLeaf(p.min_samples_leaf));
        }
        if p.max_features == Some(0) {
            return Err(ParamError::MaxFeatures(0));
        }
        if p.max_depth == Some(0) {
            return Err(ParamError::MaxDepth(0));
        }
        check_bins(p.max_bins)?;
        Ok(p)
    }

    fn check(self) -> Result<ForestValidParams, ParamError> {
        self.check_ref()?;
        Ok(self.0)
    }
}
