//! Versioned model artefacts: one JSON file holding everything needed to score and to audit a
//! model (parameters, standard errors, fit diagnostics, time unit, evaluation, data fingerprint,
//! the command that trained it). Written atomically; refused on load when corrupt, of another
//! format version, or with impossible parameters.

use crate::TrainError;
use crate::holdout::HoldoutMetrics;
use retain_core::time::{DiscountRate, Duration, TimeUnit};
use retain_models::clv::ClvSpec;
use retain_models::fit::Convergence;
use retain_models::gammagamma::GammaGamma;
use retain_models::model::PurchaseModel;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Identifies retain model files.
pub const FORMAT: &str = "retain-model";
/// Format version written by this build; loading checks it.
pub const FORMAT_VERSION: u32 = 1;

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
    /// Content version: hash of the parameters and the data fingerprint.
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

    /// A content version for `purchase`, `spend` and the data fingerprint: the first 12 hex
    /// digits of their SHA-256, so retraining on the same data gives the same version.
    pub fn content_version(
        purchase: &PurchaseModel,
        spend: &Option<GammaGamma>,
        fingerprint: &str,
    ) -> String {
        let text = serde_json::to_string(&(purchase, spend, fingerprint)).unwrap_or_default();
        let digest = Sha256::digest(text.as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }

    /// Writes the artefact as pretty JSON, atomically (temporary file + rename), so an existing
    /// model is never left half-overwritten.
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let err = |reason: String| TrainError::Write {
            path: path.display().to_string(),
            reason,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = tmp_path(path);
        std::fs::write(&tmp, text + "\n").map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e.to_string())
        })
    }

    /// Loads and checks an artefact.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let err = |reason: String| TrainError::Artefact {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::from_json(&text).map_err(err)
    }

    /// Parses and checks an artefact's JSON text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let head = envelope(text)?;
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
        Ok(a)
    }
}

/// Parses an artefact's JSON and checks its envelope: the `format` marker and a supported
/// `format_version`. Every kind of artefact goes through here.
pub fn envelope(text: &str) -> Result<serde_json::Value, String> {
    let head: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!("not a {FORMAT} file"));
    }
    let version = head.get("format_version").and_then(|v| v.as_u64());
    if version != Some(FORMAT_VERSION as u64) {
        return Err(format!(
            "format version {} is not supported by this build (expects {FORMAT_VERSION})",
            version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "missing".into())
        ));
    }
    Ok(head)
}

/// The kind of model in an artefact file: `clv` (BTYD) or `churn` (classifier).
pub fn artefact_kind(path: &Path) -> Result<String, TrainError> {
    let err = |reason: String| TrainError::Artefact {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| err(format!("not valid JSON ({e})")))?;
    Ok(v.get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("clv")
        .to_string())
}

/// Writes `text` to `path` through a temporary file and a rename, so an existing file is never
/// left half-overwritten.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), TrainError> {
    let err = |reason: String| TrainError::Write {
        path: path.display().to_string(),
        reason,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let tmp = tmp_path(path);
    std::fs::write(&tmp, format!("{text}\n")).map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e.to_string())
    })
}

/// `models/x.json` → `models/.x.json.tmp`.
fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// `sha256:` fingerprint of a file's bytes, streamed.
pub fn fingerprint(path: &Path) -> Result<String, TrainError> {
    use std::io::Read;
    let err =
        |e: std::io::Error| TrainError::Invalid(format!("fingerprinting {}: {e}", path.display()));
    let mut f = std::fs::File::open(path).map_err(err)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!(
        "sha256:{}",
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}
