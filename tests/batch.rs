//! Whole-base scoring end to end, reduced for CI: simulate a base → train on it (parameters
//! come back) → score its partitions → kill a run midway → re-run → the outputs are complete
//! and identical to an uninterrupted run.

use super::{ok, retain};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Known BG/NBD + Gamma-Gamma parameters to simulate from (weekly rates).
const PURCHASE: &str = "bgnbd:r=1.5,alpha=30,a=0.8,b=2.5";
const SPEND: &str = "p=6.25,q=3.74,gamma=15.44";

fn simulate(out: &Path, customers: usize, partitions: usize, format: &str, seed: u64) {
    ok(&retain(&[
        "simulate",
        "--purchase",
        PURCHASE,
        "--spend",
        SPEND,
        "--customers",
        &customers.to_string(),
        "--start",
        "1997-01-01",
        "--acquisition-end",
        "1997-03-31",
        "--end",
        "1998-06-30",
        "--seed",
        &seed.to_string(),
        "--partitions",
        &partitions.to_string(),
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ]));
}

/// Trains a BG/NBD + Gamma-Gamma model on a simulated log (weeks, no holdout).
fn train_bgnbd(log: &Path, model: &Path) -> String {
    ok(&retain(&[
        "train",
        "clv",
        "--transactions",
        log.to_str().unwrap(),
        "--time-unit",
        "week",
        "--model",
        "bgnbd",
        "--calibration-end",
        "1998-06-30",
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]))
}

