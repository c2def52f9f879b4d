//! The gRPC scoring server: [`serve`] runs it on a bound listener with a validated
//! [`Config`] until a shutdown future resolves; [`run`] is `retain serve` (flags, signals,
//! metrics endpoint, the "listening on" line).
//!
//! # Layout
//! - [`config`]: the flags and the validated configuration.
//! - [`registry`]: the served models, swapped atomically on reload.
//! - [`watch`]: the one poller that reloads models and scores when their files change.
//! - [`convert`]: protobuf ↔ domain conversions naming the field at fault.
//! - [`status`]: the one mapping from a refusal to a gRPC status.
//! - [`guard`]: bearer token, concurrency limit, deadlines and request metrics.
//! - [`scoring`], [`models`], [`segments`]: the three `retain.v1` services (thin layers over
//!   `retain_score::online` and `retain_score::score_store`).
//!
//! Standard `grpc.health.v1.Health` and server reflection (v1 and v1alpha) are served beside
//! them; Prometheus metrics on `--metrics-addr`.

pub mod config;
pub mod convert;
mod drift;
pub mod guard;
mod models;
mod oversize;
mod registry;
mod scoring;
mod segments;
pub mod status;
mod watch;

pub use config::{Config, ServeArgs};

use crate::pb::{
    self, v1::models_server::ModelsServer, v1::scoring_server::ScoringServer,
    v1::segments_server::SegmentsServer,
};
use anyhow::{Context, Result};
use guard::Guard;
use models::{ModelsService, Reloader};
use registry::Registry;
use scoring::ScoringService;
use segments::{ScoreSource, SegmentsService};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;

/// Runs `retain serve` until SIGTERM or ctrl-c.
pub fn run(a: ServeArgs) -> Result<()> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(t) = a.threads {
        rt.worker_threads(t.get());
    }
    let (addr, metrics_addr) = (a.addr, a.metrics_addr);
    // Every flag is checked (and every file it names read) before anything is bound.
    let mut config = Config::try_from(a)?;
    config.reload_on_sighup = true;
    rt.enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(async move {
            if let Some(m) = metrics_addr {
                install_metrics(m)?;
            }
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            // Signal handlers are installed before the address is announced, so a supervisor
            // that signals right after reading it is heard.
            let stop = stop_signal()?;
            // Machine-readable line for supervisors and tests (port 0 → the port chosen).
            println!("listening on {}", listener.local_addr()?);
            serve(listener, config, stop).await
        })
}

/// The Prometheus endpoint (process-wide: one recorder per process).
fn install_metrics(addr: std::net::SocketAddr) -> Result<()> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full("retain_request_duration_seconds".into()),
            &[
                50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3, 1.0,
            ],
        )?
        .set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full("retain_served_churn_probability".into()),
            &drift::BUCKETS,
        )?
        .install()
        .context("starting the metrics endpoint")?;
    tracing::info!(%addr, "Prometheus metrics at /metrics");
    Ok(())
}

