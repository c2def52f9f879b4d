//! `retain whatif`: the value of reducing dropout, on the shipped CDNOW model and on a churn
//! classifier with a margin.

use super::{data, err, ok, retain, train_telco};
use std::path::Path;

fn cdnow_model() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cdnow.json")
        .display()
        .to_string()
}

fn whatif(extra: &[&str]) -> std::process::Output {
    let (model, log) = (cdnow_model(), data("CDNOW_sample.txt"));
    let mut args = vec![
        "whatif",
        "--model",
        &model,
        "--transactions",
        &log,
        "--as-of",
        "1998-06-30",
    ];
    args.extend_from_slice(extra);
    retain(&args)
}

fn json(extra: &[&str]) -> serde_json::Value {
    let mut args = extra.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(&whatif(&args))).unwrap()
}

/// (uplift, measure) → (baseline, new, change, change %).
fn changes(j: &serde_json::Value) -> Vec<(f64, String, [f64; 4])> {
    let mut out = Vec::new();
    for s in j["scenarios"].as_array().unwrap() {
        for c in s["changes"].as_array().unwrap() {
            let f = |k: &str| c[k].as_f64().unwrap();
            out.push((
                s["uplift"].as_f64().unwrap(),
                c["measure"].as_str().unwrap().to_string(),
                [f("baseline"), f("new"), f("change"), f("change_pct")],
            ));
        }
    }
    out
}

#[test]
fn whatif_on_cdnow_starts_from_the_scores_and_rises_with_the_uplift() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("whatif.csv");
    let j = json(&[
        "--uplift",
        "0%,1%,5%,10%",
        "--output",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(j["kind"], "Pareto/NBD");
    assert_eq!(j["customers"], 2357);
    let rows = changes(&j);
    assert_eq!(rows.len(), 8);
    // The baseline is what `retain score` totals over the same 52 weeks.
    let scores: serde_json::Value = serde_json::from_str(&ok(&retain(&[
        "score",
        "--model",
        &cdnow_model(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--as-of",
        "1998-06-30",
        "--output",
        dir.path().join("s.csv").to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    for (measure, total) in [
        ("expected_purchases", "expected_purchases"),
        ("clv", "total_clv"),
    ] {
        let want = scores[total].as_f64().unwrap();
        let got: Vec<&[f64; 4]> = rows
            .iter()
            .filter(|r| r.1 == measure)
            .map(|r| &r.2)
            .collect();
        assert_eq!(got.len(), 4);
        assert!(
            (got[0][0] - want).abs() < 1e-9 * want,
            "{measure}: {} vs {want}",
            got[0][0]
        );
        // Uplift 0 changes nothing, exactly; then strictly increasing.
        assert_eq!((got[0][1], got[0][2], got[0][3]), (got[0][0], 0.0, 0.0));
        assert!(
            got.windows(2).all(|w| w[1][1] > w[0][1]),
            "{measure}: {got:?}"
        );
        for g in &got {
            assert!((g[2] - (g[1] - g[0])).abs() < 1e-9 * g[0]);
            assert!((g[3] - 100.0 * g[2] / g[0]).abs() < 1e-9);
        }
    }
    // Pareto/NBD: beta scaled by 1/(1 - u), the other parameters kept.
    let base = &j["baseline_parameters"];
    let ten = &j["scenarios"][3]["parameters"];
    let beta = base["beta"].as_f64().unwrap();
    assert!((ten["beta"].as_f64().unwrap() - beta / 0.9).abs() < 1e-12 * beta);
    assert_eq!(ten["s"], base["s"]);
    let table = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        table.lines().next().unwrap(),
        "uplift,measure,baseline,new,change,change_pct"
    );
    assert_eq!(table.lines().count(), 9);
}

#[test]
fn p_alive_mode_raises_value_by_at_most_the_uplift() {
    let j = json(&["--uplift", "10%", "--mode", "p-alive"]);
    assert_eq!(j["mode"], "p-alive");
    for (_, measure, [_, _, change, pct]) in changes(&j) {
        // Capped at P(alive) = 1: at most +10%, and more than nothing.
        assert!(change > 0.0 && pct <= 10.0 + 1e-9, "{measure}: {pct}");
    }
    let text = ok(&whatif(&["--uplift", "1%,5%", "--mode", "p-alive"]));
    assert!(
        text.contains("p' = min(1, (1+u)p)") && text.contains("change %"),
        "{text}"
    );
}

#[test]
fn whatif_help_defines_the_uplift_per_model_and_bad_input_is_refused() {
    let help = ok(&retain(&["whatif", "--help"]));
    for needle in [
        "a' = (1-u)a, b' = b + u·a",
        "beta' = beta/(1-u)",
        "p' = min(1, (1+u)p)",
        "p' = (1-u)p",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in:\n{help}");
    }
    let e = err(&whatif(&["--uplift", "100%"]));
    assert!(e.contains("below 100%"), "{e}");
    let e = err(&whatif(&["--uplift", "five"]));
    assert!(e.contains("\"five\""), "{e}");
    let e = err(&retain(&[
        "whatif",
        "--model",
        &cdnow_model(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--uplift",
        "5%",
    ]));
    assert!(e.contains("--as-of"), "{e}");
}

#[test]
fn whatif_on_a_churn_classifier_scales_the_churn_probability() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train_telco(
        dir.path(),
        &[
            "--model",
            "logistic",
            "--margin",
            "monthly_charges",
            "--margin-rate",
            "0.3",
            "--discount",
            "12%/year",
        ],
    );
    let m = model.display().to_string();
    let scores = dir.path().join("churn.csv");
    ok(&retain(&[
        "score",
        "--model",
        &m,
        "--data",
        &data("telco_churn.csv"),
        "--output",
        scores.to_str().unwrap(),
        "--drivers",
        "0",
    ]));
    let p: Vec<f64> = std::fs::read_to_string(&scores)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let charges: Vec<f64> = std::fs::read_to_string(data("telco_churn.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(18).unwrap().parse().unwrap())
        .collect();
    // No horizon: CLV = m r / (1 − r), r = (1 − p')/(1 + d), p' = 0.9 p.
    let d = 1.12f64.powf(1.0 / 12.0) - 1.0;
    let total = |u: f64| -> f64 {
        p.iter()
            .zip(&charges)
            .map(|(&p, &c)| {
                let r = (1.0 - (1.0 - u) * p) / (1.0 + d);
                0.3 * c * r / (1.0 - r)
            })
            .sum()
    };
    let out = ok(&retain(&[
        "whatif",
        "--model",
        &m,
        "--data",
        &data("telco_churn.csv"),
        "--uplift",
        "10%",
        "--json",
    ]));
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let clv = changes(&j).into_iter().find(|r| r.1 == "clv").unwrap().2;
    assert!(
        (clv[0] - total(0.0)).abs() < 1e-6 * clv[0],
        "{} vs {}",
        clv[0],
        total(0.0)
    );
    assert!(
        (clv[1] - total(0.1)).abs() < 1e-6 * clv[1],
        "{} vs {}",
        clv[1],
        total(0.1)
    );
    let e = err(&retain(&[
        "whatif",
        "--model",
        &m,
        "--data",
        &data("telco_churn.csv"),
        "--uplift",
        "10%",
        "--mode",
        "p-alive",
    ]));
    assert!(e.contains("p-alive"), "{e}");
}
