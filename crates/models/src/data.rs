//! Fitting data: patterns grouped by x, so the special functions that depend only on x
//! (lnΓ, ψ of x-shifted parameters) are evaluated once per distinct x, not once per customer.

use retain_core::patterns::Patterns;

/// Patterns reordered so that rows with the same x are contiguous.
#[derive(Debug, Clone, Default)]
pub struct GroupedPatterns {
    /// Distinct x values, ascending.
    pub x: Vec<f64>,
    /// Row range of each distinct x.
    pub ranges: Vec<std::ops::Range<usize>>,
    /// Recency per row.
    pub t_x: Vec<f64>,
    /// Age per row.
    pub t: Vec<f64>,
    /// Weight per row.
    pub weight: Vec<f64>,
    /// Sum of weights.
    pub customers: f64,
}

impl GroupedPatterns {
    /// Groups patterns by x.
    pub fn new(p: &Patterns) -> Self {
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by_key(|&i| p.x[i]);
        let mut g = GroupedPatterns {
            t_x: order.iter().map(|&i| p.t_x[i]).collect(),
            t: order.iter().map(|&i| p.t[i]).collect(),
            weight: order.iter().map(|&i| p.weight[i]).collect(),
            customers: p.customers(),
            ..Default::default()
        };
        let mut start = 0;
        while start < order.len() {
            let x = p.x[order[start]];
            let mut end = start;
            while end < order.len() && p.x[order[end]] == x {
                end += 1;
            }
            g.x.push(x as f64);
            g.ranges.push(start..end);
            start = end;
        }
        g
    }

    /// Mean of T and of x over customers (for scale-aware starting points).
    pub fn means(&self) -> (f64, f64) {
        let mut st = 0.0;
        let mut sx = 0.0;
        for (x, r) in self.x.iter().zip(&self.ranges) {
            for i in r.clone() {
                st += self.t[i] * self.weight[i];
                sx += x * self.weight[i];
            }
        }
        (st / self.customers, sx / self.customers)
    }
}
