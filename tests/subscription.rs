//! `retain train subscription` (sBG) → inspect → score: Fader & Hardie's (2007) published fits,
//! per-cohort fits, the score columns and the errors a user sees.

use super::{data, err, ok, retain};
use std::path::Path;

/// Fader & Hardie (2007) "high end" customers, rebuilt from the published survival curve
/// 100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1 %: churned per year 1..7, then active.
const HIGH_END: ([u32; 7], u32) = ([131, 126, 90, 60, 42, 34, 26], 491);

/// The regular customers of tests/data/sbg_regular.csv plus the high-end ones, with a cohort
/// column and a margin.
fn two_cohorts(dir: &Path) -> String {
    let regular = std::fs::read_to_string(data("sbg_regular.csv")).unwrap();
    let mut csv = String::from("customer_id,tenure,churned,segment,margin\n");
    for line in regular.lines().skip(1) {
        csv.push_str(&format!("{line},regular,10\n"));
    }
    let (churned, active) = HIGH_END;
    let mut id = 0;
    for (t, n) in churned.iter().enumerate() {
        for _ in 0..*n {
            id += 1;
            csv.push_str(&format!("h{id},{},1,high-end,40\n", t + 1));
        }
    }
    for _ in 0..active {
        id += 1;
        csv.push_str(&format!("h{id},7,0,high-end,40\n"));
    }
    let path = dir.join("cohorts.csv");
    std::fs::write(&path, csv).unwrap();
    path.display().to_string()
}

