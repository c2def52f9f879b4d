//! `retain monitor --scores`: an earlier score file judged against what happened since (the
//! same figures as `retain evaluate`), the prediction-quality band, today's outputs against
//! the earlier ones, and partitioned inputs.

use super::{CDNOW_FLAGS, data, err, ok, retain, train};
use serde_json::Value;
use std::path::Path;

fn json(args: &[&str]) -> Value {
    let out = retain(args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Splits a text file's lines (after `header` lines kept in each) into two partitions of `dir`:
/// alternate lines, or (`interleave` false) the first and second half, which keeps the row
/// order across the partitions.
fn split(file: &str, dir: &Path, header: usize, ext: &str, interleave: bool) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (head, rows) = lines.split_at(header);
    for part in 0..2 {
        let mut out: Vec<&str> = head.to_vec();
        if interleave {
            out.extend(rows.iter().skip(part).step_by(2));
        } else {
            let half = rows.len() / 2;
            out.extend(if part == 0 {
                &rows[..half]
            } else {
                &rows[half..]
            });
        }
        std::fs::write(
            dir.join(format!("part-{part}.{ext}")),
            out.join("\n") + "\n",
        )
        .unwrap();
    }
    dir.display().to_string()
}

fn close(a: &Value, b: &Value) -> bool {
    (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9
}

#[test]
fn earlier_clv_scores_are_judged_like_a_backtest_and_banded() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train(dir.path(), "bgnbd");
    let m = model.to_str().unwrap();
    let cdnow = data("CDNOW_sample.txt");
    let scores = dir.path().join("scores-1997-09-30.csv");
    let mut score = vec![
        "score",
        "--model",
        m,
        "--transactions",
        &cdnow,
        "--as-of",
        "1997-09-30",
        "--horizon",
        "39w",
        "--output",
        scores.to_str().unwrap(),
    ];
    score.extend(CDNOW_FLAGS);
    ok(&retain(&score));
    let mut evaluate = vec![
        "evaluate",
        "--model",
        m,
        "--transactions",
        &cdnow,
        "--as-of",
        "1997-09-30",
        "--horizon",
        "39w",
        "--json",
    ];
    evaluate.extend(CDNOW_FLAGS);
    let backtest = json(&evaluate);
    let s = scores.to_str().unwrap();
    let mut monitor = vec![
        "monitor",
        "--model",
        m,
        "--transactions",
        &cdnow,
        "--as-of",
        "1998-06-30",
        "--horizon",
        "39w",
        "--scores",
        s,
        "--scores-as-of",
        "1997-09-30",
        "--json",
    ];
    monitor.extend(CDNOW_FLAGS);
    let report = json(&monitor);
    // The drift report keeps its fields at the top level.
    assert!(report["verdict"].is_string(), "{report}");
    let q = &report["realised"];
    // The score file's expected purchases against the window: evaluate's backtest figures.
    assert_eq!(q["customers"], 2357, "{q}");
    assert_eq!(q["outcome_without_score"], 0);
    for key in [
        "predicted_total",
        "actual_total",
        "mae",
        "gini",
        "top_decile_lift",
    ] {
        assert!(
            close(&q["purchases"][key], &backtest["purchases"][key]),
            "{key}: {} vs {}",
            q["purchases"][key],
            backtest["purchases"][key]
        );
    }
    assert!(close(
        &q["no_purchase_roc_auc"],
        &backtest["no_purchase_roc_auc"]
    ));
    assert_eq!(q["band"], backtest["band"]);
    // Band = 100 × Gini rounded to 0.1.
    let gini = q["purchases"]["gini"].as_f64().unwrap();
    let score = q["band"]["score"].as_f64().unwrap();
    assert!(
        (score - (1000.0 * gini).round() / 10.0).abs() < 1e-9,
        "{score} {gini}"
    );
    assert_eq!(
        q["band"]["band"],
        if score >= 60.0 {
            "excellent"
        } else if score >= 40.0 {
            "good"
        } else {
            "fair"
        }
    );
    assert!(q["value"]["actual_total"].as_f64().unwrap() > 0.0, "{q}");
    assert_eq!(q["value_column"], "clv_39_weeks");
    // The page and drift.json carry the quality and its band.
    let page = dir.path().join("page");
    let mut paged: Vec<&str> = monitor.iter().copied().filter(|&a| a != "--json").collect();
    paged.extend(["--output", page.to_str().unwrap()]);
    ok(&retain(&paged));
    let html = std::fs::read_to_string(page.join("report.html")).unwrap();
    let label = q["band"]["band"].as_str().unwrap().replace('_', " ");
    assert!(
        html.contains("Realised quality of the earlier scores"),
        "{html}"
    );
    assert!(html.to_lowercase().contains(&label), "{label}");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(page.join("drift.json")).unwrap()).unwrap();
    assert_eq!(saved["realised"]["band"], q["band"]);
    // Today's churn probabilities and CLV against the earlier ones.
    let against: Vec<&str> = report["against_previous"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap())
        .collect();
    assert_eq!(against, ["churn_probability", "clv_39_weeks"]);

    // The same from partitions: the log split into two files, the scores into two.
    let log_parts = split(&cdnow, &dir.path().join("log"), 0, "txt", true);
    let score_parts = split(s, &dir.path().join("scores"), 1, "csv", true);
    let mut parted = monitor.clone();
    parted[4] = &log_parts;
    parted[10] = &score_parts;
    let again = json(&parted);
    // The same figures; only the calibration deciles may differ, where equal predictions
    // straddle a decile edge and the row order decides which side a customer falls on.
    for key in ["predicted_total", "actual_total", "gini", "top_decile_lift"] {
        assert!(
            close(&again["realised"]["purchases"][key], &q["purchases"][key]),
            "{key}"
        );
    }
    assert_eq!(again["columns"], report["columns"]);

    // Scores of another horizon, or without the day they were written as of, are refused.
    let mut other = monitor.clone();
    other[8] = "52w";
    let e = err(&retain(&other));
    assert!(
        e.contains("expected_purchases_52_weeks") && e.contains("--horizon"),
        "{e}"
    );
    let mut no_day: Vec<&str> = monitor.clone();
    no_day.drain(11..13);
    let e = err(&retain(&no_day));
    assert!(e.contains("--scores-as-of"), "{e}");
}

