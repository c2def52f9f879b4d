//! Per-segment success rates (and optionally costs) of a campaign, from a TOML file:
//!
//! ```toml
//! default = 0.2          # rate for segments not listed (else --success-rate)
//! [segments]
//! "Champions" = 0.35
//! "At Risk" = { rate = 0.25, cost = 4.0 }
//! ```
//!
//! A rate is a number in (0, 1] or a table `{ rate, cost }` (cost > 0; without one, the
//! default's cost or `--cost-per-contact`). `default` takes the same two forms. Any other key
//! is refused, so a typo (`[segment]`, `costs =`) cannot silently fall back to the defaults.

use super::{check_cost, check_rate};
use crate::ScoreError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::Value;

/// The success rate and (optional) cost of contacting one segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentRate {
    /// Probability that a contact keeps the customer, in (0, 1].
    pub rate: f64,
    /// Cost of one contact, > 0; `None` uses the default cost.
    pub cost: Option<f64>,
}

/// A rates file, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignRates {
    /// For segments not listed.
    pub default: Option<SegmentRate>,
    /// By segment name (as in the score file's `rfm_segment` column).
    pub segments: BTreeMap<String, SegmentRate>,
}

fn invalid(msg: String) -> ScoreError {
    ScoreError::setting("campaign rates", msg)
}

fn number(key: &str, v: &Value) -> Result<f64, ScoreError> {
    match v {
        Value::Float(x) => Ok(*x),
        Value::Integer(x) => Ok(*x as f64),
        other => Err(invalid(format!(
            "{key}: expected a number, got {}",
            other.type_str()
        ))),
    }
}

/// A rate: a number, or `{ rate = .., cost = .. }`.
fn segment_rate(key: &str, v: &Value) -> Result<SegmentRate, ScoreError> {
    let (rate, cost) = match v {
        Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| !matches!(k.as_str(), "rate" | "cost")) {
                return Err(invalid(format!(
                    "{key}: unknown key {k:?} (expected rate, cost)"
                )));
            }
            let rate = t
                .get("rate")
                .ok_or_else(|| invalid(format!("{key}: missing rate")))?;
            let cost = match t.get("cost") {
                Some(c) => Some(number(&format!("{key}.cost"), c)?),
                None => None,
            };
            (number(&format!("{key}.rate"), rate)?, cost)
        }
        v => (number(key, v)?, None),
    };
    check_rate(&format!("{key}: the success rate"), rate)?;
    if let Some(c) = cost {
        check_cost(&format!("{key}: the cost"), c)?;
    }
    Ok(SegmentRate { rate, cost })
}

