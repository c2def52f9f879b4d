//! Text rendering of the value × risk grid and per-segment totals, shared by single-file and
//! partitioned `retain score` runs.

use retain_score::segments::{SegmentTotals, TIERS, ValueRiskGrid};

/// Prints the grid (rows: value tier, columns: risk tier; customers and value at risk) and
/// the segments by value at risk, largest first.
pub fn print(grid: Option<&ValueRiskGrid>, segments: Option<&SegmentTotals>) {
    if let Some(g) = grid {
        say!("  value × risk (customers / value at risk):");
        say!(
            "    {:<14}{:>24}{:>24}{:>24}",
            "value \\ risk",
            "high risk",
            "medium risk",
            "low risk"
        );
        for (v, row) in TIERS.iter().zip(&g.cells) {
            let cells: Vec<String> = row
                .iter()
                .map(|c| format!("{} / {:.2}", c.customers, c.value_at_risk))
                .collect();
            say!(
                "    {:<14}{:>24}{:>24}{:>24}",
                format!("{v} value"),
                cells[0],
                cells[1],
                cells[2]
            );
        }
    }
    if let Some(s) = segments {
        let mut rows: Vec<_> = s.segments.iter().collect();
        rows.sort_by(|a, b| b.1.value_at_risk.total_cmp(&a.1.value_at_risk));
        say!("  segments (customers, CLV, value at risk):");
        for (name, t) in rows {
            say!(
                "    {name:<20}{:>10}{:>16.2}{:>16.2}",
                t.customers,
                t.clv,
                t.value_at_risk
            );
        }
    }
}