fn manifest_partitions(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("_manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["partitions"].as_object().map(|p| p.len()))
        .unwrap_or(0)
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Simulate 200,000 customers → train → the parameters come back within 3%.
///
/// Acquisition over 1997, observed to the end of 2001 (five years), so that most customers'
/// dropout is seen and the Beta(a, b) dropout parameters are identified to about 1.2% (their
/// standard error at this size); over a 15-month window they are only identified to ~2.5%
/// and a 3% bound is not a test of correctness but of luck. The day-level log also merges
/// purchases that fall on a day already used, which lowers the purchase rate: measured α
/// +0.2…+1.1% here; with CDNOW-like heterogeneity (r = 0.24, a heavy tail of daily buyers)
/// the same merging moves α by +4…+6% (documented in the README), so that is not the case
/// tested. Measured over seeds 1–4: largest deviations r −1.1%, α +1.1%, a +1.5%, b +2.3%.
#[test]
fn two_hundred_thousand_simulated_customers_recover_their_parameters_within_3_percent() {
    let dir = tempfile::tempdir().unwrap();
    for seed in [1u64, 3] {
        let out = dir.path().join(format!("s{seed}"));
        ok(&retain(&[
            "simulate",
            "--purchase",
            PURCHASE,
            "--customers",
            "200000",
            "--start",
            "1997-01-01",
            "--acquisition-end",
            "1997-12-31",
            "--end",
            "2001-12-31",
            "--seed",
            &seed.to_string(),
            "--partitions",
            "1",
            "--format",
            "parquet",
            "--out",
            out.to_str().unwrap(),
        ]));
        let model = out.join("m.json");
        ok(&retain(&[
            "train",
            "clv",
            "--transactions",
            out.join("part-00000.parquet").to_str().unwrap(),
            "--time-unit",
            "week",
            "--model",
            "bgnbd",
            "--calibration-end",
            "2001-12-31",
            "--out",
            model.to_str().unwrap(),
        ]));
        let a: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
        for (name, truth) in [("r", 1.5), ("alpha", 30.0), ("a", 0.8), ("b", 2.5)] {
            let got = a["purchase"]["params"][name].as_f64().unwrap();
            assert!(
                (got - truth).abs() / truth < 0.03,
                "seed {seed}, {name}: fitted {got}, true {truth}"
            );
        }
    }
}

#[test]
fn simulate_train_score_partitions_and_resume_after_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    // Simulate → train: the parameters come back. Day-resolution logs merge same-day
    // purchases and floor purchase times to the day, which shifts the fit slightly (measured
    // at 100k customers: r +2.6%, α +4.4%, a −3.7%, b −1.9%; the continuous-time recovery
    // tests in crates/models/tests/recovery.rs hold to 5%), so the bound here is 6%.
    let train_dir = root.join("train");
    simulate(&train_dir, 100_000, 1, "parquet", 3);
    let model = root.join("sim.json");
    let out = train_bgnbd(&train_dir.join("part-00000.parquet"), &model);
    let params = out.clone();
    let artefact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let p = &artefact["purchase"]["params"];
    for (name, truth) in [("r", 1.5), ("alpha", 30.0), ("a", 0.8), ("b", 2.5)] {
        let got = p[name]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} in {params}"));
        assert!(
            (got - truth).abs() / truth < 0.06,
            "{name}: fitted {got}, true {truth}"
        );
    }
    let g = &artefact["spend"];
    for (name, truth) in [("p", 6.25), ("q", 3.74), ("gamma", 15.44)] {
        let got = g[name].as_f64().unwrap();
        assert!(
            (got - truth).abs() / truth < 0.06,
            "{name}: {got} vs {truth}"
        );
    }

    // A partitioned base: 40 CSV partitions of 2,500 customers.
    let base = root.join("base");
    simulate(&base, 100_000, 40, "csv", 11);
    let score = |out: &Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_retain"));
        c.args([
            "score",
            "--model",
            model.to_str().unwrap(),
            "--transactions",
        ])
        .arg(&base)
        .args([
            "--as-of",
            "1998-06-30",
            "--output-format",
            "csv",
            "--output",
        ])
        .arg(out)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        c
    };
    // Uninterrupted reference run.
    let reference = root.join("reference");
    let first = score(&reference).output().unwrap();
    let summary: serde_json::Value = serde_json::from_str(&ok(&first)).unwrap();
    assert_eq!(summary["customers"], 100_000);
    assert_eq!(summary["partitions"], 40);
    assert_eq!(summary["scored"], 40);
    let tiers = &summary["tiers"];
    assert_eq!(
        tiers["high"].as_u64().unwrap()
            + tiers["medium"].as_u64().unwrap()
            + tiers["low"].as_u64().unwrap(),
        100_000
    );
    let expected = listing(&reference);
    assert_eq!(expected.len(), 40);
    // Totals in the summary are the sums of the output columns.
    let clv_total: f64 = expected
        .iter()
        .map(|(_, bytes)| {
            let text = String::from_utf8_lossy(bytes);
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap().split(',').collect();
            let k = header.iter().position(|h| *h == "clv_52_weeks").unwrap();
            lines
                .map(|l| l.split(',').nth(k).unwrap().parse::<f64>().unwrap())
                .sum::<f64>()
        })
        .sum();
    let reported = summary["total_clv"].as_f64().unwrap();
    assert!(
        (clv_total - reported).abs() < 1e-6 * reported,
        "{clv_total} vs {reported}"
    );

    // Kill a run once it has finished at least one partition, before the end.
    let resumed = root.join("resumed");
    let mut child = score(&resumed).spawn().unwrap();
    let started = Instant::now();
    while manifest_partitions(&resumed) == 0 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let recorded = manifest_partitions(&resumed);
    assert!(
        (1..40).contains(&recorded),
        "the run was killed after {recorded} of 40 partitions"
    );
    // Whatever the kill left, every finished-looking output is complete: each one parses and
    // equals the reference.
    for (name, bytes) in listing(&resumed) {
        let want = &expected.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(&bytes, want, "{name} differs after the kill");
    }
    // Re-run: recorded partitions are reused, the rest scored, and the result is identical.
    let again: serde_json::Value =
        serde_json::from_str(&ok(&score(&resumed).output().unwrap())).unwrap();
    assert_eq!(again["reused"].as_u64().unwrap() as usize, recorded);
    assert_eq!(again["scored"].as_u64().unwrap() as usize, 40 - recorded);
    assert_eq!(again["customers"], 100_000);
    assert_eq!(listing(&resumed), expected);
    // A third run has nothing to do; --force redoes everything.
    let third: serde_json::Value =
        serde_json::from_str(&ok(&score(&resumed).output().unwrap())).unwrap();
    assert_eq!(third["reused"], 40);
    let forced: serde_json::Value =
        serde_json::from_str(&ok(&score(&resumed).arg("--force").output().unwrap())).unwrap();
    assert_eq!(forced["scored"], 40);
    assert_eq!(listing(&resumed), expected);
}

