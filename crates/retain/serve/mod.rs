//! `retain serve`: the gRPC scoring server.
//!
//! # Layout
//! - [`registry`]: the served models, swapped atomically on reload.
//! - [`convert`]: protobuf ↔ domain conversions naming the field at fault.
//! - [`guard`]: bearer token, concurrency limit, deadlines and request metrics.
//! - [`scoring`], [`models`]: the two `retain.v1` services (thin layers over
//!   `retain_score::online`).
//!
//! Standard `grpc.health.v1.Health` and server reflection (v1 and v1alpha) are served beside
//! them; Prometheus metrics on `--metrics-addr`.

mod convert;
mod guard;
mod models;
mod oversize;
mod registry;
mod scoring;
mod segments;

use crate::pb::{
    self, v1::models_server::ModelsServer, v1::scoring_server::ScoringServer,
    v1::segments_server::SegmentsServer,
};
use anyhow::{Context, Result};
use clap::Args;
use guard::{AuthScope, Guard};
use models::{ModelsService, Reloader};
use registry::Registry;
use scoring::ScoringService;
use segments::{ScoreSource, SegmentsService};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;

/// Flags of `retain serve`; every one can also come from its `RETAIN_*` environment variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Directory of model artefacts (`*.json`); every one is loaded, the file stem is its name.
    #[arg(long, env = "RETAIN_MODELS", default_value = "models")]
    models: PathBuf,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, env = "RETAIN_ADDR", default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Model used by requests that name none [default: the first by name].
    #[arg(long, env = "RETAIN_DEFAULT_MODEL")]
    default_model: Option<String>,
    /// Bearer token callers must send (`authorization: Bearer <token>`).
    #[arg(
        long,
        env = "RETAIN_TOKEN",
        hide_env_values = true,
        conflicts_with = "token_file"
    )]
    token: Option<String>,
    /// File holding the bearer token (surrounding whitespace ignored).
    #[arg(long, env = "RETAIN_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Which RPCs need the token when one is set: all (health and reflection excepted) or
    /// admin (ReloadModels only).
    #[arg(long, env = "RETAIN_AUTH_SCOPE", value_enum, default_value = "all")]
    auth_scope: AuthScope,
    /// Largest ScoreBatch, in customers (larger: RESOURCE_EXHAUSTED).
    #[arg(long, env = "RETAIN_MAX_BATCH", default_value_t = 100_000)]
    max_batch: usize,
    /// Largest request message, in bytes (larger: refused by the transport).
    #[arg(long, env = "RETAIN_MAX_MESSAGE_BYTES", default_value_t = 64 << 20)]
    max_message_bytes: usize,
    /// Requests in flight at once (more: RESOURCE_EXHAUSTED, so callers back off).
    #[arg(long, env = "RETAIN_MAX_CONCURRENT", default_value_t = 1024)]
    max_concurrent: usize,
    /// Serve Prometheus metrics (text format) at http://ADDR/metrics.
    #[arg(long, env = "RETAIN_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// How often to look for changed artefacts in the model directory, in seconds (0: never;
    /// SIGHUP and ReloadModels still reload).
    #[arg(long, env = "RETAIN_WATCH_SECONDS", default_value_t = 1.0)]
    watch_seconds: f64,
    /// On SIGTERM / ctrl-c, how long in-flight requests may take to finish, in seconds.
    #[arg(long, env = "RETAIN_SHUTDOWN_GRACE_SECONDS", default_value_t = 30.0)]
    shutdown_grace_seconds: f64,
    /// TLS certificate chain (PEM); with --tls-key, the server speaks TLS (rustls) only.
    #[arg(long, env = "RETAIN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "RETAIN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Batch scores for the Segments service (ListAtRisk, Summary): a score file or a
    /// directory / glob of scored partitions, as `retain score` writes them; reloaded when
    /// replaced (checked every --watch-seconds).
    #[arg(long, env = "RETAIN_SCORES")]
    scores: Option<PathBuf>,
    /// Segment rules (TOML; see `retain score --segments`) for the RFM segment, value tier and
    /// percentile ranks of CLV scores [default: the built-in rules].
    #[arg(long, env = "RETAIN_SEGMENTS")]
    segments: Option<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(long, env = "RETAIN_THREADS")]
    threads: Option<usize>,
}

/// Runs `retain serve` until SIGTERM or ctrl-c.
pub fn run(a: ServeArgs) -> Result<()> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(t) = a.threads {
        rt.worker_threads(t.max(1));
    }
    rt.enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(a))
}

fn token(a: &ServeArgs) -> Result<Option<String>> {
    let t = match (&a.token, &a.token_file) {
        (Some(t), _) => Some(t.trim().to_string()),
        (None, Some(f)) => Some(
            std::fs::read_to_string(f)
                .with_context(|| format!("reading --token-file {}", f.display()))?
                .trim()
                .to_string(),
        ),
        (None, None) => None,
    };
    if t.as_deref() == Some("") {
        anyhow::bail!("the bearer token is empty");
    }
    Ok(t)
}

