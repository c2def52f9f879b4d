use super::{telco, telco_model};
use crate::churn_data::{CALIBRATION_BINS, ChurnData, churn_data};
use crate::curves::{pr_curve, roc_curve, step_area};
use approx::assert_relative_eq;
use retain_score::metrics::{average_precision, lift_at, roc_auc};
use std::sync::OnceLock;

fn data() -> &'static ChurnData {
    static D: OnceLock<ChurnData> = OnceLock::new();
    D.get_or_init(|| churn_data(telco_model(), telco()).unwrap())
}

#[test]
fn roc_area_is_the_auc_and_pr_area_is_the_average_precision() {
    let d = data();
    assert_eq!(d.y.len(), 7043);
    assert_relative_eq!(
        d.roc.trapezoid_area(),
        d.metrics.roc_auc,
        max_relative = 1e-12
    );
    assert_relative_eq!(d.metrics.roc_auc, roc_auc(&d.y, &d.p).unwrap());
    assert_eq!((d.roc.x[0], d.roc.y[0]), (0.0, 0.0));
    assert_eq!(
        (*d.roc.x.last().unwrap(), *d.roc.y.last().unwrap()),
        (1.0, 1.0)
    );
    assert_relative_eq!(step_area(&d.pr), d.metrics.pr_auc, max_relative = 1e-12);
    // In-sample logistic regression on telco: ROC AUC about 0.85 (README: CV 0.845).
    assert!(
        (0.84..0.87).contains(&d.metrics.roc_auc),
        "{}",
        d.metrics.roc_auc
    );
}

#[test]
fn curves_handle_ties_as_the_metrics_do() {
    // Ties across classes: the ROC steps diagonally through them.
    let y = [true, false, true, false, true, false, false];
    let p = [0.8, 0.8, 0.5, 0.5, 0.5, 0.2, 0.8];
    let (roc, auc) = roc_curve(&y, &p).unwrap();
    assert_eq!(roc.x.len(), 4);
    assert_relative_eq!(roc.trapezoid_area(), auc, max_relative = 1e-15);
    let (pr, ap) = pr_curve(&y, &p).unwrap();
    assert_relative_eq!(step_area(&pr), ap, max_relative = 1e-15);
    assert_relative_eq!(ap, average_precision(&y, &p).unwrap());
    assert!(roc_curve(&[true, true], &[0.1, 0.2]).is_err());
}

#[test]
fn gains_run_from_origin_to_one_and_lift_matches_the_metric() {
    let d = data();
    let g = &d.gains;
    assert_eq!((g.contacted[0], g.captured[0]), (0.0, 0.0));
    assert_eq!(
        (*g.contacted.last().unwrap(), *g.captured.last().unwrap()),
        (1.0, 1.0)
    );
    assert!(g.captured.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(g.lift.len(), 100);
    assert_eq!(g.lift[9], g.top_decile_lift);
    assert_eq!(g.lift[29], lift_at(&d.y, &d.p, 0.3).unwrap());
    assert_relative_eq!(g.lift[99], 1.0, max_relative = 1e-12);
    assert_eq!(g.top_decile_lift, d.metrics.top_decile_lift);
}

#[test]
fn calibration_bins_hold_every_customer() {
    let d = data();
    assert_eq!(d.calibration.len(), CALIBRATION_BINS);
    assert_eq!(d.calibration.iter().map(|b| b.count).sum::<usize>(), 7043);
    let churned: f64 = d
        .calibration
        .iter()
        .map(|b| b.observed_rate * b.count as f64)
        .sum();
    assert_relative_eq!(churned, 1869.0, max_relative = 1e-9);
}

#[test]
fn global_drivers_cover_every_input_column_largest_first() {
    let d = data();
    let columns = telco_model().fitted.pipeline.describe().len();
    assert_eq!(d.drivers.len(), columns);
    assert!(d.drivers.windows(2).all(|w| w[0].mean_abs >= w[1].mean_abs));
    assert!(
        d.drivers
            .iter()
            .all(|x| x.mean_abs.is_finite() && x.mean_abs >= 0.0)
    );
    // Telco's churn is driven by contract length and tenure above all.
    let top: Vec<&str> = d
        .drivers
        .iter()
        .take(3)
        .map(|x| x.column.as_str())
        .collect();
    assert!(
        top.contains(&"tenure") || top.contains(&"contract"),
        "{top:?}"
    );
}
