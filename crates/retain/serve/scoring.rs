//! `retain.v1.Scoring`: one customer, a batch, or a bidirectional stream. A thin layer: the
//! request is converted ([`super::convert`]), scored by [`retain_score::online::score_one`],
//! and the outcome mapped to a status naming the field at fault.

use super::convert::{self, ScoreCall};
use super::guard::{Admitted, Deadline, Guard};
use super::registry::{Registry, Snapshot};
use super::status::ApiError;
use crate::pb::v1 as pb;
use futures_util::StreamExt as _;
use pb::scoring_server::Scoring;
use rayon::prelude::*;
use retain_score::online::score_one;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// The Scoring service.
pub struct ScoringService {
    /// Served models.
    pub registry: Arc<Registry>,
    /// Auth, limits, metrics.
    pub guard: Arc<Guard>,
    /// Largest ScoreBatch accepted.
    pub max_batch: usize,
}

/// Scores one request with the snapshot's model.
fn score_pb(snapshot: &Snapshot, r: pb::ScoreRequest) -> Result<pb::ScoreResponse, ApiError> {
    let call = ScoreCall::try_from(r)?;
    let served = snapshot
        .get(&call.model)
        .ok_or_else(|| ApiError::ModelNotLoaded {
            field: "model",
            name: call.model.clone(),
            loaded: snapshot.models.keys().cloned().collect(),
        })?;
    let m = &served.model;
    let s = score_one(m, &call.customer_id, call.horizon, call.input)?;
    Ok(convert::response(call.customer_id, m, s))
}

/// Customers below which a group is scored on the calling thread rather than spread over
/// the cores (spreading costs a few microseconds).
const PARALLEL_MIN: usize = 64;

/// Batch customers scored between two deadline checks.
const DEADLINE_EVERY: usize = 256;

/// Most stream messages read and scored as one group.
const STREAM_CHUNK: usize = 1024;

/// Groups of a stream being scored or waiting to be sent, per stream.
const STREAM_IN_FLIGHT: usize = 4;

/// A group of stream responses, possibly still being computed.
type Pending = Pin<Box<dyn Future<Output = Vec<Result<pb::ScoreStreamResponse, Status>>> + Send>>;

/// Scores a group of stream requests in order; a failure is reported for its customer and the
/// stream goes on.
fn score_group(
    snapshot: &Snapshot,
    requests: Vec<pb::ScoreRequest>,
) -> Vec<Result<pb::ScoreStreamResponse, Status>> {
    let one = |r: pb::ScoreRequest| {
        let customer_id = r.customer_id.clone();
        let result = match score_pb(snapshot, r) {
            Ok(s) => pb::score_stream_response::Result::Score(s),
            Err(e) => {
                let field = e.field().to_string();
                let status = Status::from(e);
                pb::score_stream_response::Result::Error(pb::ScoreError {
                    code: status.code() as i32,
                    field,
                    message: status.message().to_string(),
                })
            }
        };
        Ok(pb::ScoreStreamResponse {
            customer_id,
            result: Some(result),
        })
    };
    let out: Vec<_> = if requests.len() < PARALLEL_MIN {
        requests.into_iter().map(one).collect()
    } else {
        requests
            .into_par_iter()
            .with_min_len(PARALLEL_MIN / 2)
            .map(one)
            .collect()
    };
    let scored = out
        .iter()
        .filter(|r| {
            matches!(
                r,
                Ok(pb::ScoreStreamResponse {
                    result: Some(pb::score_stream_response::Result::Score(_)),
                    ..
                })
            )
        })
        .count();
    metrics::counter!("retain_customers_scored_total").increment(scored as u64);
    super::drift::record(
        snapshot,
        out.iter().filter_map(|r| match r {
            Ok(pb::ScoreStreamResponse {
                result: Some(pb::score_stream_response::Result::Score(s)),
                ..
            }) => Some(s),
            _ => None,
        }),
    );
    out
}

type ScoreStreamOut = Pin<Box<dyn Stream<Item = Result<pb::ScoreStreamResponse, Status>> + Send>>;

