//! Segments in `retain score`: RFM scores and segments, value × risk tiers and percentile
//! ranks against the artefact's reference sample of the training base; custom rules; the same
//! segment for a customer whether scored in one file or in partitions.

use super::{CDNOW_FLAGS, data, err, ok, retain};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn model() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cdnow.json")
        .display()
        .to_string()
}

/// A header-indexed CSV (no quoted fields in score outputs).
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = std::fs::read_to_string(path).expect("read csv");
        let mut lines = text.lines();
        let header = lines
            .next()
            .expect("header")
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        Csv { header, rows }
    }

    fn col(&self, name: &str) -> Vec<&str> {
        let i = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header));
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    fn num(&self, name: &str) -> Vec<f64> {
        self.col(name).iter().map(|v| v.parse().unwrap()).collect()
    }
}

fn score(out: &Path, extra: &[&str]) -> String {
    let (m, t) = (model(), data("CDNOW_sample.txt"));
    let mut args = vec![
        "score",
        "--model",
        &m,
        "--transactions",
        &t,
        "--as-of",
        "1998-06-30",
        "--output",
    ];
    let o = out.display().to_string();
    args.push(&o);
    args.extend_from_slice(extra);
    ok(&retain(&args))
}

#[test]
fn every_scored_customer_carries_segment_tiers_and_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    let stdout = score(&out, &[]);
    assert!(stdout.contains("value × risk"), "{stdout}");
    let csv = Csv::read(&out);
    let n = csv.rows.len();
    assert_eq!(n, 2357);
    // The artefact's reference is this very base as of the same day (2357 customers, all
    // kept): mid-rank percentiles of a base against itself average exactly 50.
    for col in [
        "clv_percentile",
        "churn_percentile",
        "value_at_risk_percentile",
    ] {
        let p = csv.num(col);
        assert!(p.iter().all(|&v| (0.0..=100.0).contains(&v)), "{col}");
        let mean = p.iter().sum::<f64>() / n as f64;
        assert!((mean - 50.0).abs() < 1e-9, "{col} mean {mean}");
    }
    // Value tiers follow the CLV percentile cut-offs (80 / 50), risk tiers the churn
    // probability cut-offs (0.5 / 0.2).
    let (pct, tier) = (csv.num("clv_percentile"), csv.col("value_tier"));
    for (p, t) in pct.iter().zip(&tier) {
        let want = if *p >= 80.0 {
            "high"
        } else if *p >= 50.0 {
            "medium"
        } else {
            "low"
        };
        assert_eq!(*t, want, "percentile {p}");
    }
    let high = tier.iter().filter(|&&t| t == "high").count() as f64 / n as f64;
    assert!((0.15..=0.25).contains(&high), "high-value share {high}");
    for (p, t) in csv
        .num("churn_probability")
        .iter()
        .zip(csv.col("risk_tier"))
    {
        let want = if *p >= 0.5 {
            "high"
        } else if *p >= 0.2 {
            "medium"
        } else {
            "low"
        };
        assert_eq!(t, want);
    }
    // RFM: recency is near-continuous, so each quintile holds about a fifth of the base;
    // frequency ties at zero repeat purchases (most of CDNOW) all score 1.
    let r = csv.num("rfm_recency");
    for s in 1..=5 {
        let share = r.iter().filter(|&&v| v == s as f64).count() as f64 / n as f64;
        assert!((0.12..=0.28).contains(&share), "recency {s}: {share}");
    }
    for (x, f) in csv.num("x").iter().zip(csv.num("rfm_frequency")) {
        if *x == 0.0 {
            assert_eq!(f, 1.0);
        } else {
            assert!(f > 1.0);
        }
    }
    // Named segments follow the built-in rules, e.g. Champions are 4–5 on all three.
    let seg = csv.col("rfm_segment");
    let (f, m) = (csv.num("rfm_frequency"), csv.num("rfm_monetary"));
    for i in 0..n {
        let champion = r[i] >= 4.0 && f[i] >= 4.0 && m[i] >= 4.0;
        assert_eq!(seg[i] == "Champions", champion, "row {i}");
        if r[i] == 1.0 && f[i] <= 2.0 {
            assert_eq!(seg[i], "Lost");
        }
    }
    // The printed grid adds up to the base.
    let grid: usize = stdout
        .lines()
        .filter(|l| l.trim_start().ends_with(char::is_numeric) && l.contains(" value "))
        .flat_map(|l| {
            l.split_whitespace()
                .filter_map(|w| w.parse::<usize>().ok())
                .collect::<Vec<_>>()
        })
        .sum();
    assert_eq!(grid, n, "{stdout}");
}

