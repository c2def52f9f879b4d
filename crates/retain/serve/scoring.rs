//! `retain.v1.Scoring`: one customer, a batch, or a bidirectional stream. A thin layer: the
//! request is converted ([`super::convert`]), scored by [`retain_score::online::score_one`],
//! and the outcome mapped to a status naming the field at fault.

use super::convert;
use super::guard::Guard;
use super::registry::{Registry, Snapshot};
use crate::pb::v1 as pb;
use futures_util::StreamExt as _;
use pb::scoring_server::Scoring;
use rayon::prelude::*;
use retain_score::online::{OnlineError, score_one};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status, Streaming};

/// The Scoring service.
pub struct ScoringService {
    /// Served models.
    pub registry: Arc<Registry>,
    /// Auth, limits, metrics.
    pub guard: Arc<Guard>,
    /// Largest ScoreBatch accepted.
    pub max_batch: usize,
}

/// Why one customer could not be scored.
struct Failure {
    code: Code,
    field: String,
    message: String,
}

impl Failure {
    fn status(&self, prefix: &str) -> Status {
        let text = if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("{prefix}{}: {}", self.field, self.message)
        };
        Status::new(self.code, text)
    }
}

fn score_pb(snapshot: &Snapshot, mut r: pb::ScoreRequest) -> Result<pb::ScoreResponse, Failure> {
    let Some(served) = snapshot.get(&r.model) else {
        let message = if r.model.is_empty() {
            "no default model is loaded".to_string()
        } else {
            format!(
                "model {:?} is not loaded (loaded: {})",
                r.model,
                snapshot
                    .models
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Failure {
            code: Code::NotFound,
            field: "model".into(),
            message,
        });
    };
    let m = &served.model;
    let customer_id = std::mem::take(&mut r.customer_id);
    let outcome =
        convert::request(r).and_then(|(horizon, input)| score_one(m, &customer_id, horizon, input));
    match outcome {
        Ok(s) => Ok(convert::response(
            customer_id,
            &m.name,
            &m.version,
            m.kind(),
            s,
        )),
        Err(OnlineError::Invalid { field, message }) => Err(Failure {
            code: Code::InvalidArgument,
            field,
            message,
        }),
        Err(OnlineError::Internal(detail)) => {
            // The detail stays in the server's log; the caller learns only that it failed.
            tracing::error!(model = %m.name, %detail, "scoring failed");
            Err(Failure {
                code: Code::Internal,
                field: String::new(),
                message: "internal error while scoring".into(),
            })
        }
    }
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
            Err(f) => pb::score_stream_response::Result::Error(pb::ScoreError {
                code: f.code as i32,
                field: f.field,
                message: f.message,
            }),
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
    out
}

type ScoreStreamOut = Pin<Box<dyn Stream<Item = Result<pb::ScoreStreamResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Scoring for ScoringService {
    async fn score(
        &self,
        request: Request<pb::ScoreRequest>,
    ) -> Result<Response<pb::ScoreResponse>, Status> {
        let admitted = self.guard.admit("Score", request.metadata(), false)?;
        let snapshot = self.registry.snapshot();
        let r = request.into_inner();
        let result = score_pb(&snapshot, r)
            .map(Response::new)
            .map_err(|f| f.status(""));
        if result.is_ok() {
            metrics::counter!("retain_customers_scored_total").increment(1);
        }
        admitted.finish(result)
    }

    async fn score_batch(
        &self,
        request: Request<pb::ScoreBatchRequest>,
    ) -> Result<Response<pb::ScoreBatchResponse>, Status> {
        let admitted = self.guard.admit("ScoreBatch", request.metadata(), false)?;
        let requests = request.into_inner().requests;
        if requests.is_empty() {
            return admitted.finish(Err(Status::invalid_argument("requests: empty batch")));
        }
        if requests.len() > self.max_batch {
            return admitted.finish(Err(Status::resource_exhausted(format!(
                "requests: {} customers in one batch; the limit is {} (split it, or use ScoreStream)",
                requests.len(),
                self.max_batch
            ))));
        }
        let snapshot = self.registry.snapshot();
        let n = requests.len();
        // CPU-bound: off the async workers, on every core. The admission (deadline) travels
        // with the work and is checked before each group of customers.
        let (admitted, result) = tokio::task::spawn_blocking(move || {
            let result = requests
                .into_par_iter()
                .enumerate()
                .with_min_len(PARALLEL_MIN)
                .map(|(i, r)| {
                    if i % DEADLINE_EVERY == 0 {
                        admitted.check_deadline()?;
                    }
                    score_pb(&snapshot, r).map_err(|f| f.status(&format!("requests[{i}].")))
                })
                .collect::<Result<Vec<_>, Status>>();
            (admitted, result)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "batch task failed");
            Status::internal("internal error while scoring")
        })?;
        if result.is_ok() {
            metrics::counter!("retain_customers_scored_total").increment(n as u64);
        }
        admitted.finish(result.map(|responses| Response::new(pb::ScoreBatchResponse { responses })))
    }

    type ScoreStreamStream = ScoreStreamOut;

    async fn score_stream(
        &self,
        request: Request<Streaming<pb::ScoreRequest>>,
    ) -> Result<Response<Self::ScoreStreamStream>, Status> {
        let admitted = self.guard.admit("ScoreStream", request.metadata(), false)?;
        let mut inbound = request.into_inner().ready_chunks(STREAM_CHUNK);
        let registry = self.registry.clone();
        // Messages that have arrived together are scored together (in parallel when there are
        // many), while the next group is being read; responses keep the request order.
        let (tx, rx) = tokio::sync::mpsc::channel::<Pending>(STREAM_IN_FLIGHT);
        tokio::spawn(async move {
            let mut status = Ok(());
            while let Some(items) = inbound.next().await {
                if let Err(s) = admitted.check_deadline() {
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
                    let task =
                        tokio::task::spawn_blocking(move || score_group(&snapshot, requests));
                    Box::pin(async move {
                        task.await.unwrap_or_else(|e| {
                            tracing::error!(error = %e, "stream task failed");
                            vec![Err(Status::internal("internal error while scoring"))]
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
        Ok(Response::new(Box::pin(out)))
    }
}
