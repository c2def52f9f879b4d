//! Fitting data laid out for fast likelihood evaluation.
//!
//! - Patterns are grouped by x, so the special functions that depend only on x (lnΓ, ψ of
//!   x-shifted parameters) are evaluated once per distinct x, not once per customer.
//! - Times (t_x and T) are indexed into a table of distinct values: summaries built from dates
//!   take few distinct values (one per day), so per-evaluation quantities such as ln(α + t) are
//!   computed once per distinct time instead of once per customer.
//! - Rows are split across threads with [`par_sum`].

use retain_core::patterns::{Patterns, TimeInterner};
use std::ops::Range;

/// Patterns reordered so that rows with the same x are contiguous, with indexed times.
#[derive(Debug, Clone, Default)]
pub struct GroupedPatterns {
    /// Distinct x values, ascending.
    pub x: Vec<f64>,
    /// Row range of each distinct x.
    pub ranges: Vec<Range<usize>>,
    /// Recency per row.
    pub t_x: Vec<f64>,
    /// Age per row.
    pub t: Vec<f64>,
    /// Weight per row.
    pub weight: Vec<f64>,
    /// Distinct values of t_x and T.
    pub times: Vec<f64>,
    /// Index into `times` of each row's t_x.
    pub it_x: Vec<u32>,
    /// Index into `times` of each row's T.
    pub it: Vec<u32>,
    /// Sum of weights.
    pub customers: f64,
}

impl GroupedPatterns {
    /// Groups patterns by x and indexes their times. Patterns from [`Patterns::compress`] are
    /// already ordered by x and are taken as they are; others are reordered (stably).
    pub fn new(p: &Patterns) -> Self {
        let mut g = if p.x.is_sorted() {
            GroupedPatterns {
                t_x: p.t_x.clone(),
                t: p.t.clone(),
                weight: p.weight.clone(),
                ..Default::default()
            }
        } else {
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by_key(|&i| p.x[i]);
            GroupedPatterns {
                t_x: order.iter().map(|&i| p.t_x[i]).collect(),
                t: order.iter().map(|&i| p.t[i]).collect(),
                weight: order.iter().map(|&i| p.weight[i]).collect(),
                ..Default::default()
            }
        };
        g.customers = g.weight.iter().sum();
        let mut times = TimeInterner::default();
        g.it_x = g.t_x.iter().map(|&v| times.index(v)).collect();
        g.it = g.t.iter().map(|&v| times.index(v)).collect();
        g.times = times.into_values();
        let mut xs: Vec<u32> = p.x.clone();
        xs.sort_unstable();
        let mut start = 0;
        while start < xs.len() {
            let x = xs[start];
            let end = start + xs[start..].partition_point(|&v| v == x);
            g.x.push(f64::from(x));
            g.ranges.push(start..end);
            start = end;
        }
        g
    }

    /// A stratified sample for a quick first fit: within each x group every `every`-th row,
    /// reweighted so the group keeps its number of customers (groups of fewer rows are kept
    /// whole). The likelihood of the sample estimates the whole one; its maximum is a close
    /// starting point for the full fit.
    pub fn subsample(&self, every: usize) -> Self {
        let every = every.max(1);
        let mut s = GroupedPatterns {
            times: self.times.clone(),
            customers: self.customers,
            ..Default::default()
        };
        for (&x, range) in self.x.iter().zip(&self.ranges) {
            let start = s.t.len();
            let rows = range.clone().step_by(every);
            let total: f64 = self.weight[range.clone()].iter().sum();
            let sampled: f64 = rows.clone().map(|i| self.weight[i]).sum();
            let scale = total / sampled;
            for i in rows {
                s.t_x.push(self.t_x[i]);
                s.t.push(self.t[i]);
                s.weight.push(self.weight[i] * scale);
                s.it_x.push(self.it_x[i]);
                s.it.push(self.it[i]);
            }
            s.x.push(x);
            s.ranges.push(start..s.t.len());
        }
        s
    }

    /// Number of rows (patterns).
    pub fn rows(&self) -> usize {
        self.t.len()
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

    /// The (group index, rows) pieces of the groups that intersect `rows`.
    pub fn pieces(&self, rows: Range<usize>) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        pieces(&self.ranges, rows)
    }
}

/// The (group index, rows) pieces of the contiguous groups `ranges` that intersect `rows`.
pub fn pieces(
    ranges: &[Range<usize>],
    rows: Range<usize>,
) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
    ranges.iter().enumerate().filter_map(move |(k, r)| {
        let lo = r.start.max(rows.start);
        let hi = r.end.min(rows.end);
        (lo < hi).then_some((k, lo..hi))
    })
}

/// ln(c + t) and 1 / (c + t) for every distinct time t.
pub fn time_tables(c: f64, times: &[f64]) -> (Vec<f64>, Vec<f64>) {
    times.iter().map(|&t| ((c + t).ln(), 1.0 / (c + t))).unzip()
}

/// Below this many rows a likelihood is evaluated on the calling thread: spawning costs more.
const PARALLEL_MIN_ROWS: usize = 2_000;

/// Sums `f(rows)` (a value and an N-vector) over contiguous row chunks, one per core.
pub fn par_sum<const N: usize>(
    rows: usize,
    f: impl Fn(Range<usize>) -> (f64, [f64; N]) + Sync,
) -> (f64, [f64; N]) {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(rows / PARALLEL_MIN_ROWS)
        .max(1);
    if threads == 1 {
        return f(0..rows);
    }
    let chunk = rows.div_ceil(threads);
    let parts: Vec<(f64, [f64; N])> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let f = &f;
                s.spawn(move || f(k * chunk..((k + 1) * chunk).min(rows)))
            })
            .collect();
        // A panic in a worker is a bug in the likelihood code; propagate it unchanged.
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut total = (0.0, [0.0; N]);
    for (v, g) in parts {
        total.0 += v;
        for k in 0..N {
            total.1[k] += g[k];
        }
    }
    total
}
