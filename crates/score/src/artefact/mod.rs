//! Versioned model artefacts: one JSON file holding everything needed to score and to audit a
//! model. Every kind shares one envelope (`format`, `format_version`, optional `kind`), one
//! content version and one loader, [`Artefact::load`], which the CLI, the batch runner and the
//! server all call, so a file gets the same version string everywhere.
//!
//! # Layout
//! - [`clv`]: the buy-till-you-die artefact ([`ClvArtefact`]).
//! - [`churn`]: the churn classifier artefact ([`ChurnArtefact`]).
//! - [`subscription`]: the contractual retention (sBG) artefact ([`SubscriptionArtefact`]).
//!
//! # The version
//! A model's version is the first 12 hex digits of the SHA-256 of its content in canonical form
//! (the parsed artefact re-serialised with sorted keys), leaving out only what cannot change a
//! score: the stored `version` itself, `name`, `trained_at`, `training_command` and
//! `retain_version`. It is recomputed on every load, so an artefact edited by hand gets a new
//! version (and a partitioned re-run rescores its partitions), while re-indenting the file or
//! retraining on the same data with the same settings keeps it.

pub mod churn;
pub mod clv;
pub mod subscription;

pub use churn::{ChurnArtefact, ChurnData, KIND as CHURN_KIND};
pub use clv::{Candidate, ClvArtefact, ClvDefaults, DataFormat, DataInfo, FitInfo, Param};
pub use subscription::{KIND as SUBSCRIPTION_KIND, SubscriptionArtefact};

use crate::ScoreError;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Identifies retain model files.
pub const FORMAT: &str = "retain-model";
/// Format version written by this build; loading checks it.
pub const FORMAT_VERSION: u32 = 1;

/// Keys that describe where and when an artefact was made, not what it scores.
const NOT_SCORED: [&str; 5] = [
    "version",
    "name",
    "trained_at",
    "training_command",
    "retain_version",
];

/// The content version of an artefact (see the module docs).
pub fn version_of<T: Serialize>(artefact: &T) -> Result<String, ScoreError> {
    let mut value = serde_json::to_value(artefact)
        .map_err(|e| ScoreError::Internal(format!("serialising the artefact: {e}")))?;
    if let Value::Object(map) = &mut value {
        for key in NOT_SCORED {
            map.remove(key);
        }
    }
    let mut text = String::new();
    canonical(&value, &mut text);
    Ok(retain_io::fingerprint::short_of_bytes(text.as_bytes()))
}

/// JSON with object keys sorted at every level, whatever map type serde_json was built with.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The version of a parsed artefact; a stored version that differs (the file was edited after
/// it was saved) is replaced, with a warning naming the model (no customer data).
fn checked_version<T: Serialize>(a: &T, stored: &str, name: &str) -> Result<String, String> {
    let version = version_of(a).map_err(|e| e.to_string())?;
    if !stored.is_empty() && stored != version {
        tracing::warn!(
            model = name,
            stored,
            version = %version,
            "the artefact changed since it was saved; its version is recomputed from its content"
        );
    }
    Ok(version)
}

/// Parses an artefact's JSON and checks its envelope: the `format` marker and a supported
/// `format_version`. Every kind of artefact goes through here.
pub fn envelope(text: &str) -> Result<Value, String> {
    let head: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!("not a {FORMAT} file"));
    }
    match head.get("format_version") {
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => Ok(head),
        None => Err(format!(
            "format version is missing (this build reads {FORMAT_VERSION})"
        )),
        Some(other) => Err(format!(
            "format version {other} is not supported by this build (expects {FORMAT_VERSION})"
        )),
    }
}

/// Reads an artefact file as text.
fn read_text(path: &Path) -> Result<String, ScoreError> {
    let bytes = std::fs::read(path).map_err(|e| refused(path)(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| refused(path)("not UTF-8 text".into()))
}

/// The error of an artefact refused for `reason`.
fn refused(path: &Path) -> impl Fn(String) -> ScoreError + '_ {
    move |reason| ScoreError::Artefact {
        path: path.display().to_string(),
        reason,
    }
}

/// Writes an artefact atomically as pretty JSON with a final newline.
fn save_json<T: Serialize>(a: &T, path: &Path) -> Result<(), ScoreError> {
    let mut text =
        serde_json::to_string_pretty(a).map_err(|e| retain_io::IoError::write(path, e))?;
    text.push('\n');
    retain_io::atomic::write_atomically(path, text.as_bytes())?;
    Ok(())
}

