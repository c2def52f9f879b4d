//! The versioned artefact of a contractual (subscription) retention model: the sBG fitted on
//! all customers and, with a cohort column, on each cohort. Same envelope as the other kinds,
//! told apart by `kind: "subscription"`.

use super::clv::Param;
use crate::ScoreError;
use crate::churn_value::{RiskTiers, ValueSpec};
use retain_core::time::{DiscountRate, Duration};
use retain_models::fit::Convergence;
use retain_models::sbg::Sbg;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `kind` of subscription artefacts.
pub const KIND: &str = "subscription";

/// Which columns of a customer table hold what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewalColumns {
    /// Periods observed (active customers) or the period of churn (churned ones).
    pub tenure: String,
    /// Whether the customer churned (training only; ignored when scoring).
    pub churned: String,
    /// The cohort label, when the model has one fit per cohort.
    pub cohort: Option<String>,
    /// Customer id column, if any.
    pub id: Option<String>,
}

/// One maximum-likelihood sBG fit: on all customers, or on one cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SbgFit {
    /// The cohort label; `None` for the fit on all customers.
    pub cohort: Option<String>,
    /// The parameters: `{"alpha": .., "beta": ..}`.
    pub model: Sbg,
    /// The parameters with standard errors from the exact Hessian.
    pub params: Vec<Param>,
    /// Total log-likelihood.
    pub log_likelihood: f64,
    /// Customers fitted.
    pub customers: usize,
    /// Of whom churned.
    pub churned: usize,
    /// Optimiser summary.
    pub convergence: Convergence,
    /// Wall time of the fit in milliseconds.
    pub fit_ms: f64,
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewalData {
    /// File name of the training table.
    pub file: String,
    /// `sha256:` of the file's bytes.
    pub fingerprint: String,
    /// Rows.
    pub rows: usize,
    /// Churned rows.
    pub churned: usize,
}

/// A trained subscription retention model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionArtefact {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// [`super::FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Always [`KIND`].
    pub kind: String,
    /// Model name (the file stem).
    pub name: String,
    /// Content version ([`super::version_of`]): recomputed on load.
    #[serde(default)]
    pub version: String,
    /// retain version that trained it.
    pub retain_version: String,
    /// RFC 3339 time of training.
    pub trained_at: String,
    /// The command line that trained it.
    pub training_command: String,
    /// `sbg` (the only contractual model so far).
    pub model_kind: String,
    /// The fit on all customers: what customers of an unknown cohort are scored with.
    pub pooled: SbgFit,
    /// One fit per cohort (empty without a cohort column), sorted by label.
    pub cohorts: Vec<SbgFit>,
    /// The columns.
    pub columns: RenewalColumns,
    /// The length of one renewal period (tenure is counted in these).
    pub period: Duration,
    /// The training data.
    pub data: RenewalData,
    /// Risk tier cut-offs used when scoring (overridable at scoring time).
    pub tiers: RiskTiers,
    /// Discount rate of values (DERL, CLV), with its own period.
    pub discount: DiscountRate,
    /// Cap on the future valued; `None` for the whole remaining lifetime.
    pub horizon: Option<Duration>,
    /// Subscription value settings, when a margin was configured (its period, discount and
    /// horizon are the fields above).
    pub value: Option<ValueSpec>,
}

impl SubscriptionArtefact {
    /// Writes the artefact atomically as pretty JSON, its `version` set from its content.
    pub fn save(&mut self, path: &Path) -> Result<(), ScoreError> {
        self.version = super::version_of(self)?;
        super::save_json(self, path)
    }

    /// Parses and checks a subscription artefact's JSON text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v = super::envelope(text)?;
        if v.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            return Err(
                "not a subscription model (train one with `retain train subscription`)".into(),
            );
        }
        let mut a: SubscriptionArtefact =
            serde_json::from_value(v).map_err(|e| format!("corrupt artefact ({e})"))?;
        if a.model_kind != "sbg" {
            return Err(format!(
                "unknown subscription model {:?} (sbg)",
                a.model_kind
            ));
        }
        for f in std::iter::once(&a.pooled).chain(&a.cohorts) {
            f.model.validate().map_err(|e| e.to_string())?;
        }
        if a.cohorts.windows(2).any(|w| w[0].cohort >= w[1].cohort)
            || a.cohorts.iter().any(|c| c.cohort.is_none())
            || (!a.cohorts.is_empty() && a.columns.cohort.is_none())
        {
            return Err("corrupt artefact (cohort fits do not match the cohort column)".into());
        }
        if !(a.period.value > 0.0 && a.period.value.is_finite()) {
            return Err(format!("corrupt artefact (period {})", a.period));
        }
        RiskTiers::new(a.tiers.high, a.tiers.medium).map_err(|e| e.to_string())?;
        if let Some(v) = &a.value
            && (v.period != a.period || v.discount != a.discount || v.horizon != a.horizon)
        {
            return Err(
                "corrupt artefact (the margin's period, discount or horizon is not the model's)"
                    .into(),
            );
        }
        a.value_spec().subscription().map_err(|e| e.to_string())?;
        a.version = super::checked_version(&a, &a.version, &a.name)?;
        Ok(a)
    }

    /// The fit that scores a cohort: 0 is the pooled fit (no cohort, or one without a fit of
    /// its own), i + 1 the i-th cohort's; and whether the cohort was known.
    pub fn fit_index(&self, cohort: Option<&str>) -> (usize, bool) {
        match cohort {
            None => (0, true),
            Some(c) => match self
                .cohorts
                .binary_search_by(|f| f.cohort.as_deref().unwrap_or("").cmp(c))
            {
                Ok(i) => (i + 1, true),
                Err(_) => (0, false),
            },
        }
    }

    /// The model of [`Self::fit_index`]'s index (the pooled one when out of range).
    pub fn model(&self, index: usize) -> &Sbg {
        match index.checked_sub(1).and_then(|i| self.cohorts.get(i)) {
            Some(f) => &f.model,
            None => &self.pooled.model,
        }
    }
}
