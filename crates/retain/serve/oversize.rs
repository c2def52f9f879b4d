//! A message over `--max-message-bytes` is `RESOURCE_EXHAUSTED`, as the gRPC status-code
//! guide says for size limits. tonic's decoder refuses it with `OUT_OF_RANGE` before any of
//! our code runs (the status travels in the response headers of a trailers-only response);
//! this layer rewrites that code. No RPC of ours returns `OUT_OF_RANGE` itself, so nothing
//! else is affected. Streams see the same error as an item and map it with [`status`].

use http::{HeaderValue, Request, Response};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::{Code, Status};
use tower_layer::Layer;
use tower_service::Service;

/// The layer to add to the server builder.
#[derive(Debug, Clone, Copy, Default)]
pub struct OversizeLayer;

impl<S> Layer<S> for OversizeLayer {
    type Service = Oversize<S>;
    fn layer(&self, inner: S) -> Oversize<S> {
        Oversize(inner)
    }
}

/// The wrapped service.
#[derive(Debug, Clone)]
pub struct Oversize<S>(S);

impl<S, B, R> Service<Request<B>> for Oversize<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<R>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let fut = self.0.call(req);
        Box::pin(async move {
            let mut resp = fut.await?;
            let out_of_range = resp
                .headers()
                .get("grpc-status")
                .is_some_and(|v| v.as_bytes() == b"11");
            if out_of_range {
                let headers = resp.headers_mut();
                headers.insert("grpc-status", HeaderValue::from_static("8"));
            }
            Ok(resp)
        })
    }
}

/// The status a stream reports for a failed inbound message.
pub fn status(s: Status) -> Status {
    if s.code() == Code::OutOfRange {
        Status::resource_exhausted(s.message().to_string())
    } else {
        s
    }
}