#[test]
fn a_bad_partition_is_named_and_the_others_are_still_scored() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    simulate(&base, 3_000, 3, "csv", 5);
    let model = dir.path().join("small.json");
    train_bgnbd(&base.join("part-00000.csv"), &model);
    // Break the second partition: a date that is not a date, on line 3.
    let bad = base.join("part-00001.csv");
    let text = std::fs::read_to_string(&bad).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replacen("-", "/", 1).replace("199", "x99");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out_dir = dir.path().join("scores");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_retain"))
            .args([
                "score",
                "--model",
                model.to_str().unwrap(),
                "--transactions",
            ])
            .arg(&base)
            .args(["--as-of", "1998-06-30", "--output"])
            .arg(&out_dir)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("part-00001.csv"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("1 of 3 partitions failed"), "{stderr}");
    assert!(out_dir.join("part-00000.parquet").is_file());
    assert!(out_dir.join("part-00002.parquet").is_file());
    assert!(!out_dir.join("part-00001.parquet").exists());
    // Skipping bad rows scores it, reuses the other two and counts the skip.
    let out = run(&["--on-bad-row", "skip", "--json"]);
    let s: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(s["skipped_rows"], 1);
    assert_eq!(s["customers"], 3_000);
    // Other settings (the bad-row policy) make every output stale: all three are rescored.
    assert_eq!(s["scored"], 3);
    assert_eq!(s["reused"], 0);
}

#[test]
fn a_file_of_summaries_scores_like_the_log_it_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    // The published CDNOW summary (calibration to 1997-09-30, weeks, 2 decimals), renamed to
    // lifetimes' column names.
    let text =
        std::fs::read_to_string(super::data("cdnow_customers_summary_with_transactions.csv"))
            .unwrap();
    let mut lines = text.lines();
    lines.next();
    let mut renamed = String::from("customer_id,frequency,recency,T,monetary_value\n");
    for l in lines {
        renamed.push_str(l);
        renamed.push('\n');
    }
    let summaries = dir.path().join("summaries.csv");
    std::fs::write(&summaries, renamed).unwrap();
    let (from_file, from_log) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--summaries",
        summaries.to_str().unwrap(),
        "--summary-unit",
        "week",
        "--output",
        from_file.to_str().unwrap(),
    ]));
    let mut args = vec![
        "score",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
    ];
    // The log up to the calibration end (the score refuses later transactions).
    let full = std::fs::read_to_string(super::data("CDNOW_sample.txt")).unwrap();
    let kept: String = full
        .lines()
        .filter(|l| l.split_whitespace().nth(2).is_some_and(|d| d <= "19970930"))
        .map(|l| format!("{l}\n"))
        .collect();
    let log_path = dir.path().join("calibration.txt");
    std::fs::write(&log_path, kept).unwrap();
    let log = log_path.display().to_string();
    args.push(&log);
    args.extend([
        "--as-of",
        "1997-09-30",
        "--output",
        from_log.to_str().unwrap(),
    ]);
    ok(&retain(&args));
    // Chunked scoring (a few customers at a time, written batch by batch) writes byte for
    // byte what a single chunk writes, from a summary file and from a log.
    let chunked = dir.path().join("chunked.csv");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--summaries",
        summaries.to_str().unwrap(),
        "--summary-unit",
        "week",
        "--chunk-rows",
        "100",
        "--output",
        chunked.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read(&chunked).unwrap(),
        std::fs::read(&from_file).unwrap()
    );
    let mut log_args = args.clone();
    let last = log_args.len() - 1;
    let chunked_log = dir.path().join("chunked-log.csv");
    let chunked_log_text = chunked_log.display().to_string();
    log_args[last] = &chunked_log_text;
    log_args.extend(["--chunk-rows", "7"]);
    ok(&retain(&log_args));
    assert_eq!(
        std::fs::read(&chunked_log).unwrap(),
        std::fs::read(&from_log).unwrap()
    );
    let read = |p: &Path| {
        let text = std::fs::read_to_string(p).unwrap();
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        (header, rows)
    };
    let ((ha, ra), (hb, rb)) = (read(&from_file), read(&from_log));
    assert_eq!(ha, hb);
    assert_eq!(ra.len(), 2357);
    assert_eq!(ra.len(), rb.len());
    let col = |n: &str| ha.iter().position(|h| h == n).unwrap();
    // The published file numbers customers 1..2357 in the order of their master ids.
    for (a, b) in ra.iter().zip(&rb) {
        assert_eq!(a[col("x")], b[col("x")], "customer {} / {}", a[0], b[0]);
        // Spend: the published zbar averages differently for a few customers (≤ 0.3% seen).
        for (name, tol) in [("p_alive", 2e-3), ("clv_52_weeks", 1e-2)] {
            let (x, y): (f64, f64) = (a[col(name)].parse().unwrap(), b[col(name)].parse().unwrap());
            // The summary's times and spend are rounded to 2 decimals.
            assert!(
                (x - y).abs() <= tol * y.abs().max(1.0),
                "{name} {}: {x} vs {y}",
                a[0]
            );
        }
    }
    // Without its unit the file is refused.
    let out = retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--summaries",
        summaries.to_str().unwrap(),
        "--output",
        from_file.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--summary-unit"));
}

