//! The segment rules file (TOML): named RFM segments as ranges of quintile scores, value-tier
//! percentile cut-offs and optional risk-tier cut-offs. The built-in default is
//! `segments/default.toml`, shipped in the source so users can copy and edit it.

use crate::ScoreError;
use crate::churn_value::RiskTiers;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Number of RFM score bins (quintiles).
pub const BINS: u8 = 5;

/// The built-in rules, as text.
pub const DEFAULT_RULES: &str = include_str!("default.toml");

/// CLV-percentile cut-offs of the value tiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueTiers {
    /// At or above this CLV percentile (0–100): `high`.
    pub high: f64,
    /// At or above (and below `high`): `medium`; below: `low`.
    pub medium: f64,
}

impl Default for ValueTiers {
    fn default() -> Self {
        ValueTiers {
            high: 80.0,
            medium: 50.0,
        }
    }
}

impl ValueTiers {
    /// The tier of a CLV percentile.
    pub fn tier(&self, percentile: f64) -> &'static str {
        if percentile >= self.high {
            "high"
        } else if percentile >= self.medium {
            "medium"
        } else {
            "low"
        }
    }
}

/// One named segment: inclusive score ranges; an omitted dimension matches any score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmRule {
    /// Segment name, e.g. "Champions".
    pub name: String,
    /// Recency score range `[low, high]`.
    pub recency: Option<[u8; 2]>,
    /// Frequency score range.
    pub frequency: Option<[u8; 2]>,
    /// Monetary score range.
    pub monetary: Option<[u8; 2]>,
}

impl RfmRule {
    fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        let within =
            |range: Option<[u8; 2]>, s: u8| range.is_none_or(|[lo, hi]| lo <= s && s <= hi);
        within(self.recency, r) && within(self.frequency, f) && within(self.monetary, m)
    }
}

/// The whole rules file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRules {
    /// Value-tier cut-offs.
    #[serde(default)]
    pub value_tiers: ValueTiers,
    /// Risk-tier cut-offs, overriding the model's.
    pub risk_tiers: Option<RiskTiers>,
    /// Segments, tried in order.
    pub rfm: Vec<RfmRule>,
    /// Index of the first matching rule for each (r, f, m), filled by [`SegmentRules::parse`].
    #[serde(skip)]
    table: Vec<u16>,
}

impl SegmentRules {
    /// The built-in rules.
    pub fn builtin() -> SegmentRules {
        // The default file is part of the source and checked by a test, so this cannot fail.
        SegmentRules::parse(DEFAULT_RULES, "built-in segment rules")
            .unwrap_or_else(|e| unreachable!("built-in segment rules are invalid: {e}"))
    }

