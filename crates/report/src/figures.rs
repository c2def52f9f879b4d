//! Charts shared by the CLV and churn reports.

use crate::chart::{Chart, Figure, HeatMap};
use crate::value_risk::{RISK_TIERS, ValueRisk};

/// The value × risk grid as a heat map of customer counts, each cell also showing its CLV.
pub fn value_risk_figure(g: &ValueRisk) -> Figure {
    // Rows bottom to top: the most valuable tier on top.
    let rows: Vec<usize> = (0..g.value_tiers.len()).rev().collect();
    let values = rows
        .iter()
        .map(|&v| g.counts[v].iter().map(|&n| Some(n as f64)).collect())
        .collect();
    let annotations = rows
        .iter()
        .map(|&v| {
            (0..RISK_TIERS.len())
                .map(|r| format!("{} · CLV {:.0}", g.counts[v][r], g.clv[v][r]))
                .collect()
        })
        .collect();
    let t = g.tiers;
    let n: usize = g.counts.iter().flatten().sum();
    Figure {
        name: "value_risk_grid".into(),
        caption: format!(
            "The {n} customers by value tier ({}) and risk tier (churn probability ≥ {} high, \
             ≥ {} medium, else low). Each cell: customers · total CLV; colour = customers.",
            g.value_rule, t.high, t.medium
        ),
        chart: Chart::Heat(HeatMap {
            title: "Customers by value and risk".into(),
            x_label: "Risk tier (churn probability)".into(),
            y_label: "Value tier".into(),
            columns: RISK_TIERS.iter().map(|s| s.to_string()).collect(),
            rows: rows.iter().map(|&v| g.value_tiers[v].clone()).collect(),
            values,
            annotations: Some(annotations),
            scale_label: "Customers".into(),
        }),
    }
}
