//! The server's settings: the flags of `retain serve` ([`ServeArgs`]) and the validated
//! [`Config`] that [`super::serve`] runs with. Everything a flag names is checked here, before
//! the server binds or announces anything: durations are parsed into bounded [`Duration`]s,
//! limits are non-zero, and the token, TLS and segment-rule files are read.

use super::guard::AuthScope;
use anyhow::{Context, Result};
use clap::{Args, Parser};
use retain_score::monitor::window::MAX_WINDOW;
use retain_score::segments::SegmentRules;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

/// Shortest polling period of `--watch-seconds` (0 turns polling off).
pub const MIN_WATCH: Duration = Duration::from_millis(10);
/// Longest polling period of `--watch-seconds`: one day.
pub const MAX_WATCH: Duration = Duration::from_secs(86_400);
/// Longest `--shutdown-grace-seconds` and `--removal-grace-seconds`: one hour.
pub const MAX_GRACE: Duration = Duration::from_secs(3_600);

/// Flags of `retain serve`; every one can also come from its `RETAIN_*` environment variable.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Directory of model artefacts (`*.json`); every one is loaded, the file stem is its name.
    #[arg(long, env = "RETAIN_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, env = "RETAIN_ADDR", default_value = "127.0.0.1:50051")]
    pub addr: SocketAddr,
    /// Model used by requests that name none [default: the first by name].
    #[arg(long, env = "RETAIN_DEFAULT_MODEL")]
    pub default_model: Option<String>,
    /// Bearer token callers must send (`authorization: Bearer <token>`).
    #[arg(
        long,
        env = "RETAIN_TOKEN",
        hide_env_values = true,
        conflicts_with = "token_file"
    )]
    pub token: Option<String>,
    /// File holding the bearer token (surrounding whitespace ignored).
    #[arg(long, env = "RETAIN_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Which RPCs need the token when one is set: all (health and reflection excepted) or
    /// admin (ReloadModels only).
    #[arg(long, env = "RETAIN_AUTH_SCOPE", value_enum, default_value = "all")]
    pub auth_scope: AuthScope,
    /// Largest ScoreBatch, in customers, at least 1 (larger: RESOURCE_EXHAUSTED).
    #[arg(long, env = "RETAIN_MAX_BATCH", default_value = "100000")]
    pub max_batch: NonZeroUsize,
    /// Largest request message, in bytes, at least 1 (larger: RESOURCE_EXHAUSTED).
    #[arg(long, env = "RETAIN_MAX_MESSAGE_BYTES", default_value = "67108864")]
    pub max_message_bytes: NonZeroUsize,
    /// Requests in flight at once, at least 1 (more: RESOURCE_EXHAUSTED, so callers back off).
    #[arg(long, env = "RETAIN_MAX_CONCURRENT", default_value = "1024")]
    pub max_concurrent: NonZeroUsize,
    /// Serve Prometheus metrics (text format) at http://ADDR/metrics.
    #[arg(long, env = "RETAIN_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// How often to look for changed artefacts and scores, in seconds: 0 (never; SIGHUP and
    /// ReloadModels still reload) or 0.01 to 86400.
    #[arg(long, env = "RETAIN_WATCH_SECONDS", default_value = "1", value_parser = parse_watch)]
    pub watch_seconds: WatchPeriod,
    /// On SIGTERM / ctrl-c, how long in-flight requests may take to finish, in seconds
    /// (0 to 3600).
    #[arg(long, env = "RETAIN_SHUTDOWN_GRACE_SECONDS", default_value = "30", value_parser = parse_grace)]
    pub shutdown_grace_seconds: Duration,
    /// How long a model whose artefact file disappeared keeps serving, in seconds (0 to
    /// 3600), so delete-then-copy deploys lose no request; a file back within it is reloaded.
    #[arg(long, env = "RETAIN_REMOVAL_GRACE_SECONDS", default_value = "30", value_parser = parse_grace)]
    pub removal_grace_seconds: Duration,
    /// TLS certificate chain (PEM); with --tls-key, the server speaks TLS (rustls) only.
    #[arg(long, env = "RETAIN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "RETAIN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Batch scores for the Segments service (ListAtRisk, Summary): a score file or a
    /// directory / glob of scored partitions, as `retain score` writes them; reloaded when
    /// replaced (checked every --watch-seconds).
    #[arg(long, env = "RETAIN_SCORES")]
    pub scores: Option<PathBuf>,
    /// Segment rules (TOML; see `retain score --segments`) for the RFM segment, value tier and
    /// percentile ranks of CLV scores [default: the built-in rules].
    #[arg(long, env = "RETAIN_SEGMENTS")]
    pub segments: Option<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(long, env = "RETAIN_THREADS")]
    pub threads: Option<NonZeroUsize>,
    /// Latest served scores per model that the retain_served_churn_psi gauge covers: 1 to
    /// 10,000,000 (one byte of memory each per model).
    #[arg(long, env = "RETAIN_DRIFT_WINDOW", default_value_t = super::drift::WINDOW, value_parser = parse_drift_window)]
    pub drift_window: usize,
}

