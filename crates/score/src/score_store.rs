//! A batch score output held in memory for campaign lists: customers ordered by value at risk,
//! filtered by segment and tiers, read a page at a time, with per-segment and value × risk
//! totals. Loaded from one score file or a directory/glob of scored partitions (CSV or
//! Parquet, as `retain score` writes them).

use crate::ScoreError;
use crate::online::OnlineError;
use crate::score_file;
use crate::segments::{GroupTotals, SegmentTotals, TIERS, ValueRiskGrid};
use retain_core::features::RawTable;
use retain_io::fingerprint::of_file as fingerprint;
use retain_io::partitions::partitions;
use retain_io::table::read_table;
use std::path::Path;

/// Marks "no tier" in the tier columns.
const NO_TIER: u8 = u8::MAX;

/// Scores ordered by value at risk (largest first, ties by customer id).
#[derive(Debug, Clone, Default)]
pub struct ScoreStore {
    /// Where the scores came from.
    pub source: String,
    /// First 12 hex digits of the SHA-256 of the partitions' fingerprints.
    pub version: String,
    /// The value-at-risk column used, e.g. `value_at_risk_52_weeks`.
    pub value_at_risk_column: String,
    ids: Vec<String>,
    value_at_risk: Vec<f64>,
    clv: Vec<f64>,
    churn: Vec<f64>,
    risk: Vec<u8>,
    value: Vec<u8>,
    segment: Vec<u16>,
    segment_names: Vec<String>,
}

/// One customer of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScore<'a> {
    /// Customer id.
    pub customer_id: &'a str,
    /// Value at risk.
    pub value_at_risk: f64,
    /// CLV.
    pub clv: f64,
    /// Churn probability.
    pub churn_probability: f64,
    /// Risk tier.
    pub risk_tier: &'static str,
    /// Value tier ("" without value tiers).
    pub value_tier: &'static str,
    /// RFM segment ("" without segments).
    pub rfm_segment: &'a str,
    /// 1-based rank by value at risk in the whole base.
    pub rank: usize,
}

/// Which customers a list keeps (empty lists keep all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// RFM segment names.
    pub segments: Vec<String>,
    /// Risk tiers.
    pub risk_tiers: Vec<String>,
    /// Value tiers.
    pub value_tiers: Vec<String>,
    /// Smallest value at risk kept.
    pub min_value_at_risk: Option<f64>,
}

impl Filter {
    /// A stable text of the filter (page tokens carry its hash).
    pub fn canonical(&self) -> String {
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v.join("\u{1f}")
        };
        format!(
            "{}\u{1e}{}\u{1e}{}\u{1e}{:?}",
            sorted(&self.segments),
            sorted(&self.risk_tiers),
            sorted(&self.value_tiers),
            self.min_value_at_risk.map(f64::to_bits)
        )
    }
}

/// A page of matches: store rows, where the next page starts, and all matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Rows of this page.
    pub rows: Vec<usize>,
    /// Row to continue from, if there are more matches.
    pub next: Option<usize>,
    /// Matches over all pages.
    pub total: usize,
}

/// Customers per page when a list request names no size.
pub const DEFAULT_PAGE: usize = 100;
/// Largest page of a list request.
pub const MAX_PAGE: usize = 10_000;

/// A campaign-list request: filter and paging.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Which customers to keep.
    pub filter: Filter,
    /// Customers per page (0: [`DEFAULT_PAGE`]).
    pub page_size: u32,
    /// Empty for the first page, else the previous page's `next_page_token`.
    pub page_token: String,
}

/// One page of a campaign list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Store rows of this page (see [`ScoreStore::row`]).
    pub rows: Vec<usize>,
    /// Token of the next page; empty on the last page.
    pub next_page_token: String,
    /// Matches over all pages.
    pub total: usize,
}

/// Page tokens: opaque to callers, tied to the scores version and the filter, so a token is
/// refused once the scores are reloaded or with other filters.
mod page_token {
    use retain_io::fingerprint::short_of_bytes;