#[test]
fn custom_rules_and_tiers_are_applied_and_bad_rules_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[value_tiers]\nhigh = 90\nmedium = 60\n[risk_tiers]\nhigh = 0.8\nmedium = 0.4\n\
         [[rfm]]\nname = \"Recent\"\nrecency = [5, 5]\n[[rfm]]\nname = \"Everyone else\"\n",
    )
    .unwrap();
    let out = dir.path().join("custom.csv");
    score(&out, &["--segments", rules.to_str().unwrap()]);
    let csv = Csv::read(&out);
    for ((s, r), (p, v)) in csv
        .col("rfm_segment")
        .iter()
        .zip(csv.num("rfm_recency"))
        .zip(csv.num("clv_percentile").iter().zip(csv.col("value_tier")))
    {
        assert_eq!(*s, if r == 5.0 { "Recent" } else { "Everyone else" });
        assert_eq!(v == "high", *p >= 90.0);
    }
    for (p, t) in csv
        .num("churn_probability")
        .iter()
        .zip(csv.col("risk_tier"))
    {
        assert_eq!(t == "high", *p >= 0.8);
    }
    // A command-line cut-off beats the rules'.
    let out2 = dir.path().join("flag.csv");
    score(
        &out2,
        &["--segments", rules.to_str().unwrap(), "--high-risk", "0.6"],
    );
    let csv2 = Csv::read(&out2);
    for (p, t) in csv2
        .num("churn_probability")
        .iter()
        .zip(csv2.col("risk_tier"))
    {
        assert_eq!(t == "high", *p >= 0.6);
    }

    // A gap in the rules is named, and nothing is written.
    std::fs::write(&rules, "[[rfm]]\nname = \"Recent\"\nrecency = [4, 5]\n").unwrap();
    let bad = dir.path().join("bad.csv");
    let (m, t) = (model(), data("CDNOW_sample.txt"));
    let e = err(&retain(&[
        "score",
        "--model",
        &m,
        "--transactions",
        &t,
        "--as-of",
        "1998-06-30",
        "--segments",
        rules.to_str().unwrap(),
        "--output",
        bad.to_str().unwrap(),
    ]));
    assert!(
        e.contains("rules.toml") && e.contains("recency 1, frequency 1, monetary 1"),
        "{e}"
    );
    assert!(!bad.exists());
}

/// Splits the CDNOW log into `k` partition files by customer.
fn partition_log(dir: &Path, k: usize) -> PathBuf {
    let parts = dir.join("log");
    std::fs::create_dir_all(&parts).unwrap();
    let text = std::fs::read_to_string(data("CDNOW_sample.txt")).unwrap();
    let mut files = vec![String::new(); k];
    for line in text.lines() {
        let id: usize = line.split_whitespace().next().unwrap().parse().unwrap();
        files[id % k].push_str(line);
        files[id % k].push('\n');
    }
    for (i, f) in files.iter().enumerate() {
        std::fs::write(parts.join(format!("part-{i}.txt")), f).unwrap();
    }
    parts
}

#[test]
fn a_customer_gets_the_same_segment_in_a_partition_as_in_the_whole_base() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.csv");
    score(&whole, &[]);
    let parts = partition_log(dir.path(), 3);
    let out = dir.path().join("scored");
    let (m, p) = (model(), parts.display().to_string());
    let mut args = vec!["score", "--model", &m, "--transactions", &p];
    args.extend_from_slice(&CDNOW_FLAGS);
    args.extend_from_slice(&[
        "--as-of",
        "1998-06-30",
        "--output-format",
        "csv",
        "--quiet",
        "--output",
    ]);
    let o = out.display().to_string();
    args.push(&o);
    let stdout = ok(&retain(&args));
    assert!(stdout.contains("segments (customers"), "{stdout}");
    let key = |csv: &Csv| -> HashMap<String, Vec<String>> {
        let cols = [
            "rfm_segment",
            "value_tier",
            "risk_tier",
            "clv_percentile",
            "churn_percentile",
        ];
        let ids = csv.col("customer_id");
        (0..ids.len())
            .map(|i| {
                let v = cols.iter().map(|c| csv.col(c)[i].to_string()).collect();
                (ids[i].to_string(), v)
            })
            .collect()
    };
    let want = key(&Csv::read(&whole));
    let mut got = HashMap::new();
    for i in 0..3 {
        got.extend(key(&Csv::read(&out.join(format!("part-{i}.csv")))));
    }
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    // The manifest keeps the grid, which adds up to the base.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("_manifest.json")).unwrap())
            .unwrap();
    let total: u64 = manifest["partitions"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| {
            p["totals"]["value_risk"]["cells"]
                .as_array()
                .unwrap()
                .clone()
        })
        .flat_map(|row| row.as_array().unwrap().clone())
        .map(|c| c["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 2357);
}

#[test]
fn churn_scores_are_ranked_against_the_training_table() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("telco");
    ok(&retain(&[
        "train",
        "churn",
        "--data",
        &data("telco_churn.csv"),
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--model",
        "logistic",
        "--margin",
        "monthly_charges",
        "--out",
        &model.display().to_string(),
    ]));
    let out = dir.path().join("scores.csv");
    let stdout = ok(&retain(&[
        "score",
        "--model",
        &model.with_extension("json").display().to_string(),
        "--data",
        &data("telco_churn.csv"),
        "--drivers",
        "0",
        "--output",
        &out.display().to_string(),
    ]));
    assert!(stdout.contains("value × risk"), "{stdout}");
    let csv = Csv::read(&out);
    let n = csv.rows.len() as f64;
    // The training table itself, against quantiles of its own scores: ranks are uniform.
    let (p, pct) = (csv.num("churn_probability"), csv.num("churn_percentile"));
    let mean = pct.iter().sum::<f64>() / n;
    assert!((mean - 50.0).abs() < 0.5, "mean churn percentile {mean}");
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    assert!(
        order.windows(2).all(|w| pct[w[0]] <= pct[w[1]]),
        "ranks follow the probability"
    );
    let high = csv
        .col("value_tier")
        .iter()
        .filter(|&&t| t == "high")
        .count() as f64
        / n;
    assert!((0.18..=0.22).contains(&high), "high-value share {high}");
    for (c, t) in csv.num("clv_percentile").iter().zip(csv.col("value_tier")) {
        assert_eq!(t == "high", *c >= 80.0);
    }
}
