//! Load benchmark of `retain serve` (the tonic gRPC server), over loopback.
//!
//! Run with `cargo build --release --bin retain && cargo bench --bench serve_load`.
//!
//! # Method
//! The bench starts the release server binary (`target/release/retain`, found next to the
//! bench's own `target/release/deps/` directory) on port 0, serving a copy of
//! `models/cdnow.json` from a temporary directory, and drives it from an independent tokio
//! client over several HTTP/2 connections (one tonic `Channel` each). The requests are
//! summary-input CLV requests for a pool of varied, deterministic pseudo-random customers.
//!
//! - **Open loop** (`Score` at fixed rates): a pacing thread schedules request *i* at
//!   `start + i / rate` and hands it to the runtime at that time, whatever the server is
//!   doing; latency is measured from the *scheduled* send time, so a stalled server is not
//!   hidden by a stalled generator (no coordinated omission). The part of it spent before the
//!   request left the client (pacing-thread wake-up lateness) is reported separately.
//! - **Closed loop** (`Score` max throughput): many workers, each with one request in
//!   flight, until a total number of requests (1M by default) is done; this also is the
//!   sustained load after which the server's memory is checked.
//! - **ScoreBatch**: a few sequential calls of 10,000 customers each.
//! - **ScoreStream**: one bidirectional stream of 1M requests, sent and received
//!   concurrently; customers/s is from the call to the last response.
//! - **Memory**: the server's VmRSS (`/proc/PID/status`) idle before load, at 10% and 100% of
//!   the 1M `Score` requests, after each ScoreBatch call, at 10% and 100% of the stream, and at
//!   the end. Growth *during* a repeated workload would be a leak; a step when a new kind of
//!   work starts (ScoreBatch's larger messages) is its working set kept by the allocator.
//! - **CPU**: per phase, the client's and the server's CPU time (`/proc/*/stat`) and the rest
//!   of the machine's (`/proc/stat`), in % of one core. On a small machine the generator
//!   competes with the server for the cores, so the numbers are a lower bound of what the
//!   server does with the machine to itself.
//! - **h2load** (optional, when `h2load` from nghttp2-client is on the PATH): unary `Score`
//!   with a pre-framed gRPC body, as a second, independent client.
//!
//! # Settings (environment)
//! `RETAIN_BENCH_SECONDS` (10, per open-loop rate), `RETAIN_BENCH_RATES` ("1000,5000"),
//! `RETAIN_BENCH_CONNECTIONS` (4), `RETAIN_BENCH_CONCURRENCY` (128, closed-loop in-flight
//! requests; the server refuses more than 1024), `RETAIN_BENCH_SOAK` (1000000 closed-loop
//! `Score` requests), `RETAIN_BENCH_BATCH` (10000), `RETAIN_BENCH_BATCH_CALLS` (5),
//! `RETAIN_BENCH_STREAM` (1000000), `RETAIN_BENCH_H2LOAD` (1; 0 skips it),
//! `RETAIN_BENCH_BIN` (the server binary, instead of `target/release/retain`).
// Table rows are printed with aligned literal cells.
#![allow(clippy::print_literal)]

#[allow(dead_code, clippy::all)]
mod pb {
    tonic::include_proto!("retain.v1");
}

use anyhow::{Context, Result, bail, ensure};
use pb::scoring_client::ScoringClient;
use prost::Message;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

type Client = ScoringClient<Channel>;

/// Distinct customers in the request pool (also the ScoreBatch size by default).
const POOL: usize = 10_000;
/// Acceptance targets.
const TARGET_P99_MS: f64 = 1.0;
const TARGET_STREAM_PER_S: f64 = 500_000.0;
const TARGET_RSS_GROWTH_MIB: f64 = 5.0;
/// CPU use by the rest of the machine (% of one core) above which a phase is flagged noisy.
const BUSY_OTHER_PCT: f64 = 25.0;

// ---------------------------------------------------------------------------------------------
// Settings

