//! Soak of `retain serve` under deploys: a fixed request rate for a long time while the model
//! file is replaced every few seconds, in turn by an atomic rename, an in-place overwrite, a
//! delete-then-copy and a corrupt file that must be refused while the last good version keeps
//! serving.
//!
//! Run with `cargo build --release --bin retain && cargo bench --bench serve_soak`.
//!
//! Reported: requests sent and failed (by status code; the target is 0), latency p50 / p99 /
//! max measured from each request's scheduled send time (no coordinated omission), the model
//! versions seen, and the server's resident memory (VmRSS) at start, at the end and at most.
//!
//! Settings (environment): `RETAIN_SOAK_SECONDS` (600), `RETAIN_SOAK_RATE` (500 requests/s),
//! `RETAIN_SOAK_SWAP_SECONDS` (3), `RETAIN_BENCH_BIN` (the server binary; default
//! `target/release/retain`, else `target/debug/retain`).

#[allow(dead_code, clippy::all)]
mod pb {
    tonic::include_proto!("retain.v1");
}

use anyhow::{Context, Result, bail};
use pb::scoring_client::ScoringClient;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

fn setting(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
}

fn server_binary() -> PathBuf {
    if let Ok(b) = std::env::var("RETAIN_BENCH_BIN") {
        return b.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let release = root.join("target/release/retain");
    if release.exists() {
        release
    } else {
        root.join("target/debug/retain")
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The CDNOW artefact with its Pareto/NBD `r` (or first rate-like number) nudged, so each
/// deploy is a new version.
fn variant(base: &str, i: usize) -> String {
    base.replacen("\"rate\": 0.1,", &format!("\"rate\": 0.1{},", i % 9 + 1), 1)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let seconds = setting("RETAIN_SOAK_SECONDS", 600.0);
    let rate = setting("RETAIN_SOAK_RATE", 500.0);
    let swap_every = setting("RETAIN_SOAK_SWAP_SECONDS", 3.0);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::fs::read_to_string(root.join("models/cdnow.json"))?;
    if variant(&base, 1) == base {
        bail!("models/cdnow.json has no `\"rate\": 0.1,` to vary");
    }
    let dir = tempfile::tempdir()?;
    let models = dir.path().join("models");
    std::fs::create_dir(&models)?;
    let live = models.join("cdnow.json");
    std::fs::write(&live, &base)?;

    let bin = server_binary();
    let mut child = Command::new(&bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--watch-seconds", "0.2"])
        .arg("--models")
        .arg(&models)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .context("no address announced")?
        .to_string();
    let server = Server(child);
    let pid = server.0.id();
    let channel = Channel::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    let client = ScoringClient::new(channel);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_start = rss_kib(pid);

    // Deploys, in turn: atomic rename, in-place overwrite, delete-then-copy, corrupt file.
    let deploys = {
        let (live, models, base) = (live.clone(), models.clone(), base.clone());
        tokio::spawn(async move {
            let mut i = 0usize;
            let mut kinds = BTreeMap::<&str, usize>::new();
            loop {
                tokio::time::sleep(Duration::from_secs_f64(swap_every)).await;
                i += 1;
                let text = variant(&base, i);
                let kind = match i % 4 {
                    0 => {
                        let tmp = models.join(".cdnow.json.tmp");
                        std::fs::write(&tmp, &text).unwrap();
                        std::fs::rename(&tmp, &live).unwrap();
                        "rename"
                    }
                    1 => {
                        std::fs::write(&live, &text).unwrap();
                        "overwrite"
                    }
                    2 => {
                        std::fs::remove_file(&live).unwrap();
                        tokio::time::sleep(Duration::from_millis(400)).await;
                        std::fs::write(&live, &text).unwrap();
                        "delete-then-copy"
                    }
                    _ => {
                        std::fs::write(&live, &text[..text.len() / 2]).unwrap();
                        tokio::time::sleep(Duration::from_millis(600)).await;
                        std::fs::write(&live, &text).unwrap();
                        "corrupt, then fixed"
                    }
                };
                *kinds.entry(kind).or_default() += 1;
                if i == usize::MAX {
                    return kinds;
                }
            }
        })
    };

    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let failures = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let versions = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    let mut rss_max = rss_start;
    let started = Instant::now();
    let total = (seconds * rate) as u64;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let at = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(at.into()).await;
        if i % (rate as u64).max(1) == 0 {
            rss_max = rss_max.max(rss_kib(pid));
        }
        let mut c = client.clone();
        let (latencies, failures, versions) =
            (latencies.clone(), failures.clone(), versions.clone());
        tasks.spawn(async move {
            let r = pb::ScoreRequest {
                model: "cdnow".into(),
                customer_id: format!("c{i}"),
                horizon: None,
                input: Some(pb::score_request::Input::Summary(pb::CustomerSummary {
                    x: (i % 20) as u32,
                    t_x: if i % 20 == 0 {
                        0.0
                    } else {
                        10.0 + (i % 17) as f64
                    },
                    t: 40.0,
                    monetary_value: 25.0,
                    time_unit: pb::TimeUnit::Week as i32,
                })),
            };
            let outcome = c.score(r).await;
            let took = at.elapsed().as_secs_f64() * 1e3;
            match outcome {
                Ok(s) => {
                    latencies.lock().unwrap().push(took);
                    let v = s.into_inner().model_version;
                    versions.lock().unwrap().insert(v);
                }
                Err(e) => {
                    *failures
                        .lock()
                        .unwrap()
                        .entry(format!("{:?}", e.code()))
                        .or_default() += 1;
                }
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    deploys.abort();
    let rss_end = rss_kib(pid);
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);
    let q = |p: f64| {
        l.get(((l.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let failed: u64 = failures.lock().unwrap().values().sum();
    println!("serve soak: {seconds:.0} s at {rate:.0} requests/s, a deploy every {swap_every} s");
    println!("  server binary        {}", bin.display());
    println!("  requests sent        {total}");
    println!(
        "  failed               {failed} {:?}",
        failures.lock().unwrap()
    );
    println!(
        "  latency ms           p50 {:.2}  p99 {:.2}  max {:.2}",
        q(0.5),
        q(0.99),
        l.last().copied().unwrap_or(f64::NAN)
    );
    println!("  versions seen        {}", versions.lock().unwrap().len());
    println!(
        "  server RSS MiB       start {:.1}  end {:.1}  max {:.1}",
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_max as f64 / 1024.0
    );
    drop(server);
    if failed > 0 {
        bail!("{failed} requests failed");
    }
    Ok(())
}
