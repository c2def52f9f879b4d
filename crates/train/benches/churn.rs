//! Churn training and scoring speed on the telco table (issue 3's figures), printed side by
//! side with the targets. Run in release: `cargo bench -p retain-train --bench churn`.
//!
//! - training `--model auto` (three candidates × 5 folds, calibration, refit);
//! - model-only scoring of each candidate on one core, on the transformed telco matrix tiled
//!   to 1,000,000 rows (target: ≥ 1 M rows/s for trees, ≥ 10 M rows/s for logistic
//!   regression; XGBoost reaches about 0.7 M rows/s on this machine per the issue);
//! - drivers (exact contributions / TreeSHAP) per second.

use retain_core::features::PipelineSpec;
use retain_io::table::read_table;
use retain_score::metrics::MetricKind;
use retain_train::churn_train::{Candidate, ChurnSpec, fit_candidate, split_label, train_churn};
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/telco_churn.csv");
    let table = read_table(&path, b',')?;
    let data = split_label(table, "churn", "Yes", None)?;
    let spec = ChurnSpec {
        target: "churn".into(),
        positive: "Yes".into(),
        id: None,
        pipeline: PipelineSpec::default(),
        folds: 5,
        seed: 42,
        alpha: 1.0,
        candidates: Candidate::ALL.to_vec(),
        metric: MetricKind::RocAuc,
        calibrate: true,
    };
    let t = Instant::now();
    let trained = train_churn(&data, &spec)?;
    let train_s = t.elapsed().as_secs_f64();
    println!(
        "train auto on telco (3 candidates x 5 folds, {} threads): {train_s:.2} s (target <= 10 s: {:.1}x headroom), chose {}",
        rayon::current_num_threads(),
        10.0 / train_s,
        trained.chosen
    );
    for r in &trained.cv {
        println!("  {:<9} CV {:.2} s", r.model, r.seconds);
    }
    let all: Vec<usize> = (0..data.y.len()).collect();
    let rows = 1_000_000;
    for c in Candidate::ALL {
        let fitted = fit_candidate(&data, &all, &spec, c)?;
        let x = fitted.pipeline.transform(&data.features)?;
        let p = x.n_features;
        let mut big = Vec::with_capacity(rows * p);
        while big.len() < rows * p {
            let take = (rows * p - big.len()).min(x.data.len());
            big.extend_from_slice(&x.data[..take]);
        }
        let mut out = vec![0.0; rows];
        // One warm-up pass, then the best of three (one core: predict_batch is sequential).
        fitted.model.predict_batch(&big, p, &mut out);
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            fitted.model.predict_batch(&big, p, &mut out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        let checksum: f64 = out.iter().sum();
        let rate = rows as f64 / best;
        let target = if c == Candidate::Logistic { 10e6 } else { 1e6 };
        let t = Instant::now();
        let n_expl = if c == Candidate::Logistic {
            200_000
        } else {
            2_000
        };
        let mut s = 0.0;
        for row in big.chunks(p).take(n_expl) {
            s += fitted.model.contributions(row).1[0];
        }
        let expl = n_expl as f64 / t.elapsed().as_secs_f64();
        println!(
            "{:<9} scoring {:>6.2} M rows/s on one core (target {:>4.1} M: {:.2}x; XGBoost 0.7 M: {:.1}x), drivers {:>9.0} rows/s  [{} features; checksum {:.3} {:.3}]",
            c.name(),
            rate / 1e6,
            target / 1e6,
            rate / target,
            rate / 0.7e6,
            expl,
            p,
            checksum,
            s
        );
    }
    Ok(())
}
