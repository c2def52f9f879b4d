//! Scoring benchmark: P(alive) + 12-month CLV in monthly steps (10%/year) for 1,000,000
//! simulated customers, single-threaded, for BG/NBD and MBG/NBD with two parameter sets. Run with
//! `cargo bench -p retain-models --bench clv`. Prints the median (and best) ns per customer and a checksum
//! (the sum of CLVs), so that a change of results shows.
//!
//! `RETAIN_CLV_DUMP=<dir>` writes every customer's CLV to `<dir>/<case>.bin`;
//! `RETAIN_CLV_COMPARE=<dir>` reads them back and prints the largest relative difference, to
//! compare two versions of the code customer by customer. Rows marked `*` time the same sum
//! with the step horizons batched through the model's `expected_purchases_if_alive_at`, with
//! their largest relative difference from the unmarked row.

use retain_core::time::{DiscountRate, Duration, TimeUnit};
use retain_models::btyd::PurchaseModel;
use retain_models::btyd::bgnbd::BgNbd;
use retain_models::btyd::mbgnbd::MbgNbd;
use retain_models::btyd::simulate::simulate;
use retain_models::clv::{ClvSpec, ClvSteps, clv, discounted_purchases};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median and best of the run times, in ns per customer.
fn per_customer(times: Vec<f64>, n: usize) -> String {
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    let scale = 1e9 / n as f64;
    format!("{:.0} ({:.0})", median(times) * scale, best * scale)
}

fn main() {
    let n: usize = 1_000_000;
    let spec = ClvSpec {
        horizon: Duration::new(12.0, TimeUnit::Month),
        step: Duration::new(1.0, TimeUnit::Month),
        discount: DiscountRate {
            rate: 0.1,
            per: Duration::new(1.0, TimeUnit::Year),
        },
    };
    let steps = ClvSteps::new(&spec, TimeUnit::Week).expect("12 monthly steps");
    let ages: Vec<f64> = (0..n)
        .map(|i| 13.0 + ((i * 7919) % 365) as f64 / 7.0)
        .collect();
    let cases = [
        (
            "bgnbd_cdnow",
            PurchaseModel::Bgnbd(BgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            }),
        ),
        (
            "bgnbd_r1.5",
            PurchaseModel::Bgnbd(BgNbd {
                r: 1.5,
                alpha: 30.0,
                a: 0.6,
                b: 3.0,
            }),
        ),
        (
            "mbgnbd_cdnow",
            PurchaseModel::Mbgnbd(MbgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            }),
        ),
    ];
    let dump = std::env::var_os("RETAIN_CLV_DUMP").map(std::path::PathBuf::from);
    let compare = std::env::var_os("RETAIN_CLV_COMPARE").map(std::path::PathBuf::from);
    let batched_only = std::env::var_os("RETAIN_CLV_BATCHED_ONLY").is_some();
    let runs: usize = std::env::var("RETAIN_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    println!(
        "{:<14} {:>14} {:>24} {:>8} {:>14}",
        "case", "ns/cust (best)", "checksum (sum of CLV)", "max x", "max rel diff"
    );
    for (name, model) in &cases {
        let sims = simulate(model, &ages, 42).expect("simulate");
        let summaries: Vec<(u32, f64, f64)> = sims.iter().map(|c| c.summary()).collect();
        let mut out = vec![0.0f64; n];
        let mut times = Vec::new();
        for _ in 0..if batched_only { 0 } else { runs } {
            let start = Instant::now();
            for (o, &(x, t_x, t)) in out.iter_mut().zip(&summaries) {
                let post = model.posterior(x, t_x, t);
                *o = clv(&post, &steps, 1.0).expect("clv");
            }
            times.push(start.elapsed().as_secs_f64());
            std::hint::black_box(&out);
        }
        // The same sum with the horizons batched (what `clv` does once `Posterior` hands the
        // model-specific batch through).
        let mut batched = vec![0.0f64; n];
        let mut times_b = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            for (o, &(x, t_x, t)) in batched.iter_mut().zip(&summaries) {
                let p_alive = model.p_alive(x, t_x, t);
                *o = discounted_purchases(&steps, |h| {
                    model.process().expected_purchases_if_alive_at(h, x, t)?;
                    for v in h.iter_mut() {
                        *v = (p_alive * *v).max(0.0);
                    }
                    Ok(())
                })
                .expect("clv");
            }
            times_b.push(start.elapsed().as_secs_f64());
            std::hint::black_box(&batched);
        }
        let worst_b = batched
            .iter()
            .zip(&out)
            .map(|(&b, &o)| {
                if b == o {
                    0.0
                } else {
                    (b - o).abs() / b.abs().max(o.abs())
                }
            })
            .fold(0.0, f64::max);
        println!(
            "{:<14} {:>14} {:>24.12} {:>8} {:>14}",
            format!("{name}*"),
            per_customer(times_b, n),
            batched.iter().sum::<f64>(),
            "",
            format!("{worst_b:.2e}")
        );
        if batched_only {
            continue;
        }
        let checksum: f64 = out.iter().sum();
        let max_x = summaries.iter().map(|s| s.0).max().unwrap_or(0);
        let mut diff = String::from("-");
        if let Some(dir) = &dump {
            let bytes: Vec<u8> = out.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::fs::write(dir.join(format!("{name}.bin")), bytes).expect("write dump");
        }
        if let Some(dir) = &compare {
            let bytes = std::fs::read(dir.join(format!("{name}.bin"))).expect("read dump");
            let old = bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")));
            let worst = old
                .zip(&out)
                .map(|(o, &v)| {
                    if o == v {
                        0.0
                    } else {
                        (o - v).abs() / o.abs().max(v.abs())
                    }
                })
                .fold(0.0, f64::max);
            diff = format!("{worst:.2e}");
        }
        println!(
            "{:<14} {:>14} {:>24.12} {:>8} {:>14}",
            name,
            per_customer(times, n),
            checksum,
            max_x,
            diff
        );
    }
}
