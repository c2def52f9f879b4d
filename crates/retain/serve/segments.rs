//! `retain.v1.Segments`: campaign lists from the latest batch scores (`--scores PATH`). A thin
//! layer over [`retain_score::score_store`]: the scores are held in memory, swapped atomically
//! when the file (or a partition of the directory) is replaced, and a reload that fails keeps
//! the previous scores serving.

use super::guard::Guard;
use crate::pb::v1 as pb;
use arc_swap::ArcSwapOption;
use pb::segments_server::Segments;
use retain_score::score_store::{Filter, ScoreStore};
use retain_score::segments::{GroupTotals, TIERS};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tonic::{Request, Response, Status};

/// Customers per page when a request names no size.
const DEFAULT_PAGE: usize = 100;
/// Largest page.
const MAX_PAGE: usize = 10_000;

/// Scores being served and when they were loaded.
pub struct Loaded {
    store: ScoreStore,
    loaded_at: SystemTime,
}

/// The scores, reloadable.
pub struct ScoreSource {
    path: PathBuf,
    current: ArcSwapOption<Loaded>,
}

/// Sizes and modification times of the scores' files, to notice a replacement.
fn state(path: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    retain_io::partitions::partitions(path)
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            (p, len, meta.and_then(|m| m.modified().ok()))
        })
        .collect()
}

impl ScoreSource {
    /// Loads `path` (a file, directory or glob of score partitions); an error if it cannot.
    pub async fn open(path: PathBuf) -> anyhow::Result<Arc<ScoreSource>> {
        let source = Arc::new(ScoreSource {
            path,
            current: ArcSwapOption::empty(),
        });
        source.reload().await.map_err(anyhow::Error::msg)?;
        Ok(source)
    }

    /// Reads the scores again and swaps them in; on failure the previous ones stay.
    pub async fn reload(&self) -> Result<(), String> {
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || ScoreStore::load(&path))
            .await
            .map_err(|e| e.to_string())?;
        match loaded {
            Ok(store) => {
                tracing::info!(
                    scores = %self.path.display(),
                    version = %store.version,
                    customers = store.len(),
                    "scores loaded"
                );
                self.current.store(Some(Arc::new(Loaded {
                    store,
                    loaded_at: SystemTime::now(),
                })));
                Ok(())
            }
            Err(e) => {
                let kept = self
                    .current
                    .load()
                    .as_ref()
                    .map(|l| l.store.version.clone());
                tracing::error!(scores = %self.path.display(), error = %e, kept_version = ?kept, "scores refused; the previous scores keep serving");
                Err(e.to_string())
            }
        }
    }

    /// Polls the files every `seconds` and reloads when they change.
    pub fn watch(self: &Arc<Self>, seconds: f64) {
        if !(seconds > 0.0 && seconds.is_finite()) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let snapshot = |p: PathBuf| async move {
                tokio::task::spawn_blocking(move || state(&p))
                    .await
                    .unwrap_or_default()
            };
            let mut last = snapshot(me.path.clone()).await;
            let mut tick = tokio::time::interval(Duration::from_secs_f64(seconds));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = snapshot(me.path.clone()).await;
                if now != last {
                    // A failed reload is retried on the next change only (it is logged).
                    let _ = me.reload().await;
                    last = now;
                }
            }
        });
    }
}

/// The Segments service.
pub struct SegmentsService {
    /// The scores (None: the server was started without `--scores`).
    pub source: Option<Arc<ScoreSource>>,
    /// Auth, limits, metrics.
    pub guard: Arc<Guard>,
}

fn info(l: &Loaded, source: &Path) -> pb::ScoresInfo {
    let t = l
        .loaded_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    pb::ScoresInfo {
        source: source.display().to_string(),
        version: l.store.version.clone(),
        loaded_at: Some(prost_types::Timestamp {
            seconds: t.as_secs() as i64,
            nanos: t.subsec_nanos() as i32,
        }),
        customers: l.store.len() as u64,
        value_at_risk_column: l.store.value_at_risk_column.clone(),
    }
}

fn totals(t: &GroupTotals) -> pb::GroupTotals {
    pb::GroupTotals {
        customers: t.customers,
        clv: t.clv,
        value_at_risk: t.value_at_risk,
    }
}

/// Page tokens: opaque to callers, tied to the scores version and the filter.
mod token {
    use retain_io::fingerprint::short_of_bytes as fingerprint_bytes;