#[test]
fn engagement_metrics_agree_with_the_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let cdnow = super::data("CDNOW_sample.txt");
    let mut args = vec!["metrics", "--transactions", &cdnow, "--period", "quarter"];
    args.extend(super::CDNOW_FLAGS);
    let out_dir = dir.path().join("m");
    let out_text = out_dir.display().to_string();
    args.extend(["--output", &out_text, "--json"]);
    let m: serde_json::Value = serde_json::from_str(&ok(&retain(&args))).unwrap();
    // The same log summarised (calibration to 1997-09-30, holdout to 1998-06-30): purchases
    // are x + 1 + holdout purchases per customer; repeaters have x + holdout ≥ 1.
    let summary = dir.path().join("s.csv");
    let mut args = vec!["summarise", "--transactions", &cdnow];
    args.extend(super::CDNOW_FLAGS);
    let summary_text = summary.display().to_string();
    args.extend([
        "--time-unit",
        "week",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--output",
        &summary_text,
    ]);
    ok(&retain(&args));
    let text = std::fs::read_to_string(&summary).unwrap();
    let (mut customers, mut purchases, mut repeaters) = (0u64, 0u64, 0u64);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (x, h): (u64, u64) = (f[1].parse().unwrap(), f[5].parse().unwrap());
        customers += 1;
        purchases += x + 1 + h;
        repeaters += u64::from(x + h >= 1);
    }
    assert_eq!(m["customers"].as_u64().unwrap(), customers);
    assert_eq!(m["purchases"].as_u64().unwrap(), purchases);
    let rate = m["repeat_purchase_rate"].as_f64().unwrap();
    assert!((rate - repeaters as f64 / customers as f64).abs() < 1e-12);
    // Per-period purchases add up; every customer is in one cohort; CDNOW's cohort is Q1 1997.
    let periods = m["periods"].as_array().unwrap();
    let per_period: u64 = periods
        .iter()
        .map(|p| p["purchases"].as_u64().unwrap())
        .sum();
    assert_eq!(per_period, purchases);
    assert_eq!(m["cohort_sizes"][0].as_u64().unwrap(), customers);
    assert_eq!(periods[0]["active_customers"].as_u64().unwrap(), customers);
    // Q2's retention of the Q1 cohort is its active customers over the cohort.
    let q2 = periods[1]["active_customers"].as_f64().unwrap() / customers as f64;
    assert!((m["retention"][0][1].as_f64().unwrap() - q2).abs() < 1e-12);
    // The CSVs hold the same table.
    let csv = std::fs::read_to_string(out_dir.join("periods.csv")).unwrap();
    assert_eq!(csv.lines().count(), periods.len() + 1);
    assert!(out_dir.join("cohort_retention.csv").is_file());
}

