//! Aggregates of segmented customers: the value × risk grid ("high value, high risk" is the
//! retention priority) and per-segment totals. Both add up across partitions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tier names in display order (best first).
pub const TIERS: [&str; 3] = ["high", "medium", "low"];

/// Count and totals of a group of customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupTotals {
    /// Customers.
    pub customers: u64,
    /// Sum of CLV.
    pub clv: f64,
    /// Sum of value at risk.
    pub value_at_risk: f64,
}

impl GroupTotals {
    fn add(&mut self, clv: f64, var: f64) {
        self.customers += 1;
        self.clv += clv;
        self.value_at_risk += var;
    }

    fn merge(&mut self, o: &GroupTotals) {
        self.customers += o.customers;
        self.clv += o.clv;
        self.value_at_risk += o.value_at_risk;
    }
}

/// The value-tier × risk-tier grid, indexed `[value][risk]` in [`TIERS`] order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueRiskGrid {
    /// Cells.
    pub cells: [[GroupTotals; 3]; 3],
}

fn tier_index(t: &str) -> Option<usize> {
    TIERS.iter().position(|&x| x == t)
}

impl ValueRiskGrid {
    /// From per-customer tiers and values (unknown tier names are not counted).
    pub fn of<'a>(
        value_tiers: impl IntoIterator<Item = &'a str>,
        risk_tiers: impl IntoIterator<Item = &'a str>,
        clv: &[f64],
        value_at_risk: &[f64],
    ) -> ValueRiskGrid {
        let mut g = ValueRiskGrid::default();
        for (i, (v, r)) in value_tiers.into_iter().zip(risk_tiers).enumerate() {
            if let (Some(v), Some(r)) = (tier_index(v), tier_index(r)) {
                g.cells[v][r].add(clv[i], value_at_risk[i]);
            }
        }
        g
    }

    /// One cell.
    pub fn cell(&self, value: &str, risk: &str) -> Option<&GroupTotals> {
        Some(&self.cells[tier_index(value)?][tier_index(risk)?])
    }

    /// Adds another grid (another partition).
    pub fn merge(&mut self, o: &ValueRiskGrid) {
        for (row, orow) in self.cells.iter_mut().zip(&o.cells) {
            for (c, oc) in row.iter_mut().zip(orow) {
                c.merge(oc);
            }
        }
    }

    /// All customers in the grid.
    pub fn customers(&self) -> u64 {
        self.cells.iter().flatten().map(|c| c.customers).sum()
    }
}

/// Totals per named segment, in name order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentTotals {
    /// Segment → totals.
    pub segments: BTreeMap<String, GroupTotals>,
}

impl SegmentTotals {
    /// From per-customer segment names and values.
    pub fn of<'a>(
        segments: impl IntoIterator<Item = &'a str>,
        clv: &[f64],
        value_at_risk: &[f64],
    ) -> SegmentTotals {
        let mut t = SegmentTotals::default();
        for (i, s) in segments.into_iter().enumerate() {
            t.segments
                .entry(s.to_owned())
                .or_default()
                .add(clv[i], value_at_risk[i]);
        }
        t
    }

    /// From per-customer segment indices into `names` (one lookup per segment, not per
    /// customer).
    pub fn of_indexed(
        segments: &[u16],
        names: &[String],
        clv: &[f64],
        value_at_risk: &[f64],
    ) -> SegmentTotals {
        let mut by_index = vec![GroupTotals::default(); names.len()];
        for (i, &s) in segments.iter().enumerate() {
            if let Some(g) = by_index.get_mut(usize::from(s)) {
                g.add(clv[i], value_at_risk[i]);
            }
        }
        SegmentTotals {
            segments: names
                .iter()
                .zip(by_index)
                .filter(|(_, g)| g.customers > 0)
                .map(|(n, g)| (n.clone(), g))
                .collect(),
        }
    }

    /// Adds another partition's totals.
    pub fn merge(&mut self, o: &SegmentTotals) {
        for (k, v) in &o.segments {
            self.segments.entry(k.clone()).or_default().merge(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_counts_and_sums_by_cell_and_merges() {
        let v = ["high", "high", "low", "medium", "bogus"];
        let r = ["high", "high", "low", "high", "low"];
        let clv = [10.0, 20.0, 1.0, 5.0, 99.0];
        let var = [6.0, 12.0, 0.1, 3.0, 9.0];
        let g = ValueRiskGrid::of(v, r, &clv, &var);
        let hh = g.cell("high", "high").unwrap();
        assert_eq!(hh.customers, 2);
        assert_eq!(hh.clv, 30.0);
        assert_eq!(hh.value_at_risk, 18.0);
        assert_eq!(g.cell("medium", "high").unwrap().customers, 1);
        assert_eq!(g.customers(), 4);
        let mut m = g.clone();
        m.merge(&g);
        assert_eq!(m.cell("high", "high").unwrap().customers, 4);
        assert_eq!(m.customers(), 8);

        let s = SegmentTotals::of(["A", "B", "A"], &clv[..3], &var[..3]);
        assert_eq!(s.segments["A"].customers, 2);
        assert_eq!(s.segments["A"].clv, 11.0);
        let mut s2 = s.clone();
        s2.merge(&s);
        assert_eq!(s2.segments["B"].customers, 2);
        let names = ["A".to_string(), "B".to_string(), "C".to_string()];
        let indexed = SegmentTotals::of_indexed(&[0, 1, 0], &names, &clv[..3], &var[..3]);
        assert_eq!(indexed, s);
    }
}
