//! Tests of every figure's numbers on the bundled data: the CDNOW sample with the shipped
//! model, and the telco table with a logistic regression fitted here.

mod churn;
mod clv;
mod render;

use retain_core::features::{PipelineSpec, RawTable};
use retain_core::time::parse_date;
use retain_core::transactions::TransactionLog;
use retain_io::read::{BadRowPolicy, ColumnRef, Delimiter, ReadOptions, read_transactions};
use retain_io::table::read_table;
use retain_score::artefact::{CHURN_KIND as KIND, ChurnArtefact};
use retain_score::artefact::{ClvArtefact, FORMAT, FORMAT_VERSION};
use retain_score::metrics::MetricKind;
use retain_train::churn_train::{Candidate, ChurnSpec, fit_candidate, split_label};
use std::path::Path;
use std::sync::OnceLock;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The CDNOW sample log (6,919 transactions, 2,357 customers).
pub fn cdnow_log() -> &'static TransactionLog {
    static LOG: OnceLock<TransactionLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let opts = ReadOptions {
            customer_col: ColumnRef::Position(1),
            date_col: ColumnRef::Position(3),
            amount_col: ColumnRef::Position(5),
            date_format: Some("%Y%m%d".to_string()),
            zone: retain_core::time::Zone::Utc,
            delimiter: Delimiter::Whitespace,
            has_header: false,
            on_bad_row: BadRowPolicy::Error,
        };
        let path = format!("{ROOT}/tests/data/CDNOW_sample.txt");
        read_transactions(Path::new(&path), &opts).unwrap().0
    })
}

/// The shipped CDNOW model (Pareto/NBD + Gamma-Gamma, weeks).
pub fn cdnow_model() -> ClvArtefact {
    ClvArtefact::load(Path::new(&format!("{ROOT}/models/cdnow.json"))).unwrap()
}

/// The CDNOW report's cut: calibration to 1997-09-30, holdout to 1998-06-30, 52 weeks of CLV.
pub fn cdnow_options() -> crate::clv_data::ClvOptions {
    crate::clv_data::ClvOptions {
        calibration_end: parse_date("1997-09-30").unwrap(),
        observation_end: parse_date("1998-06-30").unwrap(),
        horizon: "52w".parse().unwrap(),
    }
}

/// The telco table (7,043 customers, 1,869 churned).
pub fn telco() -> RawTable {
    read_table(
        Path::new(&format!("{ROOT}/tests/data/telco_churn.csv")),
        b',',
    )
    .unwrap()
}

/// A logistic regression on all of telco, uncalibrated, in an artefact (no CV: fast).
pub fn telco_model() -> &'static ChurnArtefact {
    static ART: OnceLock<ChurnArtefact> = OnceLock::new();
    ART.get_or_init(|| {
        let spec = ChurnSpec {
            target: "churn".into(),
            positive: "Yes".into(),
            id: None,
            pipeline: PipelineSpec::default(),
            folds: 5,
            seed: 42,
            alpha: 1.0,
            candidates: vec![Candidate::Logistic],
            metric: MetricKind::RocAuc,
            calibrate: false,
        };
        let data = split_label(telco(), "churn", "Yes", None).unwrap();
        let rows: Vec<usize> = (0..data.y.len()).collect();
        let fitted = fit_candidate(&data, &rows, &spec, Candidate::Logistic).unwrap();
        // Built through JSON so that fields added to artefacts later (with serde defaults)
        // need no change here.
        let positives = data.y.iter().filter(|&&v| v).count();
        let json = serde_json::json!({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kind": KIND,
            "name": "telco-test",
            "retain_version": "test",
            "trained_at": "2026-01-01T00:00:00Z",
            "training_command": "test",
            "fitted": fitted,
            "cv": [],
            "selection": "only candidate",
            "data": {
                "file": "telco_churn.csv",
                "fingerprint": "",
                "rows": data.y.len(),
                "positives": positives,
                "target": "churn",
                "positive": "Yes",
                "id": null
            },
            "seed": 42
        });
        ChurnArtefact::from_json(&json.to_string()).unwrap()
    })
}
