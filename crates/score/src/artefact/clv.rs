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
    /// defaults. The default step is the trained one when it divides the horizon; when the
    /// horizon is within 5% of a whole number n of trained steps, n equal steps of horizon / n
    /// (52 weeks with a monthly step: 12 steps of 52/12 weeks, exactly the horizon, as fast as
    /// 12 months); otherwise one unit of the horizon's own unit.
    pub fn clv_spec(
        &self,
        horizon: Duration,
        step: Option<Duration>,
        discount: Option<DiscountRate>,
    ) -> ClvSpec {
        let step = step.unwrap_or_else(|| {
            let n = horizon.in_unit(self.clv.step.unit) / self.clv.step.value;
            let whole = n.round();
            if (n - whole).abs() < 1e-9 && n >= 1.0 {
                self.clv.step
            } else if whole >= 1.0 && (n - whole).abs() <= 0.05 * whole {
                Duration::new(horizon.value / whole, horizon.unit)
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

#[cfg(test)]
mod tests {
    use crate::artefact::Artefact;
    use crate::score::score;
    use retain_core::summary::Summaries;
    use retain_core::time::{Duration, TimeUnit};

    fn cdnow() -> super::ClvArtefact {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");
        match Artefact::load(std::path::Path::new(path)).unwrap() {
            Artefact::Clv(a) => *a,
            _ => panic!("cdnow.json is a CLV model"),
        }
    }

    fn clv(a: &super::ClvArtefact, horizon: Duration, step: Option<Duration>) -> f64 {
        let s = Summaries {
            ids: vec!["a".into()],
            x: vec![3],
            t_x: vec![30.0],
            t: vec![40.0],
            monetary: vec![40.0],
            ..Summaries::default()
        };
        let spec = a.clv_spec(horizon, step, None);
        score(a, s, horizon, &spec).unwrap().clv.unwrap()[0]
    }

    #[test]
    fn a_52_week_horizon_takes_12_equal_steps_not_52_weekly_ones() {
        let a = cdnow();
        assert_eq!(a.clv.step, Duration::new(1.0, TimeUnit::Month));
        let weeks = a.clv_spec(Duration::new(52.0, TimeUnit::Week), None, None);
        assert_eq!(weeks.step, Duration::new(52.0 / 12.0, TimeUnit::Week));
        assert_eq!(weeks.steps().unwrap().0, 12);
        let months = a.clv_spec(Duration::new(12.0, TimeUnit::Month), None, None);
        assert_eq!(months.step, Duration::new(1.0, TimeUnit::Month));
        assert_eq!(months.steps().unwrap().0, 12);
        // A horizon far from whole months keeps its own unit's steps.
        let odd = a.clv_spec(Duration::new(10.0, TimeUnit::Week), None, None);
        assert_eq!(odd.step, Duration::new(1.0, TimeUnit::Week));
        // 52 weeks in 12 steps is the 12-month value over a horizon 1.24 days shorter: below
        // it by less than that share of a year, and within 0.5% of the 52 weekly steps
        // (cash flows discounted at the end of each step: coarser steps discount more).
        let (w12, m12) = (
            clv(&a, Duration::new(52.0, TimeUnit::Week), None),
            clv(&a, Duration::new(12.0, TimeUnit::Month), None),
        );
        let w52 = clv(
            &a,
            Duration::new(52.0, TimeUnit::Week),
            Some(Duration::new(1.0, TimeUnit::Week)),
        );
        assert!(
            w12 < m12 && m12 - w12 < m12 * 1.25 / 365.0 * 1.5,
            "{w12} {m12}"
        );
        assert!((w12 - w52).abs() < 0.005 * w52, "{w12} {w52}");
    }
}