struct Config {
    seconds: f64,
    rates: Vec<f64>,
    connections: usize,
    concurrency: usize,
    soak: u64,
    batch: usize,
    batch_calls: usize,
    stream: usize,
    h2load: bool,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

impl Config {
    fn from_env() -> Config {
        let rates = std::env::var("RETAIN_BENCH_RATES")
            .ok()
            .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
            .filter(|r: &Vec<f64>| !r.is_empty())
            .unwrap_or_else(|| vec![1000.0, 5000.0]);
        Config {
            seconds: env_or("RETAIN_BENCH_SECONDS", 10.0_f64).max(0.5),
            rates,
            connections: env_or("RETAIN_BENCH_CONNECTIONS", 4_usize).max(1),
            concurrency: env_or("RETAIN_BENCH_CONCURRENCY", 128_usize).max(1),
            soak: env_or("RETAIN_BENCH_SOAK", 1_000_000_u64).max(1),
            batch: env_or("RETAIN_BENCH_BATCH", POOL).max(1),
            batch_calls: env_or("RETAIN_BENCH_BATCH_CALLS", 5_usize).max(1),
            stream: env_or("RETAIN_BENCH_STREAM", 1_000_000_usize).max(1),
            h2load: env_or("RETAIN_BENCH_H2LOAD", 1_u8) != 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server process

/// The server process, killed on drop.
struct Server {
    child: Child,
    addr: String,
    _stdout: ChildStdout,
    _dir: tempfile::TempDir,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release server binary: `$RETAIN_BENCH_BIN`, else `target/release/retain` (this bench
/// runs from `target/release/deps/`).
fn server_binary() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("RETAIN_BENCH_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().context("locating the bench executable")?;
    let release = exe
        .parent()
        .and_then(Path::parent)
        .context("the bench executable has no grandparent directory")?;
    let bin = release.join(format!("retain{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        bail!(
            "the server binary {} is missing: run `cargo build --release --bin retain` first",
            bin.display()
        );
    }
    Ok(bin)
}

/// Starts `retain serve` on a free loopback port with a copy of the CDNOW model.
fn start_server(bin: &Path) -> Result<Server> {
    let dir = tempfile::tempdir()?;
    let models = dir.path().join("models");
    std::fs::create_dir(&models)?;
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    std::fs::copy(&source, models.join("cdnow.json"))
        .with_context(|| format!("copying {}", source.display()))?;
    let log = std::fs::File::create(dir.path().join("server.log"))?;
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(&models)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut stdout = BufReader::new(child.stdout.take().context("no server stdout")?);
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    let Some(addr) = line.trim().strip_prefix("listening on ") else {
        let _ = child.kill();
        let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
        bail!("the server did not start (first line {line:?}); its log:\n{log}");
    };
    Ok(Server {
        addr: addr.to_string(),
        child,
        _stdout: stdout.into_inner(),
        _dir: dir,
    })
}

/// One client per HTTP/2 connection.
async fn connect(addr: &str, n: usize) -> Result<Vec<Client>> {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        let channel = Channel::from_shared(format!("http://{addr}"))?
            .tcp_nodelay(true)
            .connect()
            .await
            .context("connecting to the server")?;
        clients.push(
            ScoringClient::new(channel)
                .max_decoding_message_size(256 << 20)
                .max_encoding_message_size(256 << 20),
        );
    }
    Ok(clients)
}

// ---------------------------------------------------------------------------------------------
// Requests

/// SplitMix64: a small deterministic generator, so every run sends the same customers.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A valid summary-input CLV request for customer `i`: 0–14 repeat purchases over 1–78 weeks.
fn customer_request(i: usize, rng: &mut SplitMix) -> pb::ScoreRequest {
    let x = (rng.next() % 15) as u32;
    let t = 1.0 + 77.0 * rng.unit();
    let t_x = if x == 0 {
        0.0
    } else {
        (t * rng.unit()).max(0.1).min(t)
    };
    pb::ScoreRequest {
        model: "cdnow".into(),
        customer_id: format!("customer-{i:06}"),
        horizon: Some(pb::Duration {
            value: 52.0,
            unit: pb::TimeUnit::Week as i32,
        }),
        input: Some(pb::score_request::Input::Summary(pb::CustomerSummary {
            x,
            t_x,
            t,
            monetary_value: if x == 0 {
                0.0
            } else {
                5.0 + 195.0 * rng.unit()
            },
            time_unit: pb::TimeUnit::Week as i32,
        })),
    }
}

fn request_pool(n: usize) -> Arc<Vec<pb::ScoreRequest>> {
    let mut rng = SplitMix(0x5EED);
    Arc::new((0..n).map(|i| customer_request(i, &mut rng)).collect())
}

/// One request, checked: the server must answer with a CLV score for that customer.
async fn score_checked(client: &mut Client, r: pb::ScoreRequest) -> Result<pb::ScoreResponse> {
    let id = r.customer_id.clone();
    let s = client.score(r).await?.into_inner();
    ensure!(
        s.customer_id == id && s.clv.is_some() && s.p_alive.is_some(),
        "unexpected response {s:?}"
    );
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Resource use, from /proc

/// The VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of a process (`self` or a PID), in clock ticks (USER_HZ = 100).
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is the first, utime the
    // 12th, stime the 13th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Busy clock ticks of the whole machine, all cores.
fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    Some(
        f.iter()
            .take(8)
            .enumerate()
            .filter(|(i, _)| *i != 3 && *i != 4)
            .map(|(_, v)| v)
            .sum(),
    )
}

/// CPU use over a phase, in % of one core.
#[derive(Clone, Copy, Default)]
struct CpuUse {
    client: f64,
    server: f64,
    other: f64,
}

struct CpuMeter {
    start: Instant,
    client: u64,
    server: u64,
    machine: u64,
    pid: String,
}

impl CpuMeter {
    fn start(server_pid: u32) -> CpuMeter {
        let pid = server_pid.to_string();
        CpuMeter {
            start: Instant::now(),
            client: cpu_ticks("self").unwrap_or(0),
            server: cpu_ticks(&pid).unwrap_or(0),
            machine: machine_busy_ticks().unwrap_or(0),
            pid,
        }
    }

    fn stop(&self) -> CpuUse {
        let wall_ticks = self.start.elapsed().as_secs_f64() * 100.0;
        let client = cpu_ticks("self").unwrap_or(0).saturating_sub(self.client) as f64;
        let server = cpu_ticks(&self.pid)
            .unwrap_or(0)
            .saturating_sub(self.server) as f64;
        let machine = machine_busy_ticks()
            .unwrap_or(0)
            .saturating_sub(self.machine) as f64;
        let pct = |t: f64| 100.0 * t / wall_ticks.max(1.0);
        CpuUse {
            client: pct(client),
            server: pct(server),
            other: pct((machine - client - server).max(0.0)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// Latency percentiles, in milliseconds, from samples in nanoseconds.
#[derive(Clone, Copy, Default)]
struct Percentiles {
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
}

fn percentiles(mut ns: Vec<u64>) -> Percentiles {
    if ns.is_empty() {
        return Percentiles::default();
    }
    ns.sort_unstable();
    let at = |q: f64| {
        let i = ((q * ns.len() as f64).ceil() as usize).clamp(1, ns.len()) - 1;
        ns[i] as f64 / 1e6
    };
    Percentiles {
        p50: at(0.50),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
    }
}

/// What one load phase did.
struct Phase {
    name: String,
    wall: Duration,
    requests: u64,
    errors: u64,
    cpu: CpuUse,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }
}

// ---------------------------------------------------------------------------------------------
// Open loop: Score at a fixed rate

/// One request of the open loop.
struct Sample {
    /// From the scheduled send time to the response.
    from_schedule_ns: u64,
    /// From the actual send time to the response.
    from_send_ns: u64,
    /// From the scheduled to the actual send time (client lateness).
    send_lag_ns: u64,
    ok: bool,
}

struct OpenLoop {
    phase: Phase,
    /// The scheduled rate, requests/s.
    rate: f64,
    /// From the scheduled send time (the headline numbers).
    latency: Percentiles,
    /// From the actual send time.
    service: Percentiles,
    send_lag: Percentiles,
    /// Completions per second of wall time from first schedule to last response.
    achieved: f64,
}

/// Sends `rate` requests/s for `seconds`, round-robin over the clients, each at its scheduled
/// time (pacing thread) whatever the responses do.
async fn open_loop(
    clients: &[Client],
    pool: &Arc<Vec<pb::ScoreRequest>>,
    rate: f64,
    seconds: f64,
    server_pid: u32,
) -> Result<OpenLoop> {
    let n = (rate * seconds).round().max(1.0) as usize;
    let handle = tokio::runtime::Handle::current();
    let (clients, pool) = (clients.to_vec(), pool.clone());
    let cpu = CpuMeter::start(server_pid);
    let start = Instant::now() + Duration::from_millis(20);
    let tasks = tokio::task::spawn_blocking(move || {
        (0..n)
            .map(|i| {
                let scheduled = start + Duration::from_secs_f64(i as f64 / rate);
                let now = Instant::now();
                if scheduled > now {
                    std::thread::sleep(scheduled - now);
                }
                let mut client = clients[i % clients.len()].clone();
                let request = pool[i % pool.len()].clone();
                handle.spawn(async move {
                    let sent = Instant::now();
                    let ok = client.score(request).await.is_ok();
                    let done = Instant::now();
                    Sample {
                        from_schedule_ns: (done - scheduled).as_nanos() as u64,
                        from_send_ns: (done - sent).as_nanos() as u64,
                        send_lag_ns: sent.saturating_duration_since(scheduled).as_nanos() as u64,
                        ok,
                    }
                })
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let mut samples = Vec::with_capacity(n);
    for t in tasks {
        samples.push(t.await?);
    }
    let wall = start.elapsed();
    let errors = samples.iter().filter(|s| !s.ok).count() as u64;
    let latency = percentiles(samples.iter().map(|s| s.from_schedule_ns).collect());
    let service = percentiles(samples.iter().map(|s| s.from_send_ns).collect());
    let send_lag = percentiles(samples.iter().map(|s| s.send_lag_ns).collect());
    Ok(OpenLoop {
        phase: Phase {
            name: format!("Score open loop @ {rate:.0}/s"),
            wall,
            requests: n as u64,
            errors,
            cpu: cpu.stop(),
        },
        rate,
        latency,
        service,
        send_lag,
        achieved: n as f64 / wall.as_secs_f64(),
    })
}

// ---------------------------------------------------------------------------------------------
// Closed loop: Score max throughput (and the 1M-request soak)

struct ClosedLoop {
    phase: Phase,
    latency: Percentiles,
    /// Server RSS after 10% of the requests, in KiB.
    rss_early_kib: Option<u64>,
}

/// `total` requests from `concurrency` workers, each with one request in flight.
async fn closed_loop(
    clients: &[Client],
    pool: &Arc<Vec<pb::ScoreRequest>>,
    total: u64,
    concurrency: usize,
    server_pid: u32,
) -> Result<ClosedLoop> {
    let issued = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let cpu = CpuMeter::start(server_pid);
    let start = Instant::now();
    let early_rss = tokio::spawn(rss_when(done.clone(), total / 10, server_pid));
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let mut client = clients[w % clients.len()].clone();
            let (pool, issued, done) = (pool.clone(), issued.clone(), done.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                loop {
                    let i = issued.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let request = pool[i as usize % pool.len()].clone();
                    let sent = Instant::now();
                    if client.score(request).await.is_err() {
                        errors += 1;
                    }
                    latencies.push(sent.elapsed().as_nanos() as u64);
                    done.fetch_add(1, Ordering::Relaxed);
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total as usize);
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await?;
        latencies.extend(l);
        errors += e;
    }
    let wall = start.elapsed();
    let cpu = cpu.stop();
    early_rss.abort();
    let rss_early_kib = early_rss.await.ok().flatten();
    Ok(ClosedLoop {
        phase: Phase {
            name: format!("Score closed loop, {concurrency} in flight"),
            wall,
            requests: total,
            errors,
            cpu,
        },
        latency: percentiles(latencies),
        rss_early_kib,
    })
}

/// The server's RSS once `done` reaches `at`.
async fn rss_when(done: Arc<AtomicU64>, at: u64, pid: u32) -> Option<u64> {
    while done.load(Ordering::Relaxed) < at {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    rss_kib(pid)
}

// ---------------------------------------------------------------------------------------------
// ScoreBatch and ScoreStream

struct BatchRun {
    phase: Phase,
    /// Customers per call.
    size: usize,
    /// Server RSS after each call, in KiB.
    rss_per_call: Vec<Option<u64>>,
    /// Wall time per call, in ms.
    per_call: Percentiles,
    customers_per_s: f64,
}

impl BatchRun {
    /// RSS growth over the second half of the calls, once the working set of one call is in
    /// place.
    fn steady_growth_mib(&self) -> Option<f64> {
        let mid = (self.rss_per_call.len().max(1) - 1) / 2;
        growth_mib(*self.rss_per_call.get(mid)?, *self.rss_per_call.last()?)
    }
}

/// `calls` sequential ScoreBatch calls of `size` customers.
async fn score_batch(
    client: &Client,
    pool: &Arc<Vec<pb::ScoreRequest>>,
    size: usize,
    calls: usize,
    server_pid: u32,
) -> Result<BatchRun> {
    let mut client = client.clone();
    let requests: Vec<_> = (0..size).map(|i| pool[i % pool.len()].clone()).collect();
    let cpu = CpuMeter::start(server_pid);
    let start = Instant::now();
    let mut times = Vec::with_capacity(calls);
    let mut rss_per_call = Vec::with_capacity(calls);
    for _ in 0..calls {
        let batch = pb::ScoreBatchRequest {
            requests: requests.clone(),
        };
        let t = Instant::now();
        let responses = client.score_batch(batch).await?.into_inner().responses;
        times.push(t.elapsed().as_nanos() as u64);
        ensure!(
            responses.len() == size,
            "{} responses for {size}",
            responses.len()
        );
        rss_per_call.push(rss_kib(server_pid));
    }
    let wall = start.elapsed();
    let total: u64 = times.iter().sum();
    Ok(BatchRun {
        phase: Phase {
            name: format!("ScoreBatch {calls} × {size}"),
            wall,
            requests: (calls * size) as u64,
            errors: 0,
            cpu: cpu.stop(),
        },
        size,
        rss_per_call,
        per_call: percentiles(times),
        customers_per_s: (calls * size) as f64 / (total as f64 / 1e9),
    })
}

struct StreamRun {
    phase: Phase,
    /// Server RSS after 10% of the responses, in KiB.
    rss_early_kib: Option<u64>,
}

/// One ScoreStream of `n` requests; responses are counted (and their order checked) while the
/// requests are still being sent.
async fn score_stream(
    client: &Client,
    pool: &Arc<Vec<pb::ScoreRequest>>,
    n: usize,
    server_pid: u32,
) -> Result<StreamRun> {
    let mut client = client.clone();
    let outbound = {
        let pool = pool.clone();
        tokio_stream::iter((0..n).map(move |i| pool[i % pool.len()].clone()))
    };
    let cpu = CpuMeter::start(server_pid);
    let start = Instant::now();
    let mut inbound = client.score_stream(outbound).await?.into_inner();
    let (mut received, mut errors) = (0usize, 0u64);
    let mut rss_early_kib = None;
    while let Some(item) = inbound.message().await? {
        if received == n / 10 {
            rss_early_kib = rss_kib(server_pid);
        }
        ensure!(
            item.customer_id == pool[received % pool.len()].customer_id,
            "response {received} out of order"
        );
        if !matches!(
            item.result,
            Some(pb::score_stream_response::Result::Score(_))
        ) {
            errors += 1;
        }
        received += 1;
    }
    ensure!(received == n, "{received} responses for {n} requests");
    Ok(StreamRun {
        phase: Phase {
            name: format!("ScoreStream 1 × {n}"),
            wall: start.elapsed(),
            requests: n as u64,
            errors,
            cpu: cpu.stop(),
        },
        rss_early_kib,
    })
}

// ---------------------------------------------------------------------------------------------
// h2load (optional)

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A gRPC length-prefixed message: uncompressed flag, big-endian length, the message.
fn grpc_frame(r: &pb::ScoreRequest) -> Vec<u8> {
    let body = r.encode_to_vec();
    let mut framed = Vec::with_capacity(body.len() + 5);
    framed.push(0);
    framed.extend_from_slice(&(body.len() as u32).to_be_bytes());
    framed.extend_from_slice(&body);
    framed
}

/// Runs h2load against unary Score and returns its summary lines.
fn run_h2load(h2load: &Path, addr: &str, extra: &[String]) -> Result<Vec<String>> {
    let dir = tempfile::tempdir()?;
    let body = dir.path().join("score.grpc");
    std::fs::write(&body, grpc_frame(&request_pool(1)[0]))?;
    let out = Command::new(h2load)
        .args(extra)
        .arg("-d")
        .arg(&body)
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
        .arg(format!("http://{addr}/retain.v1.Scoring/Score"))
        .output()
        .context("running h2load")?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter(|l| {
            [
                "finished in",
                "requests:",
                "status codes:",
                "time for request:",
            ]
            .iter()
            .any(|k| l.trim_start().starts_with(k))
        })
        .map(|l| l.trim().to_string())
        .collect())
}

/// h2load closed loop (max throughput) and at the highest open-loop rate; `None` without it.
async fn h2load_section(cfg: &Config, addr: &str) -> Result<Option<Vec<(String, Vec<String>)>>> {
    let Some(h2load) = find_on_path("h2load").filter(|_| cfg.h2load) else {
        return Ok(None);
    };
    let c = cfg.connections.to_string();
    let rate = cfg.rates.iter().cloned().fold(0.0, f64::max);
    let per_client = ((rate / cfg.connections as f64).round() as u64)
        .max(1)
        .to_string();
    let secs = format!("{}", cfg.seconds.ceil() as u64);
    let runs = vec![
        (
            format!("max throughput: -n 200000 -c {c} -m 32"),
            ["-n", "200000", "-c", &c, "-m", "32"]
                .map(String::from)
                .to_vec(),
        ),
        (
            format!("fixed rate: -c {c} --rps {per_client} -D {secs} ({rate:.0}/s)"),
            ["-c", &c, "-m", "32", "--rps", &per_client, "-D", &secs]
                .map(String::from)
                .to_vec(),
        ),
    ];
    let addr = addr.to_string();
    let out = tokio::task::spawn_blocking(move || {
        runs.into_iter()
            .map(|(title, args)| Ok((title, run_h2load(&h2load, &addr, &args)?)))
            .collect::<Result<Vec<_>>>()
    })
    .await??;
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------------
// Report

struct Results {
    open: Vec<OpenLoop>,
    soak: ClosedLoop,
    batch: BatchRun,
    stream: StreamRun,
    rss_idle: Option<u64>,
    rss_after_open: Option<u64>,
    rss_after_soak: Option<u64>,
    rss_after_stream: Option<u64>,
    rss_end: Option<u64>,
    h2load: Option<Vec<(String, Vec<String>)>>,
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn growth_mib(from: Option<u64>, to: Option<u64>) -> Option<f64> {
    Some((to? as f64 - from? as f64) / 1024.0)
}

/// 1000000 → "1M", 50000 → "50k".
fn count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 100_000 == 0 => format!("{}M", n as f64 / 1e6),
        n if n >= 1_000 && n % 100 == 0 => format!("{}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn print_header(cfg: &Config, bin: &Path, server: &Server) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!("retain serve load benchmark (loopback, plaintext HTTP/2)");
    println!(
        "server: {} serve (pid {}) at {}, model cdnow (Pareto/NBD + Gamma-Gamma), default flags",
        bin.display(),
        server.pid(),
        server.addr
    );
    println!(
        "client: tokio, {} HTTP/2 connections, {POOL} distinct summary-input CLV customers, \
         horizon 52 weeks",
        cfg.connections
    );
    println!(
        "NOTE: {cores} cores; the load generator runs on the same machine and competes with the \
         server for CPU (see the CPU columns: % of one core; \"other\" = the rest of the machine)."
    );
}

/// One row of the targets table.
fn row(measure: &str, result: &str, target: &str, verdict: &str) {
    println!("{measure:<44} {result:<34} {target:<16} {verdict}");
}

fn mib_delta(g: Option<f64>) -> String {
    g.map_or("?".into(), |g| format!("{g:+.1} MiB"))
}

fn ms3(p: Percentiles) -> String {
    format!("{:.3} / {:.3} / {:.3} ms", p.p50, p.p99, p.p999)
}

/// The latency and throughput rows of the targets table.
fn print_targets(r: &Results) {
    println!();
    row("measure", "result", "target", "verdict");
    println!("{}", "-".repeat(104));
    for o in &r.open {
        let p99 = format!("p99 < {TARGET_P99_MS} ms");
        let (target, v) = if o.rate >= 5000.0 {
            (p99.as_str(), verdict(o.latency.p99 < TARGET_P99_MS))
        } else {
            ("-", "")
        };
        row(
            &format!("{} p50/p99/p99.9", o.phase.name),
            &ms3(o.latency),
            target,
            v,
        );
        row(
            "  same, timed from the actual send",
            &ms3(o.service),
            "",
            "",
        );
    }
    row(
        "Score max throughput (closed loop)",
        &format!("{:.0} req/s", r.soak.phase.rate()),
        "-",
        "",
    );
    row(
        &format!("ScoreBatch {} customers: wall/call", r.batch.size),
        &format!(
            "{:.1} ms median, {:.0} customers/s",
            r.batch.per_call.p50, r.batch.customers_per_s
        ),
        "-",
        "",
    );
    let stream_rate = r.stream.phase.rate();
    row(
        &format!("ScoreStream {} requests", count(r.stream.phase.requests)),
        &format!("{stream_rate:.0} customers/s"),
        &format!(">= {:.0}k/s", TARGET_STREAM_PER_S / 1e3),
        verdict(stream_rate >= TARGET_STREAM_PER_S),
    );
}

/// The memory rows of the targets table.
fn print_rss_targets(r: &Results) {
    let soak = count(r.soak.phase.requests);
    let flat = |g: Option<f64>| g.is_some_and(|g| g <= TARGET_RSS_GROWTH_MIB);
    let limit = format!("<= {TARGET_RSS_GROWTH_MIB} MiB");
    row(
        &format!("RSS before load / after {soak} Score / end"),
        &format!(
            "{} / {} / {}",
            mib(r.rss_idle),
            mib(r.rss_after_soak),
            mib(r.rss_end)
        ),
        "flat",
        "",
    );
    let soak_growth = growth_mib(r.soak.rss_early_kib, r.rss_after_soak);
    row(
        "  RSS growth during Score soak (10%→100%)",
        &mib_delta(soak_growth),
        &limit,
        verdict(flat(soak_growth)),
    );
    // Not a leak check: ScoreBatch and ScoreStream start after the soak, and their larger
    // messages and buffers are a working set the allocator keeps (see the rows below for
    // growth while each repeats).
    let end_growth = growth_mib(r.rss_after_soak, r.rss_end);
    row(
        &format!("  RSS step after {soak} Score → end (new workloads)"),
        &mib_delta(end_growth),
        "-",
        "",
    );
    let within = [
        r.batch.steady_growth_mib(),
        growth_mib(r.stream.rss_early_kib, r.rss_after_stream),
    ];
    row(
        "  RSS growth, ScoreBatch 2nd half / Stream",
        &within.map(mib_delta).join(" / "),
        &limit,
        verdict(within.iter().all(|g| flat(*g))),
    );
}

fn print_phases(r: &Results) {
    println!();
    println!(
        "{:<38} {:>8} {:>10} {:>7} {:>11} {:>8} {:>8} {:>8}",
        "phase", "wall s", "requests", "errors", "req/s", "client%", "server%", "other%"
    );
    println!("{}", "-".repeat(104));
    let phases =
        r.open
            .iter()
            .map(|o| &o.phase)
            .chain([&r.soak.phase, &r.batch.phase, &r.stream.phase]);
    let mut busy = Vec::new();
    for p in phases {
        if p.cpu.other > BUSY_OTHER_PCT {
            busy.push(p.name.as_str());
        }
        println!(
            "{:<38} {:>8.2} {:>10} {:>7} {:>11.0} {:>8.0} {:>8.0} {:>8.0}",
            p.name,
            p.wall.as_secs_f64(),
            p.requests,
            p.errors,
            p.rate(),
            p.cpu.client,
            p.cpu.server,
            p.cpu.other
        );
    }
    if !busy.is_empty() {
        println!(
            "WARNING: other processes used > {BUSY_OTHER_PCT:.0}% of a core during: {}; \
             those numbers are noisy, rerun on a quiet machine.",
            busy.join("; ")
        );
    }
}

fn print_latency_details(r: &Results) {
    println!();
    println!(
        "{:<38} {:>9} {:>9} {:>9} {:>9}   notes",
        "latency (ms)", "p50", "p99", "p99.9", "max"
    );
    println!("{}", "-".repeat(104));
    for o in &r.open {
        let (l, g) = (o.latency, o.send_lag);
        println!(
            "{:<38} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   from scheduled send; achieved {:.0}/s",
            o.phase.name, l.p50, l.p99, l.p999, l.max, o.achieved
        );
        let s = o.service;
        println!(
            "{:<38} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   from actual send",
            "  from send", s.p50, s.p99, s.p999, s.max
        );
        println!(
            "{:<38} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   client pacing lateness (in the first row)",
            "  send lag", g.p50, g.p99, g.p999, g.max
        );
    }
    let l = r.soak.latency;
    println!(
        "{:<38} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   from send (closed loop: queueing included)",
        r.soak.phase.name, l.p50, l.p99, l.p999, l.max
    );
    let b = r.batch.per_call;
    println!(
        "{:<38} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   per call",
        r.batch.phase.name, b.p50, b.p99, b.p999, b.max
    );
    println!();
    println!(
        "server RSS: idle {} | after open loop {} | Score soak 10% {} → 100% {} | \
         ScoreBatch after each call [{}] | ScoreStream 10% {} → 100% {} | end {}",
        mib(r.rss_idle),
        mib(r.rss_after_open),
        mib(r.soak.rss_early_kib),
        mib(r.rss_after_soak),
        r.batch
            .rss_per_call
            .iter()
            .map(|k| mib(*k))
            .collect::<Vec<_>>()
            .join(", "),
        mib(r.stream.rss_early_kib),
        mib(r.rss_after_stream),
        mib(r.rss_end)
    );
}

fn print_h2load(r: &Results) {
    println!();
    match &r.h2load {
        None => {
            println!("h2load: not run (install nghttp2-client for a second, independent client)")
        }
        Some(runs) => {
            println!(
                "h2load (unary Score, one pre-framed request; h2load counts HTTP status, not \
                 grpc-status):"
            );
            for (title, lines) in runs {
                println!("  {title}");
                for l in lines {
                    println!("    {l}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Main

async fn run(cfg: Config) -> Result<()> {
    let bin = server_binary()?;
    let server = start_server(&bin)?;
    let pid = server.pid();
    let clients = connect(&server.addr, cfg.connections).await?;
    let pool = request_pool(POOL);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_idle = rss_kib(pid);
    print_header(&cfg, &bin, &server);

    let sample = score_checked(&mut clients[0].clone(), pool[1].clone()).await?;
    eprintln!(
        "\nsample response: customer {} p_alive {:.4} clv {:.2} ({})",
        sample.customer_id,
        sample.p_alive.unwrap_or(f64::NAN),
        sample.clv.unwrap_or(f64::NAN),
        sample.risk_tier
    );
    eprintln!("warm-up: 2 s at 1000/s");
    open_loop(&clients, &pool, 1000.0, 2.0, pid).await?;

    let mut open = Vec::new();
    for &rate in &cfg.rates {
        eprintln!("Score open loop at {rate:.0}/s for {} s", cfg.seconds);
        open.push(open_loop(&clients, &pool, rate, cfg.seconds, pid).await?);
    }
    let rss_after_open = rss_kib(pid);

    eprintln!(
        "Score closed loop: {} requests, {} in flight",
        cfg.soak, cfg.concurrency
    );
    let soak = closed_loop(&clients, &pool, cfg.soak, cfg.concurrency, pid).await?;
    let rss_after_soak = rss_kib(pid);

    eprintln!("ScoreBatch: {} calls of {}", cfg.batch_calls, cfg.batch);
    let batch = score_batch(&clients[0], &pool, cfg.batch, cfg.batch_calls, pid).await?;
    eprintln!("ScoreStream: {} requests", cfg.stream);
    let stream = score_stream(&clients[0], &pool, cfg.stream, pid).await?;
    let rss_after_stream = rss_kib(pid);

    let h2load = h2load_section(&cfg, &server.addr).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_end = rss_kib(pid);

    let results = Results {
        open,
        soak,
        batch,
        stream,
        rss_idle,
        rss_after_open,
        rss_after_soak,
        rss_after_stream,
        rss_end,
        h2load,
    };
    print_targets(&results);
    print_rss_targets(&results);
    print_phases(&results);
    print_latency_details(&results);
    print_h2load(&results);
    Ok(())
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench` (and maybe a filter); nothing to select here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(Config::from_env()))
}