/// A parsed, checked artefact of either kind.
#[derive(Debug, Clone)]
pub enum Artefact {
    /// Buy-till-you-die CLV model.
    Clv(Box<ClvArtefact>),
    /// Churn classifier.
    Churn(Box<ChurnArtefact>),
    /// Contractual retention model (sBG).
    Subscription(Box<SubscriptionArtefact>),
}

impl Artefact {
    /// Parses and checks an artefact's text, whichever its kind.
    pub fn from_json(text: &str) -> Result<Artefact, String> {
        let head = envelope(text)?;
        match head.get("kind").and_then(|k| k.as_str()) {
            Some(CHURN_KIND) => Ok(Artefact::Churn(Box::new(ChurnArtefact::from_json(text)?))),
            Some(SUBSCRIPTION_KIND) => Ok(Artefact::Subscription(Box::new(
                SubscriptionArtefact::from_json(text)?,
            ))),
            None | Some("clv") => Ok(Artefact::Clv(Box::new(ClvArtefact::from_json(text)?))),
            Some(other) => Err(format!(
                "unknown model kind {other:?} (clv, churn, subscription)"
            )),
        }
    }

    /// Reads, parses and checks an artefact file.
    pub fn load(path: &Path) -> Result<Artefact, ScoreError> {
        read_text(path).and_then(|t| Artefact::from_json(&t).map_err(refused(path)))
    }

    /// `clv`, `churn` or `subscription`.
    pub fn kind(&self) -> &'static str {
        match self {
            Artefact::Clv(_) => "clv",
            Artefact::Churn(_) => CHURN_KIND,
            Artefact::Subscription(_) => SUBSCRIPTION_KIND,
        }
    }

    /// The content version.
    pub fn version(&self) -> &str {
        match self {
            Artefact::Clv(a) => &a.version,
            Artefact::Churn(a) => &a.version,
            Artefact::Subscription(a) => &a.version,
        }
    }

    /// The model name stored in the artefact.
    pub fn name(&self) -> &str {
        match self {
            Artefact::Clv(a) => &a.name,
            Artefact::Churn(a) => &a.name,
            Artefact::Subscription(a) => &a.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");

    #[test]
    fn the_version_ignores_layout_and_metadata_but_not_parameters() {
        let text = std::fs::read_to_string(SHIPPED).unwrap();
        let a = ClvArtefact::from_json(&text).unwrap();
        // The shipped file's stored version is its content version.
        let stored: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(stored["version"].as_str().unwrap(), a.version);
        // Compact layout, another name and training command: same version.
        let mut v = stored.clone();
        v["name"] = Value::from("renamed");
        v["training_command"] = Value::from("retain train clv --elsewhere");
        let b = ClvArtefact::from_json(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(b.version, a.version);
        // A parameter edited by hand: a new version, although the stored one is unchanged.
        let mut v = stored.clone();
        let r = v["purchase"]["params"]["r"].as_f64().unwrap();
        v["purchase"]["params"]["r"] = Value::from(r * 1.01);
        let c = ClvArtefact::from_json(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_ne!(c.version, a.version);
        // So does a changed CLV default.
        let mut v = stored;
        v["clv"]["discount"]["rate"] = Value::from(0.2);
        let d = ClvArtefact::from_json(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_ne!(d.version, a.version);
        // The enum loader agrees.
        let e = Artefact::from_json(&text).unwrap();
        assert_eq!((e.kind(), e.version()), ("clv", a.version.as_str()));
    }

    #[test]
    fn envelopes_name_what_is_wrong() {
        assert!(envelope("{").unwrap_err().contains("not valid JSON"));
        assert!(
            envelope(r#"{"format":"x"}"#)
                .unwrap_err()
                .contains("not a retain-model")
        );
        let missing = envelope(r#"{"format":"retain-model"}"#).unwrap_err();
        assert!(missing.contains("missing"), "{missing}");
        let text = envelope(r#"{"format":"retain-model","format_version":"1"}"#).unwrap_err();
        assert!(text.contains("\"1\" is not supported"), "{text}");
        let other = envelope(r#"{"format":"retain-model","format_version":2}"#).unwrap_err();
        assert!(other.contains("2 is not supported"), "{other}");
    }

    #[test]
    fn a_saved_artefact_loads_with_the_version_it_was_saved_with() {
        let text = std::fs::read_to_string(SHIPPED).unwrap();
        let mut a = ClvArtefact::from_json(&text).unwrap();
        a.version = "stale".into();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        a.save(&path).unwrap();
        let back = Artefact::load(&path).unwrap();
        assert_eq!(back.version(), a.version);
        assert_ne!(a.version, "stale");
    }
}