impl CampaignRates {
    /// Parses and checks the text of a rates file.
    pub fn parse(text: &str) -> Result<Self, ScoreError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| invalid(format!("not valid TOML: {e}")))?;
        let mut out = CampaignRates::default();
        for (key, value) in &table {
            match key.as_str() {
                "default" => out.default = Some(segment_rate("default", value)?),
                "segments" => {
                    let Value::Table(segments) = value else {
                        return Err(invalid(format!(
                            "segments: expected a table ([segments]), got {}",
                            value.type_str()
                        )));
                    };
                    for (name, v) in segments {
                        let rate = segment_rate(&format!("segments.{name:?}"), v)?;
                        out.segments.insert(name.clone(), rate);
                    }
                }
                other => {
                    return Err(invalid(format!(
                        "unknown key {other:?} (expected default, segments)"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Reads and checks a rates file; errors name the file.
    pub fn load(path: &Path) -> Result<Self, ScoreError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(format!("reading {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))
    }

    /// Named segments that are not among `present` (worth a warning: a typo or another
    /// rule set).
    pub fn unknown_segments<'a>(&'a self, present: &BTreeSet<&str>) -> Vec<&'a str> {
        self.segments
            .keys()
            .map(String::as_str)
            .filter(|s| !present.contains(s))
            .collect()
    }

    /// (success rate, cost) of a customer of `segment` (`None` when the scores have no
    /// segment column). Unlisted segments use `default`, else `fallback_rate`; costs fall back
    /// to the default's cost, else `fallback_cost`.
    pub fn resolve(
        &self,
        segment: Option<&str>,
        fallback_rate: Option<f64>,
        fallback_cost: f64,
    ) -> Result<(f64, f64), ScoreError> {
        let listed = segment.and_then(|s| self.segments.get(s));
        let default_cost = self.default.and_then(|d| d.cost).unwrap_or(fallback_cost);
        let rate = match (listed, self.default, fallback_rate) {
            (Some(r), _, _) => r.rate,
            (None, Some(d), _) => d.rate,
            (None, None, Some(r)) => r,
            (None, None, None) => {
                return Err(invalid(format!(
                    "segment {:?} has no rate in the rates file, which has no `default`, and \
                     no --success-rate was given",
                    segment.unwrap_or("")
                )));
            }
        };
        Ok((rate, listed.and_then(|r| r.cost).unwrap_or(default_cost)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
default = 0.2          # rate for segments not listed (else --success-rate)
[segments]
"Champions" = 0.35
"At Risk" = { rate = 0.25, cost = 4.0 }
"Lost" = 1
"#;

    #[test]
    fn the_example_parses_and_resolves_per_segment() {
        let r = CampaignRates::parse(EXAMPLE).unwrap();
        assert_eq!(
            r.default,
            Some(SegmentRate {
                rate: 0.2,
                cost: None
            })
        );
        assert_eq!(
            r.resolve(Some("Champions"), None, 5.0).unwrap(),
            (0.35, 5.0)
        );
        assert_eq!(r.resolve(Some("At Risk"), None, 5.0).unwrap(), (0.25, 4.0));
        assert_eq!(r.resolve(Some("Lost"), None, 5.0).unwrap(), (1.0, 5.0));
        assert_eq!(
            r.resolve(Some("Loyal"), Some(0.9), 5.0).unwrap(),
            (0.2, 5.0)
        );
        assert_eq!(r.resolve(None, None, 5.0).unwrap(), (0.2, 5.0));
        let present: BTreeSet<&str> = ["Champions", "At Risk"].into();
        assert_eq!(r.unknown_segments(&present), ["Lost"]);
    }

    #[test]
    fn defaults_fall_back_to_the_flags_and_a_default_cost_applies_to_all() {
        let r = CampaignRates::parse("[segments]\nChampions = 0.5\n").unwrap();
        assert_eq!(
            r.resolve(Some("Loyal"), Some(0.1), 3.0).unwrap(),
            (0.1, 3.0)
        );
        let e = r.resolve(Some("Loyal"), None, 3.0).unwrap_err().to_string();
        assert!(
            e.contains("\"Loyal\"") && e.contains("--success-rate"),
            "{e}"
        );
        let r = CampaignRates::parse("default = { rate = 0.1, cost = 2 }\n[segments]\nA = 0.5")
            .unwrap();
        assert_eq!(r.resolve(Some("A"), None, 3.0).unwrap(), (0.5, 2.0));
        assert_eq!(r.resolve(Some("B"), None, 3.0).unwrap(), (0.1, 2.0));
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        for (text, needle) in [
            (
                "default = 1.5",
                "default: the success rate must be in (0, 1], got 1.5",
            ),
            ("default = 0", "(0, 1]"),
            ("[segments]\nA = -0.1", "segments.\"A\": the success rate"),
            (
                "[segments]\nA = { rate = 0.2, cost = 0 }",
                "segments.\"A\": the cost",
            ),
            (
                "[segments]\nA = { rate = 0.2, costs = 3 }",
                "unknown key \"costs\"",
            ),
            ("[segments]\nA = { cost = 3 }", "missing rate"),
            ("[segments]\nA = \"high\"", "expected a number, got string"),
            ("[segment]\nA = 0.2", "unknown key \"segment\""),
            ("segments = 0.2", "expected a table"),
            ("default = ", "not valid TOML"),
        ] {
            let e = CampaignRates::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }
}