fn param(fit: &serde_json::Value, name: &str) -> (f64, f64) {
    let p = fit["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap();
    (
        p["value"].as_f64().unwrap(),
        p["std_error"].as_f64().unwrap(),
    )
}

#[test]
fn sbg_reproduces_fader_hardie_2007_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("regular.json");
    ok(&retain(&[
        "train",
        "subscription",
        "--data",
        &data("sbg_regular.csv"),
        "--tenure-col",
        "tenure",
        "--churned-col",
        "churned",
        "--model",
        "sbg",
        "--period",
        "1y",
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = ok(&retain(&["inspect", out.to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["kind"], "subscription");
    // Fader & Hardie (2007), "How to project customer retention", regular customers:
    // alpha 0.704, beta 1.182, LL -1680.27.
    let fit = &v["pooled"];
    assert!((fit["model"]["alpha"].as_f64().unwrap() - 0.704).abs() < 5e-4);
    assert!((fit["model"]["beta"].as_f64().unwrap() - 1.182).abs() < 5e-4);
    assert!((fit["log_likelihood"].as_f64().unwrap() + 1680.27).abs() < 5e-3);
    let (alpha, se) = param(fit, "alpha");
    assert!(
        (alpha - 0.704).abs() < 5e-4 && se > 0.0 && se < alpha,
        "{alpha} ± {se}"
    );
    assert_eq!(fit["customers"], 1000);
    assert_eq!(fit["churned"], 759);
    // The text report shows the survival curve: 63.1% after year 1 (published).
    let report = ok(&retain(&["inspect", out.to_str().unwrap()]));
    assert!(report.contains("survival S(t)"), "{report}");
}

#[test]
fn cohorts_get_their_own_fits_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let table = two_cohorts(dir.path());
    let model = dir.path().join("m.json");
    ok(&retain(&[
        "train",
        "subscription",
        "--data",
        &table,
        "--cohort-col",
        "segment",
        "--id-col",
        "customer_id",
        "--period",
        "1y",
        "--margin",
        "margin",
        "--discount",
        "10%/year",
        "--out",
        model.to_str().unwrap(),
    ]));
    let v: serde_json::Value = serde_json::from_str(&ok(&retain(&[
        "inspect",
        model.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    let cohorts = v["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 2);
    // Fader & Hardie (2007): high end alpha 0.668, beta 3.806, LL -1611.16; regular as above.
    let (high, regular) = (&cohorts[0], &cohorts[1]);
    assert_eq!(
        (high["cohort"].as_str(), regular["cohort"].as_str()),
        (Some("high-end"), Some("regular"))
    );
    assert!((param(high, "alpha").0 - 0.668).abs() < 5e-4);
    assert!((param(high, "beta").0 - 3.806).abs() < 5e-4);
    assert!((high["log_likelihood"].as_f64().unwrap() + 1611.16).abs() < 5e-3);
    assert!((param(regular, "alpha").0 - 0.704).abs() < 5e-4);

    // Score three active subscribers: a regular one after 4 years, a high-end one just
    // acquired, and one of a cohort unknown at training (scored with the pooled fit).
    let active = dir.path().join("active.csv");
    std::fs::write(
        &active,
        "customer_id,tenure,segment,margin\na,4,regular,10\nb,0,high-end,40\nc,2,new,10\n",
    )
    .unwrap();
    let scores = dir.path().join("scores.csv");
    let summary = ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--data",
        active.to_str().unwrap(),
        "--output",
        scores.to_str().unwrap(),
        "--json",
    ]));
    let s: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(s["customers"], 3);
    assert_eq!(s["unknown_cohorts"], 1);
    let text = std::fs::read_to_string(&scores).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "customer_id",
            "cohort",
            "churn_probability",
            "retention_probability",
            "risk_tier",
            "expected_lifetime_years",
            "derl_years",
            "retention_elasticity",
            "clv_lifetime",
            "value_at_risk_lifetime"
        ]
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let num = |i: usize| row[i].parse::<f64>().unwrap();
    assert_eq!(row[0], "a");
    let (a, b) = (param(regular, "alpha").0, param(regular, "beta").0);
    assert!((num(2) - a / (a + b + 4.0)).abs() < 1e-12);
    // α < 1: the expected remaining lifetime is infinite, written as an empty cell.
    assert_eq!(row[5], "");
    // DERL at the published parameters is 5.35857 (mpmath, see crates/models/src/sbg/tests.rs);
    // the fitted ones differ from them in the fourth digit.
    assert!((num(6) - 5.3586).abs() < 0.02, "{}", num(6));
    assert!((num(8) - 10.0 * num(6)).abs() < 1e-9);
    assert!(num(9) > 0.0 && num(9) < num(8));
}

#[test]
fn bad_subscription_input_names_the_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "tenure,churned\n1,1\n2.5,0\n3,0\n").unwrap();
    let out = dir.path().join("m.json");
    let e = err(&retain(&[
        "train",
        "subscription",
        "--data",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(
        e.contains("\"tenure\", data row 2") && e.contains("whole number"),
        "{e}"
    );
    std::fs::write(&bad, "tenure,churned\n1,1\n2,maybe\n").unwrap();
    let e = err(&retain(&[
        "train",
        "subscription",
        "--data",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(e.contains("\"churned\", data row 2"), "{e}");
    let e = err(&retain(&[
        "train",
        "subscription",
        "--data",
        &data("sbg_regular.csv"),
        "--model",
        "bgbb",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(e.contains("sbg"), "{e}");
}

/// Trains the sBG on the telco table (tenure in months, churn Yes/No, one fit per contract
/// type, margin = monthly charges) into `dir/models/telco_sbg.json`.
pub(crate) fn telco_sbg(models: &Path) -> std::path::PathBuf {
    let out = models.join("telco_sbg.json");
    ok(&retain(&[
        "train",
        "subscription",
        "--data",
        &data("telco_churn.csv"),
        "--tenure-col",
        "tenure",
        "--churned-col",
        "churn",
        "--cohort-col",
        "contract",
        "--margin",
        "monthly_charges",
        "--period",
        "1mo",
        "--horizon",
        "36mo",
        "--out",
        out.to_str().unwrap(),
    ]));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_subscription_scores_equal_the_cli_and_bad_tenure_is_invalid_argument() {
    use super::serve::{channel, pb, start};
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    let model = telco_sbg(&models);
    let cli = dir.path().join("telco.csv");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--data",
        &data("telco_churn.csv"),
        "--output",
        cli.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&cli).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 7043);
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let table = std::fs::read_to_string(data("telco_churn.csv")).unwrap();
    let mut tl = table.lines();
    let names: Vec<&str> = tl.next().unwrap().split(',').collect();
    let input: Vec<Vec<&str>> = tl.map(|l| l.split(',').collect()).collect();
    let server = start(&models, &[]);
    let mut client = pb::scoring_client::ScoringClient::new(channel(&server).await);
    let feature = |v: pb::feature_value::Value| pb::FeatureValue { value: Some(v) };
    for i in (0..rows.len()).step_by(701) {
        let cell = |n: &str| input[i][names.iter().position(|h| *h == n).unwrap()];
        let values = [
            (
                "tenure".to_string(),
                feature(pb::feature_value::Value::Number(
                    cell("tenure").parse().unwrap(),
                )),
            ),
            (
                "contract".to_string(),
                feature(pb::feature_value::Value::Text(cell("contract").into())),
            ),
            (
                "monthly_charges".to_string(),
                feature(pb::feature_value::Value::Text(
                    cell("monthly_charges").into(),
                )),
            ),
            (
                "gender".to_string(),
                feature(pb::feature_value::Value::Text("x".into())),
            ),
        ]
        .into_iter()
        .collect();
        let r = pb::ScoreRequest {
            model: "telco_sbg".into(),
            customer_id: format!("{}", i + 1),
            horizon: None,
            input: Some(pb::score_request::Input::Features(pb::FeatureMap {
                values,
            })),
        };
        let s = client.score(r).await.unwrap().into_inner();
        let cli_value = |n: &str| rows[i][col(n)].parse::<f64>().unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        assert_eq!(s.model_kind, "subscription");
        assert_eq!(s.ignored_features, ["gender"]);
        assert!(
            close(s.churn_probability, cli_value("churn_probability")),
            "row {i}"
        );
        assert!(close(s.clv.unwrap(), cli_value("clv_36_months")), "row {i}");
        assert!(close(
            s.value_at_risk.unwrap(),
            cli_value("value_at_risk_36_months")
        ));
        assert!(close(
            s.expected_lifetime.unwrap(),
            cli_value("expected_lifetime_months")
        ));
        assert!(close(
            s.retention_elasticity.unwrap(),
            cli_value("retention_elasticity")
        ));
        assert_eq!(s.risk_tier, rows[i][col("risk_tier")]);
    }
    // A fractional tenure and a missing one: INVALID_ARGUMENT naming the field.
    for bad in [
        pb::feature_value::Value::Number(2.5),
        pb::feature_value::Value::Missing(pb::Missing {}),
    ] {
        let values = [("tenure".to_string(), feature(bad))].into_iter().collect();
        let r = pb::ScoreRequest {
            model: "telco_sbg".into(),
            customer_id: "c".into(),
            horizon: None,
            input: Some(pb::score_request::Input::Features(pb::FeatureMap {
                values,
            })),
        };
        let status = client.score(r).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().starts_with("features.tenure"),
            "{}",
            status.message()
        );
    }
}
