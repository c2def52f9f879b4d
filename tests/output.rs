//! Output control end to end on the CDNOW sample with the shipped model: `--columns`,
//! `--precision`, the CRM profile with an id map (score and campaign), and no progress escape
//! codes when stderr is piped.

use super::{data, err, ok, retain};
use std::path::Path;

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/cdnow.json");

/// Scores the CDNOW sample with the shipped model to `out`, with `extra` flags.
fn score(out: &Path, extra: &[&str]) -> std::process::Output {
    let cdnow = data("CDNOW_sample.txt");
    let out = out.display().to_string();
    let mut args = vec![
        "score",
        "--model",
        MODEL,
        "--transactions",
        &cdnow,
        "--as-of",
        "1998-06-30",
        "--output",
        &out,
    ];
    args.extend(extra);
    retain(&args)
}

fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn columns_are_chosen_by_name_and_unknown_names_list_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.csv");
    ok(&score(
        &out,
        &["--columns", "clv,customer_id,churn_probability"],
    ));
    let (header, rows) = csv(&out);
    assert_eq!(header, ["clv_52_weeks", "customer_id", "churn_probability"]);
    assert_eq!(rows.len(), 2357);
    let e = err(&score(&out, &["--columns", "customer_id,nope"]));
    assert!(e.contains("no column \"nope\""), "{e}");
    assert!(e.contains("available: customer_id, x, t_x_weeks"), "{e}");
}

#[test]
fn precision_shrinks_csv_and_keeps_values_to_the_digits_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (full, short) = (dir.path().join("full.csv"), dir.path().join("p6.csv"));
    ok(&score(&full, &[]));
    ok(&score(&short, &["--precision", "6"]));
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(
        size(&short) * 10 < size(&full) * 8,
        "{} vs {}",
        size(&short),
        size(&full)
    );
    let ((h, a), (_, b)) = (csv(&full), csv(&short));
    let k = h.iter().position(|n| n == "clv_52_weeks").unwrap();
    for (x, y) in a.iter().zip(&b) {
        let (x, y): (f64, f64) = (x[k].parse().unwrap(), y[k].parse().unwrap());
        assert!((x - y).abs() <= 5e-6 * x.abs(), "{x} vs {y}");
        assert!(
            y.to_string()
                .replace(['.', '-'], "")
                .trim_start_matches('0')
                .len()
                <= 6
        );
    }
    let e = err(&score(&dir.path().join("s.parquet"), &["--precision", "6"]));
    assert!(e.contains("--precision applies to CSV output"), "{e}");
    let e = err(&score(&full, &["--precision", "18"]));
    assert!(e.contains("1 to 17"), "{e}");
}

const CRM_COLUMNS: [&str; 13] = [
    "customer_id",
    "churn_probability",
    "risk_tier",
    "predicted_clv_52_weeks",
    "value_at_risk_52_weeks",
    "predicted_orders_52_weeks",
    "average_days_between_orders",
    "average_order_value",
    "segment",
    "value_tier",
    "churn_percentile",
    "clv_percentile",
    "value_at_risk_percentile",
];

#[test]
fn the_crm_profile_has_one_row_per_customer_and_an_id_map_keys_it() {
    let dir = tempfile::tempdir().unwrap();
    let (scores, crm) = (dir.path().join("s.csv"), dir.path().join("crm.csv"));
    ok(&score(&scores, &[]));
    ok(&score(&crm, &["--profile", "crm"]));
    let ((sh, s), (ch, c)) = (csv(&scores), csv(&crm));
    assert_eq!(ch, CRM_COLUMNS);
    assert_eq!(c.len(), s.len());
    // Customer 00004: 3 repeat purchases over 49.29 weeks = 115 days between orders.
    let row = c.iter().find(|r| r[0] == "00004").unwrap();
    let days: f64 = row[6].parse().unwrap();
    assert!((days - 115.0).abs() < 1e-9, "{days}");
    let k = sh.iter().position(|n| n == "clv_52_weeks").unwrap();
    let srow = s.iter().find(|r| r[0] == "00004").unwrap();
    assert_eq!(row[3], srow[k]);
    // One-time buyers have no days between orders.
    let x = sh.iter().position(|n| n == "x").unwrap();
    let once = s.iter().find(|r| r[x] == "0").unwrap();
    let crow = c.iter().find(|r| r[0] == once[0]).unwrap();
    assert_eq!(crow[6], "");

    let ids = dir.path().join("ids.csv");
    std::fs::write(&ids, "retain_id,crm_id\n00004,CRM-4\n00021,CRM-21\n").unwrap();
    let keyed = dir.path().join("keyed.csv");
    let ids_s = ids.display().to_string();
    let text = ok(&score(&keyed, &["--profile", "crm", "--id-map", &ids_s]));
    assert!(
        text.contains("left out 2355 customer(s) absent from --id-map"),
        "{text}"
    );
    let (kh, k) = csv(&keyed);
    assert_eq!(kh[..2], ["crm_id", "customer_id"]);
    assert_eq!(k.len(), 2);
    assert_eq!((k[0][0].as_str(), k[0][1].as_str()), ("CRM-4", "00004"));
    let e = err(&score(&keyed, &["--id-map", &ids_s]));
    assert!(e.contains("give --profile crm"), "{e}");

    // The campaign's target list in the same shape, ranked.
    let list = dir.path().join("list.csv");
    let scores_s = scores.display().to_string();
    let list_s = list.display().to_string();
    ok(&retain(&[
        "campaign",
        "--scores",
        &scores_s,
        "--budget",
        "50",
        "--cost-per-contact",
        "1",
        "--success-rate",
        "0.2",
        "--output",
        &list_s,
        "--profile",
        "crm",
    ]));
    let (lh, l) = csv(&list);
    assert_eq!(lh[..13], CRM_COLUMNS);
    assert_eq!(lh[13..], ["campaign_rank", "expected_net_value"]);
    assert_eq!(l.len(), 50);
    assert_eq!(l[0][13], "1");
}

#[test]
fn piped_runs_draw_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let sim_s = sim.display().to_string();
    let runs = [
        score(&dir.path().join("s.csv"), &[]),
        retain(&[
            "simulate",
            "--model",
            MODEL,
            "--customers",
            "300",
            "--partitions",
            "2",
            "--start",
            "1997-01-01",
            "--acquisition-end",
            "1997-03-31",
            "--end",
            "1998-06-30",
            "--out",
            &sim_s,
        ]),
        retain(&[
            "score",
            "--model",
            MODEL,
            "--transactions",
            &sim_s,
            "--as-of",
            "1998-06-30",
            "--output",
            &dir.path().join("out").display().to_string(),
        ]),
    ];
    for out in &runs {
        ok(out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains('\u{1b}'),
            "escape codes on a pipe: {stderr:?}"
        );
        assert!(!stderr.contains("scoring"), "{stderr:?}");
    }
}