    pub fn encode(version: &str, filter: &str, row: usize) -> String {
        let text = format!("{version}:{}:{row}", short_of_bytes(filter.as_bytes()));
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// The row a token continues from, if it was issued for this version and filter.
    pub fn decode(token: &str, version: &str, filter: &str) -> Result<usize, &'static str> {
        const FOREIGN: &str = "not a token this server issued";
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| {
                token
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or(FOREIGN)?;
        let text = String::from_utf8(bytes).map_err(|_| FOREIGN)?;
        let mut parts = text.split(':');
        let (v, f, row) = (parts.next(), parts.next(), parts.next());
        let row: usize = row.and_then(|r| r.parse().ok()).ok_or(FOREIGN)?;
        if v != Some(version) {
            return Err(
                "the scores were reloaded since this token was issued; start again from the first page",
            );
        }
        if f != Some(short_of_bytes(filter.as_bytes()).as_str()) {
            return Err("the filters differ from those of the request that issued this token");
        }
        Ok(row)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn tokens_round_trip_and_are_refused_for_another_version_or_filter() {
            let t = super::encode("abc123", "f1", 4242);
            assert_eq!(super::decode(&t, "abc123", "f1"), Ok(4242));
            assert!(
                super::decode(&t, "def456", "f1")
                    .unwrap_err()
                    .contains("reloaded")
            );
            assert!(
                super::decode(&t, "abc123", "f2")
                    .unwrap_err()
                    .contains("filters")
            );
            assert!(super::decode("zz", "abc123", "f1").is_err());
            assert!(super::decode("", "abc123", "f1").is_err());
        }
    }
}

/// Totals of the whole store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSummary {
    /// By segment.
    pub segments: SegmentTotals,
    /// Value × risk grid, when the scores have value tiers.
    pub grid: Option<ValueRiskGrid>,
    /// Everyone.
    pub all: GroupTotals,
}

fn tier_code(t: &str) -> Result<u8, String> {
    TIERS
        .iter()
        .position(|&x| x == t)
        .map(|i| i as u8)
        .ok_or_else(|| format!("unknown tier {t:?} (expected high, medium or low)"))
}

fn tier_name(code: u8) -> &'static str {
    TIERS.get(usize::from(code)).copied().unwrap_or("")
}

/// Columns of one partition, checked.
struct Part {
    ids: Vec<String>,
    value_at_risk: Vec<f64>,
    clv: Vec<f64>,
    churn: Vec<f64>,
    risk: Vec<String>,
    value: Option<Vec<String>>,
    segment: Option<Vec<String>>,
    var_name: String,
}

/// The column `prefix_<horizon>` of a score file.
fn prefixed(t: &RawTable, prefix: &str) -> Option<String> {
    crate::score_file::horizon_column(&t.names, prefix).map(str::to_string)
}

fn read_part(path: &Path) -> Result<Part, ScoreError> {
    let t = read_table(path, b',')?;
    let missing = |what: &str| ScoreError::Data {
        source_name: path.display().to_string(),
        column: Some(what.to_string()),
        reason: format!(
            "no {what} column (columns: {}); score with a CLV model with a spend model, \
             or a churn model with a margin",
            t.names.join(", ")
        ),
    };
    let var_name =
        prefixed(&t, crate::score_file::VALUE_AT_RISK).ok_or_else(|| missing("value_at_risk_*"))?;
    let clv_name = prefixed(&t, crate::score_file::CLV).ok_or_else(|| missing("clv_*"))?;
    let numbers = |name: &str| -> Result<Vec<f64>, ScoreError> {
        score_file::numbers(&t, path, name)?.ok_or_else(|| missing(name))
    };
    let texts = |name: &str| score_file::texts(&t, path, name);
    Ok(Part {
        ids: texts(score_file::CUSTOMER_ID)?.ok_or_else(|| missing(score_file::CUSTOMER_ID))?,
        value_at_risk: numbers(&var_name)?,
        clv: numbers(&clv_name)?,
        churn: numbers(score_file::CHURN_PROBABILITY)?,
        risk: texts(score_file::RISK_TIER)?.ok_or_else(|| missing(score_file::RISK_TIER))?,
        value: texts(score_file::VALUE_TIER)?,
        segment: texts(score_file::RFM_SEGMENT)?,
        var_name,
    })
}