/// Serves `retain.v1` (Scoring, Models, Segments), health and reflection on `listener` until
/// `shutdown` resolves; then stops accepting connections and lets in-flight requests finish
/// for up to `config.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let Config {
        models: models_dir,
        default_model,
        token,
        auth_scope,
        max_batch,
        max_message_bytes,
        max_concurrent,
        watch: watch_every,
        shutdown_grace,
        tls,
        scores,
        segments: rules,
        removal_grace,
        reload_on_sighup,
        drift_window,
    } = config;
    let max_message_bytes = max_message_bytes.get();
    let (health, health_service) = tonic_health::server::health_reporter();
    let registry = Arc::new(Registry::new(
        models_dir.clone(),
        default_model,
        rules,
        removal_grace,
        drift_window,
    ));
    let reloader = Reloader::new(registry.clone(), health);
    let due_reloads = reloader.spawn_due_reloads();
    let report = reloader.reload("start").await;
    if registry.snapshot().models.is_empty() {
        tracing::warn!(
            dir = %models_dir.display(),
            refused = report.refused.len(),
            "no model loaded: health is NOT_SERVING until one is"
        );
    }
    let auth = token.is_some();
    let guard = Arc::new(Guard::new(token, auth_scope, max_concurrent.get()));
    let scores = match &scores {
        Some(p) => Some(
            ScoreSource::open(p.clone())
                .await
                .with_context(|| format!("--scores {}", p.display()))?,
        ),
        None => None,
    };
    let watcher = watch_every.map(|every| watch::spawn(every, watched(&reloader, &scores)));
    let sighup = reload_on_sighup.then(|| spawn_sighup_reload(reloader.clone()));
    let segments = SegmentsServer::new(SegmentsService {
        source: scores,
        guard: guard.clone(),
    })
    .max_decoding_message_size(max_message_bytes);
    let scoring = ScoringServer::new(ScoringService {
        registry: registry.clone(),
        guard: guard.clone(),
        max_batch: max_batch.get(),
    })
    .max_decoding_message_size(max_message_bytes);
    let models = ModelsServer::new(ModelsService { reloader, guard })
        .max_decoding_message_size(max_message_bytes);
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let local = listener.local_addr()?;
    tracing::info!(addr = %local, models = registry.snapshot().models.len(), auth, tls = tls.is_some(), "serving retain.v1");
    let draining = Arc::new(tokio::sync::Notify::new());
    let signalled = draining.clone();
    // Small unary replies must not wait for Nagle's algorithm (measured: 40 ms stalls).
    let incoming = TcpListenerStream::new(listener).map(|s| {
        if let Ok(s) = &s
            && let Err(e) = s.set_nodelay(true)
        {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
        s
    });
    let mut builder = tonic::transport::Server::builder();
    if let Some(identity) = tls {
        builder = builder
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .context("TLS configuration")?;
    }
    let server = builder
        .layer(oversize::OversizeLayer)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(scoring)
        .add_service(models)
        .add_service(segments)
        .serve_with_incoming_shutdown(incoming, async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections, draining in-flight requests");
            signalled.notify_one();
        });
    let result = tokio::select! {
        r = server => r.context("gRPC server"),
        _ = async { draining.notified().await; tokio::time::sleep(shutdown_grace).await } => {
            tracing::warn!(grace_seconds = shutdown_grace.as_secs_f64(), "in-flight requests still running after the grace period; exiting");
            Ok(())
        }
    };
    for task in watcher
        .into_iter()
        .chain(sighup.flatten())
        .chain([due_reloads])
    {
        task.abort();
    }
    tracing::info!("stopped");
    result
}

/// What the watcher keeps fresh: the model directory and, with `--scores`, the scores.
fn watched(reloader: &Reloader, scores: &Option<Arc<ScoreSource>>) -> Vec<watch::Watched> {
    let r = reloader.clone();
    let registry = reloader.registry.clone();
    let mut out = vec![watch::Watched {
        what: "models",
        state: Arc::new(move || watch::file_state(registry.files())),
        reload: Arc::new(move || {
            let r = r.clone();
            Box::pin(async move {
                r.reload("directory change").await;
            })
        }),
    }];
    if let Some(source) = scores {
        let (s1, s2) = (source.clone(), source.clone());
        out.push(watch::Watched {
            what: "scores",
            state: Arc::new(move || watch::file_state(s1.files())),
            reload: Arc::new(move || {
                let s = s2.clone();
                // A refused reload keeps the previous scores and is logged by `reload`.
                Box::pin(async move {
                    let _ = s.reload().await;
                })
            }),
        });
    }
    out
}

/// A future that resolves on SIGTERM or ctrl-c (SIGINT); the handlers are installed now.
fn stop_signal() -> Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Reloads the models on SIGHUP (unix); None where there is no SIGHUP.
fn spawn_sighup_reload(reloader: Reloader) -> Option<tokio::task::JoinHandle<()>> {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut hup) => Some(tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    reloader.reload("SIGHUP").await;
                }
            })),
            Err(e) => {
                tracing::warn!(error = %e, "no SIGHUP reload");
                None
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = reloader;
        None
    }
}
