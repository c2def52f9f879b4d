//! `retain.v1.Segments`: campaign lists from the latest batch scores (`--scores PATH`). A thin
//! layer over [`retain_score::score_store`]: the scores are held in memory, swapped atomically
//! when the file (or a partition of the directory) is replaced, and a reload that fails keeps
//! the previous scores serving.

use super::guard::Guard;
use super::status::ApiError;
use crate::pb::v1 as pb;
use arc_swap::ArcSwapOption;
use pb::segments_server::Segments;
use retain_score::score_store::{ListQuery, ScoreStore, StoredScore};
use retain_score::segments::{GroupTotals, TIERS};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use tonic::{Request, Response, Status};

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

    /// The score files (partitions), for the watcher.
    pub fn files(&self) -> Vec<PathBuf> {
        retain_io::partitions::partitions(&self.path).unwrap_or_default()
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

impl SegmentsService {
    fn loaded(&self) -> Result<(Arc<Loaded>, &Path), ApiError> {
        let source = self.source.as_ref().ok_or(ApiError::NoScoreSource)?;
        let loaded = source
            .current
            .load_full()
            .ok_or(ApiError::ScoresNotLoaded)?;
        Ok((loaded, &source.path))
    }

    /// ListAtRisk: one page of the campaign list.
    fn list(&self, r: pb::ListAtRiskRequest) -> Result<pb::ListAtRiskResponse, ApiError> {
        let (l, path) = self.loaded()?;
        let listing = l.store.list(&ListQuery::from(r))?;
        let customers = listing
            .rows
            .iter()
            .map(|&i| at_risk(l.store.row(i)))
            .collect();
        Ok(pb::ListAtRiskResponse {
            customers,
            next_page_token: listing.next_page_token,
            total_matching: listing.total as u64,
            scores: Some(info(&l, path)),
        })
    }

    /// SegmentSummary: totals by segment and by value × risk cell.
    fn segment_totals(&self) -> Result<pb::SegmentSummaryResponse, ApiError> {
        let (l, path) = self.loaded()?;
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
        Ok(pb::SegmentSummaryResponse {
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
    }
}

fn at_risk(c: StoredScore<'_>) -> pb::AtRiskCustomer {
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
}

#[tonic::async_trait]
impl Segments for SegmentsService {
    async fn list_at_risk(
        &self,
        request: Request<pb::ListAtRiskRequest>,
    ) -> Result<Response<pb::ListAtRiskResponse>, Status> {
        let admitted = self.guard.admit("ListAtRisk", request.metadata(), false)?;
        let result = self.list(request.into_inner());
        admitted.finish(result.map(Response::new))
    }

    async fn summary(
        &self,
        request: Request<pb::SegmentSummaryRequest>,
    ) -> Result<Response<pb::SegmentSummaryResponse>, Status> {
        let admitted = self
            .guard
            .admit("SegmentSummary", request.metadata(), false)?;
        let pb::SegmentSummaryRequest {} = request.into_inner();
        admitted.finish(self.segment_totals().map(Response::new))
    }
}