impl ScoreStore {
    /// Loads one score file, or every partition of a directory / glob (its `_manifest.json`
    /// and temporary files are not partitions).
    pub fn load(path: &Path) -> Result<ScoreStore, ScoreError> {
        let files = partitions(path)?;
        let mut store = ScoreStore {
            source: path.display().to_string(),
            ..ScoreStore::default()
        };
        // The store's version: the one hash over its partitions' fingerprints.
        let mut fingerprints = String::new();
        let mut rows: Vec<(f64, String, f64, f64, u8, u8, u16)> = Vec::new();
        let mut has_value = None;
        for f in &files {
            fingerprints.push_str(&fingerprint(f)?);
            let p = read_part(f)?;
            if store.value_at_risk_column.is_empty() {
                store.value_at_risk_column = p.var_name.clone();
            } else if store.value_at_risk_column != p.var_name {
                return Err(ScoreError::Data {
                    source_name: f.display().to_string(),
                    column: Some(p.var_name.clone()),
                    reason: format!(
                        "value at risk is {:?}, other partitions have {:?}",
                        p.var_name, store.value_at_risk_column
                    ),
                });
            }
            if *has_value.get_or_insert(p.value.is_some()) != p.value.is_some() {
                return Err(ScoreError::Data {
                    source_name: f.display().to_string(),
                    column: Some(crate::score_file::VALUE_TIER.to_string()),
                    reason: "value tiers in some partitions only".into(),
                });
            }
            let bad = |row: usize, why: String| ScoreError::Data {
                source_name: f.display().to_string(),
                column: None,
                reason: format!("line {}: {why}", row + 2),
            };
            for i in 0..p.ids.len() {
                let risk = tier_code(&p.risk[i]).map_err(|e| bad(i, format!("risk_tier: {e}")))?;
                let value = match &p.value {
                    Some(v) => tier_code(&v[i]).map_err(|e| bad(i, format!("value_tier: {e}")))?,
                    None => NO_TIER,
                };
                let segment = match &p.segment {
                    Some(s) => {
                        let name = &s[i];
                        match store.segment_names.iter().position(|n| n == name) {
                            Some(k) => k as u16,
                            None => {
                                store.segment_names.push(name.clone());
                                (store.segment_names.len() - 1) as u16
                            }
                        }
                    }
                    None => u16::MAX,
                };
                rows.push((
                    p.value_at_risk[i],
                    p.ids[i].clone(),
                    p.clv[i],
                    p.churn[i],
                    risk,
                    value,
                    segment,
                ));
            }
        }
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (var, id, clv, churn, risk, value, segment) in rows {
            store.value_at_risk.push(var);
            store.ids.push(id);
            store.clv.push(clv);
            store.churn.push(churn);
            store.risk.push(risk);
            store.value.push(value);
            store.segment.push(segment);
        }
        store.version = retain_io::fingerprint::short_of_bytes(fingerprints.as_bytes());
        Ok(store)
    }

    /// Customers held.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// RFM segment names present, in first-seen order.
    pub fn segment_names(&self) -> &[String] {
        &self.segment_names
    }

    /// Whether the scores carry value tiers.
    pub fn has_value_tiers(&self) -> bool {
        self.value.first().is_some_and(|&v| v != NO_TIER)
    }

