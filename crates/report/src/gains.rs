//! Cumulative gains and lift: contacting the customers with the highest churn probability
//! first, which share of all churners is reached after each percentile of customers, and how
//! many times the base rate that is.

use crate::ReportError;
use retain_score::metrics::{cumulative_churners, top_decile_lift, top_rows};

/// Gains and lift at each percentile of customers.
#[derive(Debug, Clone, PartialEq)]
pub struct Gains {
    /// Share of customers contacted: 0, 0.01, …, 1.
    pub contacted: Vec<f64>,
    /// Share of all churners among them (0 at 0, 1 at 1).
    pub captured: Vec<f64>,
    /// captured / contacted (none at 0).
    pub lift: Vec<f64>,
    /// Lift of the top 10 % ([`top_decile_lift`], which also checks the input).
    pub top_decile_lift: f64,
}

/// Gains at every percentile. The top `q` is the first ⌈q·n⌉ rows by descending score, ties
/// in original row order, as [`retain_score::metrics::lift_at`] counts them.
pub fn gains(y: &[bool], p: &[f64]) -> Result<Gains, ReportError> {
    let top_decile_lift = top_decile_lift(y, p)?;
    let n = y.len();
    let running = cumulative_churners(y, p)?;
    let churners = running[n] as f64;
    let mut g = Gains {
        contacted: vec![0.0],
        captured: vec![0.0],
        lift: vec![],
        top_decile_lift,
    };
    for pct in 1..=100u32 {
        let q = f64::from(pct) / 100.0;
        let k = top_rows(n, q);
        let captured = running[k] as f64 / churners;
        g.contacted.push(q);
        g.captured.push(captured);
        g.lift
            .push((running[k] as f64 / k as f64) / (churners / n as f64));
    }
    Ok(g)
}