#[test]
fn a_campaign_contacts_the_most_valuable_at_risk_customers_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    let scores = dir.path().join("scores.csv");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &super::data("CDNOW_sample.txt"),
        "--as-of",
        "1998-06-30",
        "--output",
        scores.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&scores).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let k = header
        .iter()
        .position(|h| *h == "value_at_risk_52_weeks")
        .unwrap();
    let mut var: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(k).unwrap().parse().unwrap())
        .collect();
    var.sort_by(|a, b| b.total_cmp(a));
    let targets = dir.path().join("targets.csv");
    let run = |budget: &str| -> serde_json::Value {
        let out = ok(&retain(&[
            "campaign",
            "--scores",
            scores.to_str().unwrap(),
            "--budget",
            budget,
            "--cost-per-contact",
            "5",
            "--success-rate",
            "0.2",
            "--output",
            targets.to_str().unwrap(),
            "--json",
        ]));
        serde_json::from_str(&out).unwrap()
    };
    // A small budget buys the 20 largest values at risk.
    let p = run("100");
    assert_eq!(p["contacted"], 20);
    assert_eq!(p["stopped_by"], "budget");
    let want: f64 = var[..20].iter().map(|v| v * 0.2).sum();
    assert!((p["expected_retained_value"].as_f64().unwrap() - want).abs() < 1e-9);
    let list = std::fs::read_to_string(&targets).unwrap();
    assert_eq!(list.lines().count(), 21);
    // A large one stops where a contact no longer pays: value at risk × 0.2 ≤ 5.
    let p = run("1000000");
    let worth = var.iter().filter(|&&v| v * 0.2 > 5.0).count();
    assert_eq!(p["contacted"].as_u64().unwrap() as usize, worth);
    assert_eq!(p["stopped_by"], "break-even");
    assert!(p["marginal_value_at_risk"].as_f64().unwrap() * 0.2 > 5.0);
}

/// A model trained on CDNOW's header-less whitespace file scores what `retain simulate` writes
/// (CSV with a header, or Parquet) with nothing but --model, --transactions and --as-of: the
/// stored read settings are defaults, set aside for a file in retain's own layout.
#[test]
fn simulate_then_score_works_with_the_shipped_model_and_three_flags() {
    let dir = tempfile::tempdir().unwrap();
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/models/cdnow.json");
    for format in ["csv", "parquet"] {
        let sim = dir.path().join(format!("sim-{format}"));
        ok(&retain(&[
            "simulate",
            "--model",
            model,
            "--customers",
            "200",
            "--format",
            format,
            "--out",
            sim.to_str().unwrap(),
        ]));
        let log = sim.join(format!("part-00000.{format}"));
        let scores = dir.path().join(format!("scores-{format}.csv"));
        ok(&retain(&[
            "score",
            "--model",
            model,
            "--transactions",
            log.to_str().unwrap(),
            "--as-of",
            "1998-06-30",
            "--output",
            scores.to_str().unwrap(),
            "--quiet",
        ]));
        let text = std::fs::read_to_string(&scores).unwrap();
        assert!(text.lines().count() > 100, "{format}: {text}");
    }
}

/// The stored `--no-header` of a model is a default both ways: a header line is detected, and
/// `--header` / `--no-header` override it.
#[test]
fn a_header_is_detected_and_flags_override_the_stored_header_setting() {
    let dir = tempfile::tempdir().unwrap();
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/models/cdnow.json");
    let cdnow = std::fs::read_to_string(super::data("CDNOW_sample.txt")).unwrap();
    let with_header = dir.path().join("cdnow_header.txt");
    std::fs::write(&with_header, format!("id sample date cds value\n{cdnow}")).unwrap();
    let score = |input: &Path, extra: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut args = vec![
            "score",
            "--model",
            model,
            "--transactions",
            input.to_str().unwrap(),
            "--as-of",
            "1998-06-30",
            "--output",
            out.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        (retain(&args), out)
    };
    let (plain, plain_out) = score(Path::new(&super::data("CDNOW_sample.txt")), &[], "a.csv");
    ok(&plain);
    let (detected, detected_out) = score(&with_header, &[], "b.csv");
    ok(&detected);
    assert_eq!(
        std::fs::read(&plain_out).unwrap(),
        std::fs::read(&detected_out).unwrap()
    );
    let (flagged, flagged_out) = score(&with_header, &["--header"], "c.csv");
    ok(&flagged);
    assert_eq!(
        std::fs::read(&plain_out).unwrap(),
        std::fs::read(&flagged_out).unwrap()
    );
    // Forced the other way, the header line is a bad row that names its line and column.
    let (forced, _) = score(&with_header, &["--no-header"], "d.csv");
    assert!(!forced.status.success());
    let err = String::from_utf8_lossy(&forced.stderr);
    assert!(err.contains("line 1"), "{err}");
}
