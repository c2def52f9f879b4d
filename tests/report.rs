//! `retain report` end to end: the shipped CDNOW model on the CDNOW sample.

use super::{data, err, ok, retain};
use std::path::Path;

const PLOTS: [&str; 8] = [
    "period_transactions",
    "holdout_by_frequency",
    "tracking_cumulative",
    "tracking_per_period",
    "p_alive_matrix",
    "expected_purchases_matrix",
    "cohort_retention",
    "value_risk_grid",
];

#[test]
fn report_writes_every_plot_and_one_self_contained_page() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let stdout = ok(&retain(&[
        "report",
        "--model",
        &model.display().to_string(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--out",
        &out.display().to_string(),
    ]));
    assert!(stdout.contains("report.html"), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for name in PLOTS {
        assert!(out.join(format!("{name}.png")).is_file(), "{name}.png");
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{name}.svg");
        assert!(
            html.contains(&format!("<figure id=\"{name}\"")),
            "{name} not on the page"
        );
    }
    // Self-contained: every plot inline, nothing fetched.
    assert_eq!(html.matches("<svg").count(), PLOTS.len());
    assert!(!html.contains("src=\"") && !html.contains("href=\""));
    // The key numbers: the model, its parameters, the customers and the holdout
    // (calibration to 1997-09-30 as trained; holdout to the log's last day, 1998-06-30).
    for needle in [
        "Pareto/NBD",
        "0.5533",
        "2357",
        "1882",
        "1997-09-30",
        "1998-06-30",
    ] {
        assert!(html.contains(needle), "{needle} not on the page");
    }
    let decoder =
        png::Decoder::new(std::fs::File::open(out.join("tracking_cumulative.png")).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (960, 560));
    // Not a blank image: the plot has many colours.
    let distinct: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
    assert!(distinct.len() > 50, "{} colours", distinct.len());
}

#[test]
fn report_names_the_missing_input() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json");
    let e = err(&retain(&[
        "report",
        "--model",
        &model.display().to_string(),
        "--out",
        "unused",
    ]));
    assert!(e.contains("--transactions"), "{e}");
}
