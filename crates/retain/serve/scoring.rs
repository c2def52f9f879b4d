//! `retain.v1.Scoring`: one customer, a batch, or a bidirectional stream. A thin layer: the
//! request is converted ([`super::convert`]), scored by [`retain_train::online::score_one`],
//! and the outcome mapped to a status naming the field at fault.

use super::convert;
use super::guard::Guard;
use super::registry::{Registry, Snapshot};
use crate::pb::v1 as pb;
use pb::scoring_server::Scoring;
use retain_train::online::{OnlineError, score_one};
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
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

fn score_pb(snapshot: &Snapshot, r: pb::ScoreRequest) -> Result<pb::ScoreResponse, Failure> {
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
    let customer_id = r.customer_id.clone();
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
        // CPU-bound: off the async workers. The admission (deadline) travels with the work.
        let (admitted, result) = tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(n);
            for (i, r) in requests.into_iter().enumerate() {
                if i % 256 == 0
                    && let Err(s) = admitted.check_deadline()
                {
                    return (admitted, Err(s));
                }
                match score_pb(&snapshot, r) {
                    Ok(s) => out.push(s),
                    Err(f) => return (admitted, Err(f.status(&format!("requests[{i}].")))),
                }
            }
            (admitted, Ok(out))
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
        let mut inbound = request.into_inner();
        let registry = self.registry.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            let mut scored = 0u64;
            let mut status = Ok(());
            while let Some(item) = inbound.next().await {
                if let Err(s) = admitted.check_deadline() {
                    let _ = tx.send(Err(s.clone())).await;
                    status = Err(s);
                    break;
                }
                let r = match item {
                    Ok(r) => r,
                    Err(s) => {
                        status = Err(s);
                        break;
                    }
                };
                // A fresh snapshot per item: a long stream picks up reloads as they happen.
                let snapshot = registry.snapshot();
                let customer_id = r.customer_id.clone();
                let result = match score_pb(&snapshot, r) {
                    Ok(s) => {
                        scored += 1;
                        pb::score_stream_response::Result::Score(s)
                    }
                    Err(f) => pb::score_stream_response::Result::Error(pb::ScoreError {
                        code: f.code as i32,
                        field: f.field,
                        message: f.message,
                    }),
                };
                let msg = pb::ScoreStreamResponse {
                    customer_id,
                    result: Some(result),
                };
                if tx.send(Ok(msg)).await.is_err() {
                    // The caller went away.
                    break;
                }
            }
            metrics::counter!("retain_customers_scored_total").increment(scored);
            let _ = admitted.finish(status);
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
