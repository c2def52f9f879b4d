//! `retain monitor` and `retain evaluate` end to end: a base simulated from the training
//! parameters is stable on every column, one simulated with α doubled or a telco table with
//! `monthly_charges` raised 30% is flagged on exactly the shifted columns; exit codes; the
//! HTML page; backtests of a CLV model as of a past day.

use super::{CDNOW_FLAGS, data, err, ok, retain, train};
use serde_json::Value;
use std::path::Path;

/// BG/NBD + Gamma-Gamma parameters of the simulated bases (weekly rates), as tests/batch.rs.
const SPEND: &str = "p=6.25,q=3.74,gamma=15.44";

fn simulate(out: &Path, alpha: f64, seed: u64) -> String {
    ok(&retain(&[
        "simulate",
        "--purchase",
        &format!("bgnbd:r=1.5,alpha={alpha},a=0.8,b=2.5"),
        "--spend",
        SPEND,
        "--customers",
        "8000",
        "--start",
        "1997-01-01",
        "--acquisition-end",
        "1997-03-31",
        "--end",
        "1998-06-30",
        "--seed",
        &seed.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]));
    out.join("part-00000.csv").display().to_string()
}

fn monitor(model: &Path, input: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["monitor", "--model", model.to_str().unwrap()];
    args.extend(input);
    args.push("--json");
    let out = retain(&args);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

/// (column, verdict, psi) of every column.
fn verdicts(report: &Value) -> Vec<(String, String, f64)> {
    report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["column"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
                c["psi"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn flagged(report: &Value) -> Vec<String> {
    verdicts(report)
        .into_iter()
        .filter(|(_, v, _)| v == "moderate" || v == "significant")
        .map(|(c, _, _)| c)
        .collect()
}

#[test]
fn a_simulated_base_is_stable_and_alpha_doubled_is_flagged_on_the_shifted_columns() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let training = simulate(&root.join("train"), 30.0, 1);
    let model = root.join("sim.json");
    ok(&retain(&[
        "train",
        "clv",
        "--transactions",
        &training,
        "--time-unit",
        "week",
        "--model",
        "bgnbd",
        "--calibration-end",
        "1998-06-30",
        "--out",
        model.to_str().unwrap(),
    ]));
    let as_of = ["--as-of", "1998-06-30"];
    // Another base from the same parameters (another seed): stable on every column.
    let same = simulate(&root.join("same"), 30.0, 2);
    let (code, report) = monitor(&model, &[&["--transactions", &same][..], &as_of].concat());
    let v = verdicts(&report);
    assert_eq!(v.len(), 7, "{v:?}");
    for (column, verdict, psi) in &v {
        assert_eq!(verdict, "stable", "{column}: PSI {psi}");
    }
    assert_eq!(code, Some(0));
    assert_eq!(report["verdict"], "stable");

    // α doubled: every customer buys at half the rate. Repeat purchases, recency and every
    // output move; the customers' age (T, same acquisition window) and the spend per repeat
    // purchase (the same Gamma-Gamma) do not.
    let slow = simulate(&root.join("slow"), 60.0, 3);
    let (code, report) = monitor(&model, &[&["--transactions", &slow][..], &as_of].concat());
    let flagged = flagged(&report);
    assert_eq!(
        flagged,
        vec![
            "x",
            "t_x_weeks",
            "churn_probability",
            "clv_52_weeks",
            "value_at_risk_52_weeks"
        ],
        "{:?}",
        verdicts(&report)
    );
    assert_eq!(report["verdict"], "significant");
    assert_eq!(code, Some(4));
    // The page: one plot per drifted column, and the JSON beside it.
    let page = root.join("page");
    let out = retain(&[
        "monitor",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &slow,
        "--as-of",
        "1998-06-30",
        "--output",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("overall: significant"), "{text}");
    let html = std::fs::read_to_string(page.join("report.html")).unwrap();
    assert_eq!(html.matches("<figure").count(), 5);
    assert!(html.contains("drift_t_x_weeks"));
    assert!(page.join("drift_x.svg").exists());
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(page.join("drift.json")).unwrap()).unwrap();
    assert_eq!(json["verdict"], "significant");
    // Thresholds are configurable: with a significant PSI of 1000 the worst is moderate (3).
    let out = retain(&[
        "monitor",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &slow,
        "--as-of",
        "1998-06-30",
        "--significant-psi",
        "1000",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let out = retain(&[
        "monitor",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &slow,
        "--as-of",
        "1998-06-30",
        "--moderate-psi",
        "0.3",
        "--significant-psi",
        "0.2",
    ]);
    assert!(err(&out).contains("significant PSI threshold"));
}

/// Telco split by row parity: odd rows train, even rows are the later table. With
/// `monthly_charges_factor` the even rows' monthly charges are scaled.
fn telco_halves(dir: &Path, monthly_charges_factor: f64) -> (String, String) {
    let text = std::fs::read_to_string(data("telco_churn.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let col = header
        .split(',')
        .position(|c| c == "monthly_charges")
        .unwrap();
    let (mut odd, mut even) = (vec![header.to_string()], vec![header.to_string()]);
    for (i, line) in lines.enumerate() {
        if i % 2 == 1 {
            odd.push(line.to_string());
        } else {
            let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
            let v: f64 = f[col].parse().unwrap();
            f[col] = format!("{:.2}", v * monthly_charges_factor);
            even.push(f.join(","));
        }
    }
    let (a, b) = (
        dir.join("odd.csv"),
        dir.join(format!("even-{monthly_charges_factor}.csv")),
    );
    std::fs::write(&a, odd.join("\n") + "\n").unwrap();
    std::fs::write(&b, even.join("\n") + "\n").unwrap();
    (a.display().to_string(), b.display().to_string())
}

#[test]
fn telco_with_monthly_charges_raised_30_percent_is_flagged_on_that_column_only() {
    let dir = tempfile::tempdir().unwrap();
    let (train_table, same) = telco_halves(dir.path(), 1.0);
    let (_, raised) = telco_halves(dir.path(), 1.3);
    let model = dir.path().join("telco.json");
    ok(&retain(&[
        "train",
        "churn",
        "--data",
        &train_table,
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--model",
        "logistic",
        "--out",
        model.to_str().unwrap(),
    ]));
    // The artefact keeps a bounded profile of each input column, never the target.
    let art: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let profiles = art["feature_reference"].as_array().unwrap();
    assert_eq!(profiles.len(), 19);
    assert!(profiles.iter().all(|p| p["name"] != "churn"));

    let (code, report) = monitor(&model, &["--data", &same]);
    for (column, verdict, psi) in verdicts(&report) {
        assert_eq!(verdict, "stable", "{column}: PSI {psi}");
    }
    assert_eq!(code, Some(0));

    let (code, report) = monitor(&model, &["--data", &raised]);
    let inputs: Vec<String> = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["group"] == "feature" && c["verdict"] != "stable")
        .map(|c| c["column"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(inputs, vec!["monthly_charges"], "{:?}", verdicts(&report));
    assert_ne!(code, Some(0));
    // An input column the table lacks is an error naming it (as scoring says).
    let text = std::fs::read_to_string(&same).unwrap();
    let cut: String = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let short = dir.path().join("short.csv");
    std::fs::write(&short, cut).unwrap();
    let out = retain(&[
        "monitor",
        "--model",
        model.to_str().unwrap(),
        "--data",
        short.to_str().unwrap(),
    ]);
    assert!(err(&out).contains("total_charges"));
}

#[test]
fn an_artefact_without_references_loads_scores_and_says_what_it_cannot_compare() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("reference");
    let old = dir.path().join("old.json");
    std::fs::write(&old, serde_json::to_string(&v).unwrap()).unwrap();
    let cdnow = data("CDNOW_sample.txt");
    let (code, report) = monitor(&old, &["--transactions", &cdnow, "--as-of", "1998-06-30"]);
    assert_eq!(code, Some(0));
    assert!(
        verdicts(&report)
            .iter()
            .all(|(_, verdict, _)| verdict == "not_compared")
    );
    assert!(report["notes"][0].as_str().unwrap().contains("retrain"));
    // It still scores.
    let scores = dir.path().join("s.csv");
    ok(&retain(&[
        "score",
        "--model",
        old.to_str().unwrap(),
        "--transactions",
        &cdnow,
        "--as-of",
        "1998-06-30",
        "--output",
        scores.to_str().unwrap(),
    ]));
}

#[test]
fn a_backtest_compares_predictions_as_of_a_past_day_with_the_window_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (model, trained) = train(dir.path(), "bgnbd");
    let cdnow = data("CDNOW_sample.txt");
    let mut args = vec![
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &cdnow,
        "--as-of",
        "1997-09-30",
        "--horizon",
        "39w",
        "--json",
    ];
    args.extend(CDNOW_FLAGS);
    let b: Value = serde_json::from_str(&ok(&retain(&args))).unwrap();
    // The 39 weeks after the calibration end are the training holdout: the backtest's
    // purchases are the artefact's holdout totals and MAE (train clv computed those).
    let holdout = &trained["holdout"];
    let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9;
    assert_eq!(b["window_days"], 273);
    assert_eq!(b["customers"], 2357);
    assert!(
        close(&b["purchases"]["actual_total"], &holdout["actual_total"]),
        "{b}"
    );
    assert!(
        close(
            &b["purchases"]["predicted_total"],
            &holdout["predicted_total"]
        ),
        "{b}"
    );
    assert!(close(&b["purchases"]["mae"], &holdout["mae"]), "{b}");
    let gini = b["purchases"]["gini"].as_f64().unwrap();
    assert!(gini > 0.3 && gini < 1.0, "{gini}");
    assert!(b["purchases"]["top_decile_lift"].as_f64().unwrap() > 2.0);
    assert_eq!(b["purchases"]["calibration"].as_array().unwrap().len(), 10);
    let auc = b["no_purchase_roc_auc"].as_f64().unwrap();
    assert!(auc > 0.6 && auc < 1.0, "{auc}");
    // A window past the end of the log is refused: its outcomes are not known yet.
    let mut late = args.clone();
    late[6] = "1998-01-01";
    let e = err(&retain(&late));
    assert!(e.contains("before the end of the outcome window"), "{e}");
}