/// ScoreBatch: every customer or none (the first failure, its field prefixed with
/// `requests[i].`), scored on the blocking pool across the cores.
async fn score_batch(
    registry: &Registry,
    max_batch: usize,
    deadline: Deadline,
    requests: Vec<pb::ScoreRequest>,
) -> Result<pb::ScoreBatchResponse, ApiError> {
    if requests.is_empty() {
        return Err(ApiError::Invalid {
            field: "requests".into(),
            message: "empty batch".into(),
        });
    }
    if requests.len() > max_batch {
        let size = requests.len();
        return Err(ApiError::BatchTooLarge {
            size,
            limit: max_batch,
        });
    }
    let snapshot = registry.snapshot();
    let n = requests.len();
    // CPU-bound: off the async workers, on every core; the deadline is checked before each
    // group of customers.
    let responses = tokio::task::spawn_blocking(move || {
        requests
            .into_par_iter()
            .enumerate()
            .with_min_len(PARALLEL_MIN)
            .map(|(i, r)| {
                if i % DEADLINE_EVERY == 0 {
                    deadline.check()?;
                }
                score_pb(&snapshot, r).map_err(|e| e.in_batch(i))
            })
            .collect::<Result<Vec<_>, ApiError>>()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("batch task failed: {e}")))??;
    metrics::counter!("retain_customers_scored_total").increment(n as u64);
    super::drift::record(&registry.snapshot(), &responses);
    Ok(pb::ScoreBatchResponse { responses })
}

/// ScoreStream: messages that arrive together are scored together (in parallel when there
/// are many) while the next group is read; responses keep the request order, and a failure
/// is reported for its customer while the stream goes on.
fn score_stream(
    registry: Arc<Registry>,
    admitted: Admitted,
    inbound: Streaming<pb::ScoreRequest>,
) -> ScoreStreamOut {
    let mut inbound = inbound.ready_chunks(STREAM_CHUNK);
    let (tx, rx) = tokio::sync::mpsc::channel::<Pending>(STREAM_IN_FLIGHT);
    tokio::spawn(async move {
        let mut status = Ok(());
        while let Some(items) = inbound.next().await {
            if let Err(e) = admitted.check_deadline() {
                let s = Status::from(e);
                let _ = tx
                    .send(Box::pin(std::future::ready(vec![Err(s.clone())])))
                    .await;
                status = Err(s);
                break;
            }
            let mut requests = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Ok(r) => requests.push(r),
                    Err(s) => {
                        status = Err(super::oversize::status(s));
                        break;
                    }
                }
            }
            // A fresh snapshot per group: a long stream picks up reloads as they happen.
            let snapshot = registry.snapshot();
            let pending: Pending = if requests.len() < PARALLEL_MIN {
                Box::pin(std::future::ready(score_group(&snapshot, requests)))
            } else {
                let task = tokio::task::spawn_blocking(move || score_group(&snapshot, requests));
                Box::pin(async move {
                    task.await.unwrap_or_else(|e| {
                        vec![Err(
                            ApiError::Internal(format!("stream task failed: {e}")).into()
                        )]
                    })
                })
            };
            if tx.send(pending).await.is_err() {
                break; // The caller went away.
            }
            if let Err(s) = &status {
                // The caller's stream failed (e.g. a message over the size limit): say so
                // after the answers to what came before it.
                let _ = tx
                    .send(Box::pin(std::future::ready(vec![Err(s.clone())])))
                    .await;
                break;
            }
        }
        let _ = admitted.finish(status);
    });
    let out = ReceiverStream::new(rx)
        .then(|pending| pending)
        .flat_map(futures_util::stream::iter);
    Box::pin(out)
}

#[tonic::async_trait]
impl Scoring for ScoringService {
    async fn score(
        &self,
        request: Request<pb::ScoreRequest>,
    ) -> Result<Response<pb::ScoreResponse>, Status> {
        let admitted = self.guard.admit("Score", request.metadata(), false)?;
        let snapshot = self.registry.snapshot();
        let result = score_pb(&snapshot, request.into_inner());
        if let Ok(r) = &result {
            metrics::counter!("retain_customers_scored_total").increment(1);
            super::drift::record(&snapshot, [r]);
        }
        admitted.finish(result.map(Response::new))
    }

    async fn score_batch(
        &self,
        request: Request<pb::ScoreBatchRequest>,
    ) -> Result<Response<pb::ScoreBatchResponse>, Status> {
        let admitted = self.guard.admit("ScoreBatch", request.metadata(), false)?;
        let requests = request.into_inner().requests;
        let result = score_batch(
            &self.registry,
            self.max_batch,
            admitted.deadline(),
            requests,
        )
        .await;
        admitted.finish(result.map(Response::new))
    }

    type ScoreStreamStream = ScoreStreamOut;

    async fn score_stream(
        &self,
        request: Request<Streaming<pb::ScoreRequest>>,
    ) -> Result<Response<Self::ScoreStreamStream>, Status> {
        let admitted = self.guard.admit("ScoreStream", request.metadata(), false)?;
        let stream = score_stream(self.registry.clone(), admitted, request.into_inner());
        Ok(Response::new(stream))
    }
}
