//! Value at risk = what a retained customer would be worth × the probability of losing them:
//! campaigns on CDNOW and telco (sBG) contact valuable customers at high risk first.

use super::{data, ok, retain};
use std::collections::HashMap;
use std::path::Path;

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn num(r: &HashMap<String, String>, c: &str) -> f64 {
    r[c].parse().unwrap_or_else(|_| panic!("{c}: {:?}", r[c]))
}

fn campaign(scores: &Path, out: &Path) -> serde_json::Value {
    let text = ok(&retain(&[
        "campaign",
        "--scores",
        scores.to_str().unwrap(),
        "--budget",
        "500",
        "--cost-per-contact",
        "5",
        "--success-rate",
        "0.2",
        "--output",
        out.to_str().unwrap(),
        "--json",
    ]));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn cdnow_campaign_contacts_customers_worth_much_if_retained_and_likely_lost() {
    let dir = tempfile::tempdir().unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    let scores = dir.path().join("scores.csv");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--as-of",
        "1998-06-30",
        "--output",
        scores.to_str().unwrap(),
    ]));
    let rows = read_csv(&scores);
    // Value at risk = CLV given alive × (1 − P(alive)) and CLV = P(alive) × CLV given alive.
    let if_alive = |r: &HashMap<String, String>| num(r, "clv_52_weeks") / num(r, "p_alive");
    for r in &rows {
        let (var, p) = (num(r, "value_at_risk_52_weeks"), num(r, "p_alive"));
        if p > 1e-6 {
            let want = if_alive(r) * (1.0 - p);
            assert!(
                (var - want).abs() <= 1e-9 * want.max(1e-9),
                "{var} vs {want}"
            );
        }
    }
    let out = dir.path().join("targets.csv");
    let plan = campaign(&scores, &out);
    let contacted = plan["contacted"].as_u64().unwrap() as usize;
    assert_eq!(
        contacted, 100,
        "the budget pays for 100 contacts worth more than 5 each"
    );
    // The contacted are worth much more if retained than the base, and far likelier lost.
    let by_id: HashMap<&str, &HashMap<String, String>> = rows
        .iter()
        .map(|r| (r["customer_id"].as_str(), r))
        .collect();
    let picked: Vec<&HashMap<String, String>> = read_csv(&out)
        .iter()
        .map(|t| by_id[t["customer_id"].as_str()])
        .collect();
    let mean = |v: &[&HashMap<String, String>], f: &dyn Fn(&HashMap<String, String>) -> f64| {
        v.iter().map(|r| f(r)).sum::<f64>() / v.len() as f64
    };
    let all: Vec<&HashMap<String, String>> = rows.iter().collect();
    let churn = |r: &HashMap<String, String>| num(r, "churn_probability");
    assert!(mean(&picked, &if_alive) > 5.0 * mean(&all, &if_alive));
    assert!(mean(&picked, &churn) > mean(&all, &churn).min(0.5));
    assert!(picked.iter().filter(|r| r["risk_tier"] != "low").count() >= 90);
}

#[test]
fn telco_campaign_contacts_high_value_high_risk_subscribers() {
    let dir = tempfile::tempdir().unwrap();
    let model = super::subscription::telco_sbg(dir.path());
    let scores = dir.path().join("scores.csv");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--data",
        &data("telco_churn.csv"),
        "--output",
        scores.to_str().unwrap(),
    ]));
    let out = dir.path().join("targets.csv");
    let plan = campaign(&scores, &out);
    // Value at risk × 0.2 > 5 for many subscribers: the budget is spent in full.
    assert_eq!(plan["contacted"].as_u64().unwrap(), 100);
    let rows = read_csv(&scores);
    let by_id: HashMap<&str, &HashMap<String, String>> = rows
        .iter()
        .map(|r| (r["customer_id"].as_str(), r))
        .collect();
    let picked: Vec<&HashMap<String, String>> = read_csv(&out)
        .iter()
        .map(|t| by_id[t["customer_id"].as_str()])
        .collect();
    let mean = |v: &[&HashMap<String, String>], c: &str| {
        v.iter().map(|r| num(r, c)).sum::<f64>() / v.len() as f64
    };
    let all: Vec<&HashMap<String, String>> = rows.iter().collect();
    // New month-to-month customers paying the most: churn risk and margin both above the base.
    assert!(mean(&picked, "churn_probability") > 1.5 * mean(&all, "churn_probability"));
    let margin = |v: &[&HashMap<String, String>]| {
        v.iter()
            .map(|r| num(r, "value_at_risk_36_months") / num(r, "churn_probability"))
            .sum::<f64>()
            / v.len() as f64
    };
    assert!(margin(&picked) > margin(&all));
}
