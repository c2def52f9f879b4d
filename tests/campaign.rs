//! `retain campaign` with per-segment rates and costs, segment and tier filters, and the
//! refusals a user sees.

use super::{data, err, ok, retain};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Scores the CDNOW sample with the shipped model into `dir/scores.csv`.
fn scores(dir: &Path) -> PathBuf {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    let out = dir.join("scores.csv");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--as-of",
        "1998-06-30",
        "--output",
        out.to_str().unwrap(),
    ]));
    out
}

/// A CSV file as rows of name → text.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col}: {:?}", row[col]))
}

fn campaign(scores: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "campaign",
        "--scores",
        scores.to_str().unwrap(),
        "--cost-per-contact",
        "5",
        "--output",
        out.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&retain(&args))).unwrap()
}

const RATES: &str = r#"
default = 0.2
[segments]
"Champions" = 0.35
"At Risk" = 0.6
"Lost" = 0.05
"#;

#[test]
fn per_segment_rates_apply_per_row_and_the_list_is_the_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let s = scores(dir.path());
    let rates = dir.path().join("rates.toml");
    std::fs::write(&rates, RATES).unwrap();
    let out = dir.path().join("targets.csv");
    let rate_of = |seg: &str| match seg {
        "Champions" => 0.35,
        "At Risk" => 0.6,
        "Lost" => 0.05,
        _ => 0.2,
    };
    // Independently: with one cost, the optimum is the largest positive net values.
    let rows = read_csv(&s);
    let mut nets: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "value_at_risk_52_weeks") * rate_of(&r["rfm_segment"]) - 5.0)
        .filter(|&n| n > 0.0)
        .collect();
    nets.sort_by(|a, b| b.total_cmp(a));
    for budget in [100.0, 1000.0, 1e6] {
        let p = campaign(
            &s,
            &out,
            &[
                "--budget",
                &budget.to_string(),
                "--rates",
                rates.to_str().unwrap(),
            ],
        );
        let k = nets.len().min((budget / 5.0) as usize);
        let best: f64 = nets[..k].iter().sum();
        assert_eq!(
            p["contacted"].as_u64().unwrap() as usize,
            k,
            "budget {budget}"
        );
        assert!((p["net_value"].as_f64().unwrap() - best).abs() < 1e-6 * best);
        assert_eq!(p["proven_optimal"], true);
        let list = read_csv(&out);
        assert_eq!(list.len(), k);
        for r in &list {
            let rate = rate_of(&r["rfm_segment"]);
            assert_eq!(num(r, "success_rate"), rate, "{r:?}");
            let net = num(r, "value_at_risk_52_weeks") * rate - 5.0;
            assert!((num(r, "expected_net_value") - net).abs() < 1e-9, "{r:?}");
        }
        // The per-segment lines add up to the list.
        for line in p["segments"].as_array().unwrap() {
            let seg = line["segment"].as_str().unwrap();
            let mine: Vec<_> = list.iter().filter(|r| r["rfm_segment"] == seg).collect();
            assert_eq!(line["contacted"].as_u64().unwrap() as usize, mine.len());
            let kept: f64 = mine.iter().map(|r| num(r, "expected_retained_value")).sum();
            assert!((line["expected_retained_value"].as_f64().unwrap() - kept).abs() < 1e-6);
            assert!((line["cost"].as_f64().unwrap() - 5.0 * mine.len() as f64).abs() < 1e-9);
        }
        assert_eq!(p["segments_by"], "rfm_segment");
    }
    // The budget-bound list leans to the high-rate segments: of the 20 contacts, at least 15
    // are Champions (0.35) or At Risk (0.6) and none is Lost (0.05). (Value at risk is the
    // value if retained x the probability of losing the customer, so a few default-rate
    // customers with a large value at risk make the list too: 18 of 20 are Champions or At
    // Risk with the shipped model.)
    campaign(
        &s,
        &out,
        &["--budget", "100", "--rates", rates.to_str().unwrap()],
    );
    let list = read_csv(&out);
    assert_eq!(list.len(), 20);
    let high = list
        .iter()
        .filter(|r| ["Champions", "At Risk"].contains(&r["rfm_segment"].as_str()))
        .count();
    assert!(high >= 15, "{high} of 20");
    assert!(list.iter().all(|r| r["rfm_segment"] != "Lost"));
}

#[test]
fn per_segment_costs_stay_within_budget_and_below_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let s = scores(dir.path());
    let rates = dir.path().join("rates.toml");
    std::fs::write(
        &rates,
        "default = { rate = 0.2, cost = 3 }\n[segments]\nChampions = { rate = 0.35, cost = 7.5 }\n",
    )
    .unwrap();
    let out = dir.path().join("targets.csv");
    let p = campaign(
        &s,
        &out,
        &["--budget", "777", "--rates", rates.to_str().unwrap()],
    );
    let list = read_csv(&out);
    let cost: f64 = list.iter().map(|r| num(r, "cost")).sum();
    assert!(cost <= 777.0 + 1e-9 && (cost - p["cost"].as_f64().unwrap()).abs() < 1e-9);
    for r in &list {
        let want = if r["rfm_segment"] == "Champions" {
            7.5
        } else {
            3.0
        };
        assert_eq!(num(r, "cost"), want);
    }
    let net = p["net_value"].as_f64().unwrap();
    let bound = p["net_value_upper_bound"].as_f64().unwrap();
    assert!(net <= bound + 1e-9, "{net} > {bound}");
    // The gap is at most one customer's net value.
    let largest = list
        .iter()
        .map(|r| num(r, "expected_net_value"))
        .fold(0.0, f64::max);
    assert!(bound - net <= largest + 1e-9);
}