#[test]
fn earlier_churn_scores_are_judged_against_the_labels_and_partitions_read_as_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let telco = data("telco_churn.csv");
    let model = dir.path().join("telco.json");
    let m = model.to_str().unwrap();
    ok(&retain(&[
        "train",
        "churn",
        "--data",
        &telco,
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--model",
        "logistic",
        "--out",
        m,
    ]));
    let scores = dir.path().join("scores.csv");
    let s = scores.to_str().unwrap();
    ok(&retain(&[
        "score", "--model", m, "--data", &telco, "--output", s,
    ]));
    let metrics = json(&["evaluate", "--model", m, "--data", &telco, "--json"]);
    let report = json(&[
        "monitor", "--model", m, "--data", &telco, "--scores", s, "--json",
    ]);
    let q = &report["realised"];
    assert!(
        close(&q["churn_roc_auc"], &metrics["roc_auc"]),
        "{q} {metrics}"
    );
    // Gini of a binary outcome = 2·AUC − 1; the band is 100 × that.
    let auc = metrics["roc_auc"].as_f64().unwrap();
    let gini = q["churn"]["gini"].as_f64().unwrap();
    assert!((gini - (2.0 * auc - 1.0)).abs() < 1e-9, "{gini} {auc}");
    assert!((q["band"]["score"].as_f64().unwrap() - (1000.0 * gini).round() / 10.0).abs() < 1e-9);
    // Expected churners against actual ones.
    let rows = q["churn"]["customers"].as_u64().unwrap() as f64;
    assert!(q["churn"]["actual_total"].as_f64().unwrap() < rows);
    // Scored today on the same table: the outputs have not moved.
    assert_eq!(report["against_previous"][0]["column"], "churn_probability");
    assert!(report["against_previous"][0]["psi"].as_f64().unwrap() < 1e-9);
    // A text page shows the band.
    let printed = String::from_utf8_lossy(
        &retain(&["monitor", "--model", m, "--data", &telco, "--scores", s]).stdout,
    )
    .to_string();
    assert!(printed.contains("prediction quality:"), "{printed}");

    // The table as two partitions: the same drift and quality.
    // The model has no id column: rows are matched by position, so the partitions keep the
    // order (first half, second half).
    let parts = split(&telco, &dir.path().join("parts"), 1, "csv", false);
    let again = json(&[
        "monitor", "--model", m, "--data", &parts, "--scores", s, "--json",
    ]);
    assert_eq!(again["columns"], report["columns"]);
    assert!(close(
        &again["realised"]["churn_roc_auc"],
        &q["churn_roc_auc"]
    ));

    // Without the target column, the labels are missing: said so.
    let text = std::fs::read_to_string(&telco).unwrap();
    let header = text.lines().next().unwrap();
    let target = header.split(',').position(|c| c == "churn").unwrap();
    let cut: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(target);
            f.join(",") + "\n"
        })
        .collect();
    let unlabelled = dir.path().join("unlabelled.csv");
    std::fs::write(&unlabelled, cut).unwrap();
    let e = err(&retain(&[
        "monitor",
        "--model",
        m,
        "--data",
        unlabelled.to_str().unwrap(),
        "--scores",
        s,
    ]));
    assert!(e.contains("\"churn\"") && e.contains("labels"), "{e}");
}

#[test]
fn subscription_models_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let model = super::subscription::telco_sbg(dir.path());
    let m = model.to_str().unwrap();
    let telco = data("telco_churn.csv");
    for command in ["monitor", "evaluate"] {
        let e = err(&retain(&[command, "--model", m, "--data", &telco]));
        assert!(
            e.contains("subscription (sBG)") && e.contains("no sample or deciles"),
            "{command}: {e}"
        );
    }
}
