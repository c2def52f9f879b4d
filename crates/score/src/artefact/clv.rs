//! The CLV (buy-till-you-die) artefact: parameters, standard errors, fit diagnostics, time
//! unit, evaluation, data fingerprint and read format, reference base, and the command that
//! trained it.

use crate::ScoreError;
use crate::holdout::HoldoutMetrics;
use retain_core::time::{DiscountRate, Duration, TimeUnit, Zone};
use retain_models::btyd::PurchaseModel;
use retain_models::clv::ClvSpec;
use retain_models::fit::Convergence;
use retain_models::spend::gammagamma::GammaGamma;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A fitted parameter with its standard error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Name as in the literature.
    pub name: String,
    /// Maximum-likelihood estimate.
    pub value: f64,
    /// Standard error from the Hessian (`null` when not identified).
    pub std_error: Option<f64>,
}

/// Fit diagnostics of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitInfo {
    /// Parameters with standard errors.
    pub params: Vec<Param>,
    /// Total log-likelihood on the model's time scale.
    pub log_likelihood: f64,
    /// Customers the model was fitted on.
    pub customers: usize,
    /// Distinct (x, t_x, T) patterns after compression (customers for Gamma-Gamma).
    pub patterns: usize,
    /// Optimiser summary.
    pub convergence: Convergence,
    /// Wall time of the fit in milliseconds.
    pub fit_ms: f64,
}

/// A purchase model candidate tried during training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The fitted model.
    pub model: PurchaseModel,
    /// Its fit diagnostics.
    pub fit: FitInfo,
    /// Its holdout metrics, when there is a holdout.
    pub holdout: Option<HoldoutMetrics>,
}

/// How the training data was read, so scoring can read new data the same way by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFormat {
    /// Customer id column (name or 1-based position).
    pub customer_col: String,
    /// Date column (name or 1-based position).
    pub date_col: String,
    /// Amount column (name or 1-based position).
    pub amount_col: String,
    /// strftime format of dates (`None` = ISO).
    pub date_format: Option<String>,
    /// Field delimiter (`,`, `;`, `tab`, `whitespace`...).
    pub delimiter: String,
    /// Whether the first line is a header.
    pub header: bool,
    /// The zone in which instants (datetimes with an offset, time-zone-aware timestamps, and
    /// the server's protobuf timestamps) get their calendar day: `+01:00`, `Europe/Paris`...
    /// `None` is UTC, and is left out of the JSON so artefacts from before this field keep
    /// their content version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl DataFormat {
    /// The zone of [`DataFormat::timezone`] (UTC when unset); an unknown name is an error
    /// naming the field.
    pub fn zone(&self) -> Result<Zone, ScoreError> {
        match &self.timezone {
            None => Ok(Zone::Utc),
            Some(name) => name
                .parse::<Zone>()
                .map_err(|e| ScoreError::setting("data.format.timezone", e.to_string())),
        }
    }
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// File name of the training data (no directories).
    pub file: String,
    /// `sha256:` of the training file's bytes.
    pub fingerprint: String,
    /// Transactions read.
    pub transactions: usize,
    /// Rows skipped as bad (with `--on-bad-row skip`).
    pub skipped_rows: usize,
    /// Customers in the calibration summary.
    pub customers: usize,
    /// Calibration end (ISO date, inclusive).
    pub calibration_end: String,
    /// Observation end (ISO date, inclusive).
    pub observation_end: String,
    /// How the file was read.
    pub format: DataFormat,
}

/// Default CLV settings used by `retain score` unless overridden.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvDefaults {
    /// Step of the discounted cash-flow sum.
    pub step: Duration,
    /// Discount rate with its period.
    pub discount: DiscountRate,
}

/// A trained buy-till-you-die CLV model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvArtefact {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Model name (the file stem).
    pub name: String,
    /// Content version ([`super::version_of`]): recomputed on load, so it is the same string
    /// everywhere and changes with any edit that affects scores.
    pub version: String,
    /// retain version that trained it.
    pub retain_version: String,
    /// RFC 3339 time of training.
    pub trained_at: String,
    /// The command line that trained it.
    pub training_command: String,
    /// Time unit of every time-valued parameter and summary.
    pub time_unit: TimeUnit,
    /// The chosen purchase model.
    pub purchase: PurchaseModel,
    /// Its fit diagnostics.
    pub purchase_fit: FitInfo,
    /// The Gamma-Gamma spend model, when spend could be modelled.
    pub spend: Option<GammaGamma>,
    /// Its fit diagnostics.
    pub spend_fit: Option<FitInfo>,
    /// Holdout metrics of the chosen model.
    pub holdout: Option<HoldoutMetrics>,
    /// Every candidate tried, with why the chosen one won.
    pub candidates: Vec<Candidate>,
    /// How the choice was made.
    pub selection: String,
    /// What it was trained on.
    pub data: DataInfo,
    /// CLV defaults for scoring.
    pub clv: ClvDefaults,
    /// A sample of the training base that customers are ranked and segmented against.
    /// Absent in artefacts from before segments: scoring then ranks against the scored base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<crate::segments::ReferenceBase>,
}

impl ClvArtefact {
    /// The CLV settings for a scoring horizon: the given step and discount, or the artefact's
    /// defaults. The default step is the trained one when it divides the horizon, otherwise one
    /// unit of the horizon's own unit.
    pub fn clv_spec(
        &self,
        horizon: Duration,
        step: Option<Duration>,
        discount: Option<DiscountRate>,
    ) -> ClvSpec {
        let step = step.unwrap_or_else(|| {
            let n = horizon.in_unit(self.clv.step.unit) / self.clv.step.value;
            if (n - n.round()).abs() < 1e-9 && n >= 1.0 {
                self.clv.step
            } else {
                Duration::new(1.0, horizon.unit)
            }
        });
        ClvSpec {
            horizon,
            step,
            discount: discount.unwrap_or(self.clv.discount),
        }
    }

    /// The zone in which this model's instants get their calendar day (UTC unless trained with
    /// `--timezone`): the CLI's default `--timezone` when scoring, and the server's zone for
    /// request timestamps (see [`crate::online::LoadedModel::day_of`]).
    pub fn zone(&self) -> Result<Zone, ScoreError> {
        self.data.format.zone()
    }

    /// Writes the artefact atomically as pretty JSON, its `version` set from its content.
    pub fn save(&mut self, path: &Path) -> Result<(), ScoreError> {
        self.version = super::version_of(self)?;
        super::save_json(self, path)
    }

    /// Loads and checks an artefact.
    pub fn load(path: &Path) -> Result<Self, ScoreError> {
        super::read_text(path).and_then(|t| Self::from_json(&t).map_err(super::refused(path)))
    }

    /// Parses and checks an artefact's JSON text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let head = super::envelope(text)?;
        if let Some(kind) = head.get("kind").and_then(|k| k.as_str()) {
            return Err(format!("a {kind} model, not a CLV model"));
        }
        let a: ClvArtefact =
            serde_json::from_value(head).map_err(|e| format!("corrupt artefact ({e})"))?;
        a.purchase.validate().map_err(|e| e.to_string())?;
        if let Some(s) = &a.spend {
            s.validate().map_err(|e| e.to_string())?;
        }
        if let Some(r) = &a.reference {
            r.validate()?;
        }
        a.zone().map_err(|e| e.to_string())?;
        let mut a = a;
        a.version = super::checked_version(&a, &a.version, &a.name)?;
        Ok(a)
    }
}