#[test]
fn filters_keep_only_the_named_segments_and_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let s = scores(dir.path());
    let out = dir.path().join("targets.csv");
    let p = campaign(
        &s,
        &out,
        &[
            "--budget",
            "1000000",
            "--success-rate",
            "0.3",
            "--segment",
            "Champions",
            "--segment",
            "Loyal",
            "--risk-tier",
            "high",
            "--risk-tier",
            "medium",
            "--value-tier",
            "high",
        ],
    );
    let keep = |r: &HashMap<String, String>| {
        ["Champions", "Loyal"].contains(&r["rfm_segment"].as_str())
            && ["high", "medium"].contains(&r["risk_tier"].as_str())
            && r["value_tier"] == "high"
    };
    let rows = read_csv(&s);
    let eligible = rows.iter().filter(|r| keep(r)).count();
    assert_eq!(p["eligible"].as_u64().unwrap() as usize, eligible);
    assert_eq!(p["customers"].as_u64().unwrap() as usize, rows.len());
    let worth = rows
        .iter()
        .filter(|r| keep(r) && num(r, "value_at_risk_52_weeks") * 0.3 > 5.0)
        .count();
    let list = read_csv(&out);
    assert!(worth > 0);
    assert_eq!(list.len(), worth);
    assert!(list.iter().all(keep));
    // --tier is the old name of --risk-tier.
    let q = campaign(
        &s,
        &out,
        &[
            "--budget",
            "1000000",
            "--success-rate",
            "0.3",
            "--tier",
            "high",
        ],
    );
    let high = rows.iter().filter(|r| r["risk_tier"] == "high").count();
    assert_eq!(q["eligible"].as_u64().unwrap() as usize, high);
}

#[test]
fn bad_filters_and_rates_are_refused_with_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let s = scores(dir.path());
    let out = dir.path().join("targets.csv");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "campaign",
            "--scores",
            s.to_str().unwrap(),
            "--budget",
            "100",
            "--cost-per-contact",
            "5",
            "--output",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        retain(&args)
    };
    let e = err(&run(&["--success-rate", "0.2", "--segment", "Champs"]));
    assert!(
        e.contains("\"Champs\"") && e.contains("rfm_segment") && e.contains("\"Champions\""),
        "{e}"
    );
    let e = err(&run(&["--success-rate", "0.2", "--value-tier", "gold"]));
    assert!(e.contains("\"gold\"") && e.contains("\"high\""), "{e}");
    let e = err(&run(&[]));
    assert!(e.contains("--success-rate"), "{e}");
    let rates = dir.path().join("rates.toml");
    for (text, needle) in [
        ("[segments]\nChampions = 1.5\n", "(0, 1], got 1.5"),
        (
            "[segments]\nChampions = { rate = 0.3, cost = -1 }\n",
            "the cost",
        ),
        ("defaults = 0.2\n", "unknown key \"defaults\""),
    ] {
        std::fs::write(&rates, text).unwrap();
        let e = err(&run(&[
            "--success-rate",
            "0.2",
            "--rates",
            rates.to_str().unwrap(),
        ]));
        assert!(
            e.contains(needle) && e.contains("rates.toml"),
            "{text:?}: {e}"
        );
    }
    // A name the scores do not have is a warning, not an error.
    std::fs::write(&rates, "default = 0.2\n[segments]\n\"Champs\" = 0.3\n").unwrap();
    let o = run(&["--rates", rates.to_str().unwrap()]);
    ok(&o);
    let warn = String::from_utf8_lossy(&o.stderr);
    assert!(
        warn.contains("Champs") && warn.contains("Champions"),
        "{warn}"
    );
    // A score file without segment columns.
    let bare = dir.path().join("bare.csv");
    std::fs::write(&bare, "customer_id,value_at_risk_lifetime\na,100\nb,50\n").unwrap();
    let mut args = vec![
        "campaign",
        "--scores",
        bare.to_str().unwrap(),
        "--budget",
        "100",
        "--cost-per-contact",
        "5",
        "--success-rate",
        "0.2",
        "--output",
        out.to_str().unwrap(),
    ];
    let e = err(&retain(&[&args[..], &["--segment", "Champions"]].concat()));
    assert!(
        e.contains("--segment needs the rfm_segment column") && e.contains("customer_id"),
        "{e}"
    );
    args.extend(["--rates", rates.to_str().unwrap()]);
    let e = err(&retain(&args));
    assert!(e.contains("rfm_segment"), "{e}");
}