/// `--drift-window`: 1..=[`MAX_WINDOW`] scores.
fn parse_drift_window(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of scores"))?;
    if !(1..=MAX_WINDOW).contains(&n) {
        return Err(format!("{n} scores is outside 1 to {MAX_WINDOW}"));
    }
    Ok(n)
}

/// A number of seconds, finite and within `[lo, hi]`.
fn seconds(text: &str, lo: Duration, hi: Duration) -> Result<Duration, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !v.is_finite() || v < lo.as_secs_f64() || v > hi.as_secs_f64() {
        return Err(format!(
            "{text} seconds is outside {} to {}",
            lo.as_secs_f64(),
            hi.as_secs_f64()
        ));
    }
    Duration::try_from_secs_f64(v).map_err(|e| format!("{text} seconds: {e}"))
}

/// The watcher's polling period (None: never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchPeriod(pub Option<Duration>);

/// `--watch-seconds`: 0 (never) or [`MIN_WATCH`]..=[`MAX_WATCH`].
fn parse_watch(text: &str) -> Result<WatchPeriod, String> {
    if text.trim().parse::<f64>() == Ok(0.0) {
        return Ok(WatchPeriod(None));
    }
    seconds(text, MIN_WATCH, MAX_WATCH)
        .map(|d| WatchPeriod(Some(d)))
        .map_err(|e| format!("{e} (0 turns polling off)"))
}

/// `--shutdown-grace-seconds`, `--removal-grace-seconds`: 0..=[`MAX_GRACE`].
fn parse_grace(text: &str) -> Result<Duration, String> {
    seconds(text, Duration::ZERO, MAX_GRACE)
}

/// The validated settings [`super::serve`] runs with.
#[derive(Clone)]
pub struct Config {
    /// Directory of model artefacts.
    pub models: PathBuf,
    /// Model of requests that name none (None: the first by name).
    pub default_model: Option<String>,
    /// Bearer token (None: no authentication).
    pub token: Option<String>,
    /// Which RPCs need the token.
    pub auth_scope: AuthScope,
    /// Largest ScoreBatch.
    pub max_batch: NonZeroUsize,
    /// Largest request message, in bytes.
    pub max_message_bytes: NonZeroUsize,
    /// Requests in flight at once.
    pub max_concurrent: NonZeroUsize,
    /// Polling period of the watcher (None: never).
    pub watch: Option<Duration>,
    /// How long in-flight requests may run after shutdown is asked for.
    pub shutdown_grace: Duration,
    /// TLS identity (None: plain HTTP/2).
    pub tls: Option<tonic::transport::Identity>,
    /// Batch scores for the Segments service.
    pub scores: Option<PathBuf>,
    /// Segment rules of CLV scores.
    pub segments: SegmentRules,
    /// How long a model whose file disappeared keeps serving.
    pub removal_grace: Duration,
    /// Reload the models on SIGHUP (the process's signal, so only `retain serve` sets it).
    pub reload_on_sighup: bool,
    /// Latest served scores per model the PSI gauge covers.
    pub drift_window: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No token and no key material in logs.
        f.debug_struct("Config")
            .field("models", &self.models)
            .field("default_model", &self.default_model)
            .field("auth", &self.token.as_ref().map(|_| self.auth_scope))
            .field("max_batch", &self.max_batch)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("max_concurrent", &self.max_concurrent)
            .field("watch", &self.watch)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("tls", &self.tls.is_some())
            .field("scores", &self.scores)
            .field("removal_grace", &self.removal_grace)
            .field("drift_window", &self.drift_window)
            .finish_non_exhaustive()
    }
}

