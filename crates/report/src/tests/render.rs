use super::{cdnow_log, cdnow_model, cdnow_options, telco, telco_model};
use crate::chart::{BarChart, Chart, Figure};
use crate::churn_report::churn_report;
use crate::clv_report::clv_report;
use crate::html::{escape, page};
use crate::output::write_report;
use crate::render::{SIZE, render};
use crate::report::Report;

fn png_size(path: &std::path::Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

#[test]
fn a_figure_renders_to_a_decodable_png_and_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let f = Figure {
        name: "bars".into(),
        caption: "c".into(),
        chart: Chart::Bar(BarChart {
            title: "Two <series>".into(),
            x_label: "k".into(),
            y_label: "n".into(),
            categories: vec!["0".into(), "1".into()],
            series: vec![("a".into(), vec![1.0, 2.0]), ("b".into(), vec![1.5, 0.5])],
            horizontal: false,
        }),
    };
    let r = render(&f, dir.path()).unwrap();
    assert_eq!(png_size(&r.png), SIZE);
    assert!(
        r.svg.contains("<svg") && r.svg.contains("Two &lt;series&gt;"),
        "{}",
        &r.svg[..200]
    );
    assert_eq!(std::fs::read_to_string(&r.svg_path).unwrap(), r.svg);
}

#[test]
fn the_page_escapes_text_and_inlines_each_svg() {
    let report = Report {
        title: "a < b & c".into(),
        subtitle: String::new(),
        tables: vec![],
        figures: vec![],
        notes: vec!["\"quoted\"".into()],
    };
    let html = page(&report, &[]);
    assert!(html.contains("a &lt; b &amp; c") && html.contains("&quot;quoted&quot;"));
    assert_eq!(escape("<'>"), "&lt;&#39;&gt;");
}

#[test]
fn the_cdnow_and_telco_reports_write_every_plot() {
    let dir = tempfile::tempdir().unwrap();
    let clv = clv_report(
        &cdnow_model(),
        cdnow_log(),
        &cdnow_options(),
        "CDNOW_sample.txt",
    )
    .unwrap();
    let names: Vec<&str> = clv.figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "period_transactions",
            "holdout_by_frequency",
            "tracking_cumulative",
            "tracking_per_period",
            "p_alive_matrix",
            "expected_purchases_matrix",
            "cohort_retention",
            "value_risk_grid"
        ]
    );
    let w = write_report(&clv, &dir.path().join("clv")).unwrap();
    let html = std::fs::read_to_string(&w.html).unwrap();
    for f in &w.figures {
        assert_eq!(png_size(&f.png), SIZE);
    }
    assert_eq!(html.matches("<svg").count(), names.len());
    assert!(html.contains("Pareto/NBD") && html.contains("1882"));
    let churn = churn_report(telco_model(), telco(), "telco_churn.csv").unwrap();
    let w = write_report(&churn, &dir.path().join("churn")).unwrap();
    let html = std::fs::read_to_string(&w.html).unwrap();
    for name in [
        "roc_curve",
        "precision_recall",
        "cumulative_gains",
        "lift",
        "calibration",
        "drivers",
    ] {
        assert!(html.contains(&format!("id=\"{name}\"")), "{name}");
        assert!(
            dir.path()
                .join("churn")
                .join(format!("{name}.png"))
                .is_file()
        );
    }
}