    /// Reads and checks a rules file.
    pub fn load(path: &Path) -> Result<SegmentRules, ScoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ScoreError::setting(format!("segment rules {}", path.display()), e.to_string())
        })?;
        SegmentRules::parse(&text, &path.display().to_string())
    }

    /// The rules in `path`, or the built-in ones.
    pub fn load_or_builtin(path: Option<&Path>) -> Result<SegmentRules, ScoreError> {
        path.map_or_else(|| Ok(SegmentRules::builtin()), SegmentRules::load)
    }

    /// Parses and checks rules text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<SegmentRules, ScoreError> {
        let bad = |why: String| ScoreError::setting(format!("segment rules {origin}"), why);
        let mut rules: SegmentRules = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let v = rules.value_tiers;
        if !(0.0 < v.medium && v.medium < v.high && v.high <= 100.0) {
            return Err(bad(format!(
                "value_tiers need 0 < medium < high <= 100 (CLV percentiles), got medium {}, high {}",
                v.medium, v.high
            )));
        }
        if let Some(t) = rules.risk_tiers {
            RiskTiers::new(t.high, t.medium).map_err(|e| bad(e.to_string()))?;
        }
        if rules.rfm.is_empty() {
            return Err(bad("no [[rfm]] segment".into()));
        }
        if rules.rfm.len() > usize::from(u16::MAX) {
            return Err(bad("too many segments".into()));
        }
        for (i, rule) in rules.rfm.iter().enumerate() {
            if rule.name.trim().is_empty() {
                return Err(bad(format!("segment {} has an empty name", i + 1)));
            }
            for (dim, range) in [
                ("recency", rule.recency),
                ("frequency", rule.frequency),
                ("monetary", rule.monetary),
            ] {
                if let Some([lo, hi]) = range
                    && !(1 <= lo && lo <= hi && hi <= BINS)
                {
                    return Err(bad(format!(
                        "segment \"{}\": {dim} = [{lo}, {hi}] must satisfy 1 <= low <= high <= {BINS}",
                        rule.name
                    )));
                }
            }
        }
        let mut table = Vec::with_capacity(usize::from(BINS).pow(3));
        for r in 1..=BINS {
            for f in 1..=BINS {
                for m in 1..=BINS {
                    let i = rules
                        .rfm
                        .iter()
                        .position(|rule| rule.matches(r, f, m))
                        .ok_or_else(|| {
                            bad(format!(
                                "no segment matches recency {r}, frequency {f}, monetary {m}; \
                                 add a rule for it or a catch-all rule (no ranges) at the end"
                            ))
                        })?;
                    table.push(i as u16);
                }
            }
        }
        rules.table = table;
        Ok(rules)
    }

    /// The risk tiers in force: cut-offs given on the command line (`high`, `medium`) over the
    /// rules' `[risk_tiers]` over the model's own.
    pub fn risk_tiers_over(
        &self,
        model: RiskTiers,
        high: Option<f64>,
        medium: Option<f64>,
    ) -> Result<RiskTiers, ScoreError> {
        let base = self.risk_tiers.unwrap_or(model);
        RiskTiers::new(high.unwrap_or(base.high), medium.unwrap_or(base.medium))
    }

    /// Index (into [`SegmentRules::rfm`]) of the segment of scores `r`, `f`, `m` (each 1..=5).
    pub fn segment_of(&self, r: u8, f: u8, m: u8) -> u16 {
        let b = usize::from(BINS);
        let at = |s: u8| usize::from(s.clamp(1, BINS) - 1);
        self.table[(at(r) * b + at(f)) * b + at(m)]
    }

    /// The name of segment `i`.
    pub fn name(&self, i: u16) -> &str {
        &self.rfm[usize::from(i)].name
    }

    /// Segment names in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rfm.iter().map(|r| r.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_cover_every_combination_with_the_named_segments() {
        let r = SegmentRules::builtin();
        let names: Vec<&str> = r.names().collect();
        for n in [
            "Champions",
            "Loyal",
            "Potential Loyalist",
            "New",
            "At Risk",
            "Can't Lose Them",
            "Hibernating",
            "Lost",
        ] {
            assert!(names.contains(&n), "{n} missing");
        }
        assert_eq!(r.name(r.segment_of(5, 5, 5)), "Champions");
        assert_eq!(r.name(r.segment_of(5, 5, 1)), "Loyal");
        assert_eq!(r.name(r.segment_of(5, 1, 3)), "New");
        assert_eq!(r.name(r.segment_of(1, 5, 5)), "Can't Lose Them");
        assert_eq!(r.name(r.segment_of(2, 3, 1)), "At Risk");
        assert_eq!(r.name(r.segment_of(2, 1, 1)), "Hibernating");
        assert_eq!(r.name(r.segment_of(1, 2, 4)), "Lost");
        // Every segment is reachable from some combination.
        let mut used = vec![false; r.rfm.len()];
        for &i in &r.table {
            used[usize::from(i)] = true;
        }
        assert!(used.iter().all(|&u| u), "an unreachable rule: {used:?}");
        assert_eq!(r.value_tiers, ValueTiers::default());
        assert!(r.risk_tiers.is_none());
    }

    #[test]
    fn gaps_and_bad_ranges_are_refused_with_the_reason() {
        let gap = "[[rfm]]\nname = \"Top\"\nrecency = [2, 5]\n";
        let e = SegmentRules::parse(gap, "x.toml").unwrap_err().to_string();
        assert!(
            e.contains("x.toml") && e.contains("recency 1, frequency 1, monetary 1"),
            "{e}"
        );
        let range = "[[rfm]]\nname = \"A\"\nfrequency = [0, 6]\n";
        let e = SegmentRules::parse(range, "x").unwrap_err().to_string();
        assert!(e.contains("frequency = [0, 6]"), "{e}");
        let tiers = "[value_tiers]\nhigh = 40\nmedium = 60\n[[rfm]]\nname = \"All\"\n";
        let e = SegmentRules::parse(tiers, "x").unwrap_err().to_string();
        assert!(e.contains("value_tiers"), "{e}");
        let typo = "[[rfm]]\nname = \"All\"\nrecenc = [1, 5]\n";
        let e = SegmentRules::parse(typo, "x").unwrap_err().to_string();
        assert!(e.contains("recenc"), "{e}");
        let ok = "[risk_tiers]\nhigh = 0.7\nmedium = 0.4\n[[rfm]]\nname = \"All\"\n";
        let r = SegmentRules::parse(ok, "x").unwrap();
        assert_eq!(r.risk_tiers.unwrap().high, 0.7);
        assert_eq!(r.name(r.segment_of(3, 2, 1)), "All");
    }

    #[test]
    fn value_tiers_cut_at_their_percentiles() {
        let t = ValueTiers::default();
        assert_eq!(t.tier(80.0), "high");
        assert_eq!(t.tier(79.99), "medium");
        assert_eq!(t.tier(50.0), "medium");
        assert_eq!(t.tier(49.9), "low");
    }
}