/// Parses `retain serve` flags alone (for embedding and tests).
#[derive(Debug, Parser)]
#[command(name = "retain serve")]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl Config {
    /// The configuration of these `retain serve` flags (without the program name), e.g.
    /// `["--models", "dir", "--token", "t"]`.
    pub fn from_flags<I, T>(flags: I) -> Result<Config>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args = std::iter::once("retain serve".into()).chain(flags.into_iter().map(Into::into));
        let parsed = ServeOnly::try_parse_from(args.collect::<Vec<std::ffi::OsString>>())?;
        Config::try_from(parsed.args)
    }
}

impl TryFrom<ServeArgs> for Config {
    type Error = anyhow::Error;

    fn try_from(a: ServeArgs) -> Result<Config> {
        let ServeArgs {
            models,
            addr: _,
            default_model,
            token,
            token_file,
            auth_scope,
            max_batch,
            max_message_bytes,
            max_concurrent,
            metrics_addr: _,
            watch_seconds,
            shutdown_grace_seconds,
            removal_grace_seconds,
            tls_cert,
            tls_key,
            scores,
            segments,
            threads: _,
            drift_window,
        } = a;
        if !models.is_dir() {
            anyhow::bail!("--models {} is not a directory", models.display());
        }
        let token = match (token, token_file) {
            (Some(t), _) => Some(t.trim().to_string()),
            (None, Some(f)) => Some(
                std::fs::read_to_string(&f)
                    .with_context(|| format!("reading --token-file {}", f.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        if token.as_deref() == Some("") {
            anyhow::bail!("the bearer token is empty");
        }
        let tls = match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => {
                let read = |flag: &str, p: &PathBuf| {
                    std::fs::read(p).with_context(|| format!("reading {flag} {}", p.display()))
                };
                Some(tonic::transport::Identity::from_pem(
                    read("--tls-cert", &cert)?,
                    read("--tls-key", &key)?,
                ))
            }
            (None, None) => None,
            _ => anyhow::bail!("--tls-cert and --tls-key go together"),
        };
        let segments = SegmentRules::load_or_builtin(segments.as_deref())?;
        Ok(Config {
            models,
            default_model,
            token,
            auth_scope,
            max_batch,
            max_message_bytes,
            max_concurrent,
            watch: watch_seconds.0,
            shutdown_grace: shutdown_grace_seconds,
            tls,
            scores,
            segments,
            removal_grace: removal_grace_seconds,
            reload_on_sighup: false,
            drift_window,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_bounded_and_zero_turns_watching_off() {
        assert_eq!(parse_watch("0"), Ok(WatchPeriod(None)));
        assert_eq!(
            parse_watch("1.5"),
            Ok(WatchPeriod(Some(Duration::from_millis(1500))))
        );
        for bad in ["1e-300", "1e300", "inf", "NaN", "-1", "x", "86401"] {
            assert!(parse_watch(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_grace("0"), Ok(Duration::ZERO));
        assert_eq!(parse_grace("30"), Ok(Duration::from_secs(30)));
        for bad in ["inf", "1e300", "-0.5", "NaN", "3601"] {
            assert!(parse_grace(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_drift_window("1"), Ok(1));
        assert_eq!(parse_drift_window("10000000"), Ok(10_000_000));
        for bad in ["0", "10000001", "-1", "1.5", "x"] {
            assert!(parse_drift_window(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn zero_limits_and_missing_files_are_refused_before_serving() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().to_str().unwrap();
        assert!(Config::from_flags(["--models", models]).is_ok());
        for flag in ["--max-batch", "--max-concurrent", "--max-message-bytes"] {
            let e = Config::from_flags(["--models", models, flag, "0"]).unwrap_err();
            assert!(e.to_string().contains(flag), "{flag}: {e}");
        }
        let e = Config::from_flags([
            "--models",
            models,
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
        ])
        .unwrap_err();
        assert!(
            format!("{e:#}").contains("--tls-cert /nonexistent/cert.pem"),
            "{e:#}"
        );
        let e = Config::from_flags(["--models", "/nonexistent/models"]).unwrap_err();
        assert!(e.to_string().contains("--models"), "{e}");
    }
}