    /// Row `i` (in value-at-risk order).
    pub fn row(&self, i: usize) -> StoredScore<'_> {
        StoredScore {
            customer_id: &self.ids[i],
            value_at_risk: self.value_at_risk[i],
            clv: self.clv[i],
            churn_probability: self.churn[i],
            risk_tier: tier_name(self.risk[i]),
            value_tier: tier_name(self.value[i]),
            rfm_segment: self
                .segment_names
                .get(usize::from(self.segment[i]))
                .map_or("", String::as_str),
            rank: i + 1,
        }
    }

    /// Checks a filter against what the scores hold; the error names the offending field.
    pub fn check(&self, f: &Filter) -> Result<(), (&'static str, String)> {
        for s in &f.segments {
            if !self.segment_names.contains(s) {
                return Err((
                    "segments",
                    format!(
                        "no customer is in segment {s:?}; segments: {}",
                        self.segment_names.join(", ")
                    ),
                ));
            }
        }
        for (field, tiers) in [
            ("risk_tiers", &f.risk_tiers),
            ("value_tiers", &f.value_tiers),
        ] {
            for t in tiers {
                tier_code(t).map_err(|e| (field, e))?;
            }
        }
        if !f.value_tiers.is_empty() && !self.has_value_tiers() {
            return Err(("value_tiers", "the scores have no value tiers".into()));
        }
        if let Some(m) = f.min_value_at_risk
            && !m.is_finite()
        {
            return Err(("min_value_at_risk", format!("must be finite, got {m}")));
        }
        Ok(())
    }

    /// Rows matching `f` from row `start` on: up to `size` of them, and the total.
    pub fn page(&self, f: &Filter, start: usize, size: usize) -> Page {
        let codes =
            |v: &[String]| -> Vec<u8> { v.iter().filter_map(|t| tier_code(t).ok()).collect() };
        let (risk, value) = (codes(&f.risk_tiers), codes(&f.value_tiers));
        let segments: Vec<u16> = f
            .segments
            .iter()
            .filter_map(|s| self.segment_names.iter().position(|n| n == s))
            .map(|k| k as u16)
            .collect();
        // Rows are in decreasing value at risk: a minimum cuts the scan short.
        let end = match f.min_value_at_risk {
            Some(m) => self.value_at_risk.partition_point(|&v| v >= m),
            None => self.len(),
        };
        let keep = |i: usize| {
            (risk.is_empty() || risk.contains(&self.risk[i]))
                && (value.is_empty() || value.contains(&self.value[i]))
                && (segments.is_empty() || segments.contains(&self.segment[i]))
        };
        let mut rows = Vec::with_capacity(size.min(end));
        let mut total = 0;
        let mut next = None;
        for i in 0..end {
            if keep(i) {
                total += 1;
                if i >= start {
                    if rows.len() < size {
                        rows.push(i);
                    } else if next.is_none() {
                        next = Some(i);
                    }
                }
            }
        }
        Page { rows, next, total }
    }

    /// One page of a campaign list: the filter is checked, the page size bounded
    /// ([`DEFAULT_PAGE`] when 0, at most [`MAX_PAGE`]) and the page token (from the previous
    /// page's [`Listing::next_page_token`]) checked against this version and filter. Errors
    /// name the request field at fault.
    pub fn list(&self, q: &ListQuery) -> Result<Listing, OnlineError> {
        let ListQuery {
            filter,
            page_size,
            page_token,
        } = q;
        self.check(filter)
            .map_err(|(field, message)| OnlineError::Invalid {
                field: field.into(),
                message,
            })?;
        let size = match *page_size as usize {
            0 => DEFAULT_PAGE,
            n if n > MAX_PAGE => {
                return Err(OnlineError::Invalid {
                    field: "page_size".into(),
                    message: format!("at most {MAX_PAGE}, got {n}"),
                });
            }
            n => n,
        };
        let canonical = filter.canonical();
        let start = if page_token.is_empty() {
            0
        } else {
            page_token::decode(page_token, &self.version, &canonical).map_err(|m| {
                OnlineError::Invalid {
                    field: "page_token".into(),
                    message: m.into(),
                }
            })?
        };
        let page = self.page(filter, start, size);
        Ok(Listing {
            next_page_token: page
                .next
                .map(|row| page_token::encode(&self.version, &canonical, row))
                .unwrap_or_default(),
            rows: page.rows,
            total: page.total,
        })
    }

    /// Totals by segment and value × risk cell.
    pub fn summary(&self) -> StoreSummary {
        let names: Vec<&str> = (0..self.len()).map(|i| self.row(i).rfm_segment).collect();
        let segments = if self.segment_names.is_empty() {
            SegmentTotals::default()
        } else {
            SegmentTotals::of(names.iter().copied(), &self.clv, &self.value_at_risk)
        };
        let grid = self.has_value_tiers().then(|| {
            ValueRiskGrid::of(
                self.value.iter().map(|&v| tier_name(v)),
                self.risk.iter().map(|&r| tier_name(r)),
                &self.clv,
                &self.value_at_risk,
            )
        });
        StoreSummary {
            segments,
            grid,
            all: GroupTotals {
                customers: self.len() as u64,
                clv: self.clv.iter().sum(),
                value_at_risk: self.value_at_risk.iter().sum(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, rows: &[(&str, f64, &str, &str, &str)]) {
        let mut text = String::from(
            "customer_id,churn_probability,risk_tier,clv_52_weeks,value_at_risk_52_weeks,rfm_segment,value_tier,clv_percentile,value_at_risk_percentile\n",
        );
        for (id, var, risk, seg, value) in rows {
            text.push_str(&format!(
                "{id},0.5,{risk},{},{var},{seg},{value},50,50\n",
                var * 2.0
            ));
        }
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn store() -> (tempfile::TempDir, ScoreStore) {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "part-0.csv",
            &[
                ("007", 5.0, "high", "At Risk", "high"),
                ("b", 1.0, "low", "Champions", "low"),
                ("c", 3.0, "high", "At Risk", "medium"),
            ],
        );
        write(
            dir.path(),
            "part-1.csv",
            &[
                ("d", 4.0, "medium", "Lost", "high"),
                ("a", 3.0, "high", "At Risk", "low"),
            ],
        );
        std::fs::write(dir.path().join("_manifest.json"), "{}").unwrap();
        let s = ScoreStore::load(dir.path()).unwrap();
        (dir, s)
    }

    #[test]
    fn loads_partitions_in_value_at_risk_order_and_pages_through_matches() {
        let (_dir, s) = store();
        assert_eq!(s.len(), 5);
        assert_eq!(s.value_at_risk_column, "value_at_risk_52_weeks");
        let order: Vec<&str> = (0..5).map(|i| s.row(i).customer_id).collect();
        // Ties (3.0) by id; ids keep their leading zeros.
        assert_eq!(order, ["007", "d", "a", "c", "b"]);
        assert_eq!(s.row(0).clv, 10.0);
        let f = Filter {
            segments: vec!["At Risk".into()],
            ..Filter::default()
        };
        let p1 = s.page(&f, 0, 2);
        assert_eq!(p1.rows, [0, 2]);
        assert_eq!(p1.total, 3);
        let p2 = s.page(&f, p1.next.unwrap(), 2);
        assert_eq!(p2.rows, [3]);
        assert_eq!(p2.next, None);
        let f = Filter {
            risk_tiers: vec!["high".into()],
            min_value_at_risk: Some(3.0),
            ..Filter::default()
        };
        let p = s.page(&f, 0, 10);
        assert_eq!(p.rows, [0, 2, 3]);
        let f = Filter {
            value_tiers: vec!["high".into()],
            ..Filter::default()
        };
        assert_eq!(s.page(&f, 0, 10).rows, [0, 1]);
    }

    #[test]
    fn summary_adds_up_and_bad_filters_name_their_field() {
        let (_dir, s) = store();
        let sum = s.summary();
        assert_eq!(sum.all.customers, 5);
        assert_eq!(sum.all.value_at_risk, 16.0);
        assert_eq!(sum.segments.segments["At Risk"].customers, 3);
        assert_eq!(sum.segments.segments["At Risk"].value_at_risk, 11.0);
        let g = sum.grid.unwrap();
        assert_eq!(g.cell("high", "high").unwrap().customers, 1);
        assert_eq!(g.customers(), 5);
        let f = Filter {
            segments: vec!["Nope".into()],
            ..Filter::default()
        };
        let (field, msg) = s.check(&f).unwrap_err();
        assert_eq!(field, "segments");
        assert!(msg.contains("At Risk"), "{msg}");
        let f = Filter {
            risk_tiers: vec!["extreme".into()],
            ..Filter::default()
        };
        assert_eq!(s.check(&f).unwrap_err().0, "risk_tiers");
    }

    #[test]
    fn a_bad_row_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "s.csv", &[("a", 1.0, "high", "X", "bogus")]);
        let e = ScoreStore::load(&dir.path().join("s.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("value_tier"), "{e}");
    }
}