async fn serve(a: ServeArgs) -> Result<()> {
    let token = token(&a)?;
    if !a.models.is_dir() {
        anyhow::bail!("--models {} is not a directory", a.models.display());
    }
    if let Some(addr) = a.metrics_addr {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(
                    "retain_request_duration_seconds".into(),
                ),
                &[
                    50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3, 1.0,
                ],
            )?
            .install()
            .context("starting the metrics endpoint")?;
        tracing::info!(%addr, "Prometheus metrics at /metrics");
    }
    let (health, health_service) = tonic_health::server::health_reporter();
    let rules = retain_score::segments::SegmentRules::load_or_builtin(a.segments.as_deref())?;
    let registry = Arc::new(Registry::new(
        a.models.clone(),
        a.default_model.clone(),
        rules,
    ));
    let reloader = Reloader {
        registry: registry.clone(),
        health,
    };
    let report = reloader.reload("start").await;
    if registry.snapshot().models.is_empty() {
        tracing::warn!(
            dir = %a.models.display(),
            refused = report.refused.len(),
            "no model loaded: health is NOT_SERVING until one is"
        );
    }
    let guard = Arc::new(Guard::new(
        token.clone(),
        a.auth_scope,
        a.max_concurrent.max(1),
    ));
    let scores = match &a.scores {
        Some(p) => {
            let source = ScoreSource::open(p.clone())
                .await
                .with_context(|| format!("--scores {}", p.display()))?;
            source.watch(a.watch_seconds);
            Some(source)
        }
        None => None,
    };
    let segments = SegmentsServer::new(SegmentsService {
        source: scores,
        guard: guard.clone(),
    })
    .max_decoding_message_size(a.max_message_bytes);
    let scoring = ScoringServer::new(ScoringService {
        registry: registry.clone(),
        guard: guard.clone(),
        max_batch: a.max_batch.max(1),
    })
    .max_decoding_message_size(a.max_message_bytes);
    let models = ModelsServer::new(ModelsService {
        reloader: reloader.clone(),
        guard,
    })
    .max_decoding_message_size(a.max_message_bytes);
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .with_context(|| format!("binding {}", a.addr))?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, models = registry.snapshot().models.len(), auth = token.is_some(), "serving retain.v1");
    // Signal handlers are installed before the address is announced, so a supervisor that
    // signals right after reading it is heard.
    let stop = stop_signal()?;
    // Machine-readable line for supervisors and tests (port 0 → the port chosen).
    println!("listening on {local}");

    spawn_reload_triggers(reloader.clone(), a.watch_seconds);

    let shutdown = Arc::new(tokio::sync::Notify::new());
    let signalled = shutdown.clone();
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
    if let (Some(cert), Some(key)) = (&a.tls_cert, &a.tls_key) {
        let read = |p: &PathBuf| {
            std::fs::read(p).with_context(|| format!("reading TLS file {}", p.display()))
        };
        let identity = tonic::transport::Identity::from_pem(read(cert)?, read(key)?);
        builder = builder
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .context("TLS configuration")?;
        tracing::info!(cert = %cert.display(), "TLS on");
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
            stop.await;
            tracing::info!("shutting down: no new connections, draining in-flight requests");
            signalled.notify_one();
        });
    let grace = Duration::from_secs_f64(a.shutdown_grace_seconds.max(0.0));
    tokio::select! {
        r = server => r.context("gRPC server")?,
        _ = async { shutdown.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_seconds = grace.as_secs_f64(), "in-flight requests still running after the grace period; exiting");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// A future that resolves on SIGTERM or ctrl-c (SIGINT); the handlers are installed now.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
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

/// Reload on SIGHUP and when the model directory changes (polled: a scan of a handful of
/// file sizes and times each second is cheap, and polling sees atomic renames and network
/// file systems that inotify-style watchers miss).
fn spawn_reload_triggers(reloader: Reloader, watch_seconds: f64) {
    #[cfg(unix)]
    {
        let r = reloader.clone();
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut hup) => {
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        r.reload("SIGHUP").await;
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "no SIGHUP reload"),
        }
    }
    if watch_seconds > 0.0 && watch_seconds.is_finite() {
        tokio::spawn(async move {
            let dir = reloader.registry.dir().to_path_buf();
            let state = |d: PathBuf| async move {
                tokio::task::spawn_blocking(move || registry::directory_state(&d))
                    .await
                    .unwrap_or_default()
            };
            let mut last = state(dir.clone()).await;
            let mut tick = tokio::time::interval(Duration::from_secs_f64(watch_seconds));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = state(dir.clone()).await;
                if now != last {
                    // Let a writer that is not atomic finish before reading.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    last = state(dir.clone()).await;
                    reloader.reload("directory change").await;
                }
            }
        });
    }
}