    pub fn encode(version: &str, filter: &str, row: usize) -> String {
        let text = format!("{version}:{}:{row}", fingerprint_bytes(filter.as_bytes()));
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// The row a token continues from, if it was issued for this version and filter.
    pub fn decode(token: &str, version: &str, filter: &str) -> Result<usize, String> {
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| {
                token
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or("not a token this server issued")?;
        let text = String::from_utf8(bytes).map_err(|_| "not a token this server issued")?;
        let mut parts = text.split(':');
        let (v, f, row) = (parts.next(), parts.next(), parts.next());
        let row: usize = row
            .and_then(|r| r.parse().ok())
            .ok_or("not a token this server issued")?;
        if v != Some(version) {
            return Err(
                "the scores were reloaded since this token was issued; start again from the first page"
                    .into(),
            );
        }
        if f != Some(fingerprint_bytes(filter.as_bytes()).as_str()) {
            return Err(
                "the filters differ from those of the request that issued this token".into(),
            );
        }
        Ok(row)
    }
}

impl SegmentsService {
    fn loaded(&self) -> Result<(Arc<Loaded>, &Path), Status> {
        let source = self.source.as_ref().ok_or_else(|| {
            Status::failed_precondition("the server was started without --scores")
        })?;
        let loaded = source
            .current
            .load_full()
            .ok_or_else(|| Status::unavailable("no scores loaded"))?;
        Ok((loaded, &source.path))
    }
}

#[tonic::async_trait]
impl Segments for SegmentsService {
    async fn list_at_risk(
        &self,
        request: Request<pb::ListAtRiskRequest>,
    ) -> Result<Response<pb::ListAtRiskResponse>, Status> {
        let admitted = self.guard.admit("ListAtRisk", request.metadata(), false)?;
        let result = (|| {
            let (l, path) = self.loaded()?;
            let r = request.into_inner();
            let filter = Filter {
                segments: r.segments,
                risk_tiers: r.risk_tiers,
                value_tiers: r.value_tiers,
                min_value_at_risk: r.min_value_at_risk,
            };
            l.store
                .check(&filter)
                .map_err(|(field, m)| Status::invalid_argument(format!("{field}: {m}")))?;
            let size = match r.page_size as usize {
                0 => DEFAULT_PAGE,
                n if n > MAX_PAGE => {
                    return Err(Status::invalid_argument(format!(
                        "page_size: at most {MAX_PAGE}, got {n}"
                    )));
                }
                n => n,
            };
            let canonical = filter.canonical();
            let start = if r.page_token.is_empty() {
                0
            } else {
                token::decode(&r.page_token, &l.store.version, &canonical)
                    .map_err(|m| Status::invalid_argument(format!("page_token: {m}")))?
            };
            let page = l.store.page(&filter, start, size);
            let customers = page
                .rows
                .iter()
                .map(|&i| {
                    let c = l.store.row(i);
                    pb::AtRiskCustomer {
                        customer_id: c.customer_id.to_string(),
                        value_at_risk: c.value_at_risk,
                        clv: c.clv,
                        churn_probability: c.churn_probability,
                        risk_tier: c.risk_tier.into(),
                        value_tier: c.value_tier.into(),
                        rfm_segment: c.rfm_segment.into(),
                        rank: c.rank as u64,
                    }
                })
                .collect();
            Ok(Response::new(pb::ListAtRiskResponse {
                customers,
                next_page_token: page
                    .next
                    .map(|row| token::encode(&l.store.version, &canonical, row))
                    .unwrap_or_default(),
                total_matching: page.total as u64,
                scores: Some(info(&l, path)),
            }))
        })();
        admitted.finish(result)
    }

    async fn summary(
        &self,
        request: Request<pb::SegmentSummaryRequest>,
    ) -> Result<Response<pb::SegmentSummaryResponse>, Status> {
        let admitted = self
            .guard
            .admit("SegmentSummary", request.metadata(), false)?;
        let result = self.loaded().map(|(l, path)| {
            let s = l.store.summary();
            let mut segments: Vec<_> = s.segments.segments.iter().collect();
            segments.sort_by(|a, b| b.1.value_at_risk.total_cmp(&a.1.value_at_risk));
            let grid = s
                .grid
                .map(|g| {
                    TIERS
                        .iter()
                        .zip(&g.cells)
                        .flat_map(|(v, row)| {
                            TIERS.iter().zip(row).map(|(r, c)| pb::GridCell {
                                value_tier: v.to_string(),
                                risk_tier: r.to_string(),
                                totals: Some(totals(c)),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Response::new(pb::SegmentSummaryResponse {
                segments: segments
                    .into_iter()
                    .map(|(name, t)| pb::SegmentTotals {
                        segment: name.clone(),
                        totals: Some(totals(t)),
                    })
                    .collect(),
                grid,
                all: Some(totals(&s.all)),
                scores: Some(info(&l, path)),
            })
        });
        admitted.finish(result)
    }
}

#[cfg(test)]
mod tests {
    use super::token;

    #[test]
    fn tokens_round_trip_and_are_refused_for_another_version_or_filter() {
        let t = token::encode("abc123", "f1", 4242);
        assert_eq!(token::decode(&t, "abc123", "f1"), Ok(4242));
        assert!(
            token::decode(&t, "def456", "f1")
                .unwrap_err()
                .contains("reloaded")
        );
        assert!(
            token::decode(&t, "abc123", "f2")
                .unwrap_err()
                .contains("filters")
        );
        assert!(token::decode("zz", "abc123", "f1").is_err());
        assert!(token::decode("", "abc123", "f1").is_err());
    }
}
