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

    /// A stratified sample for a quick first fit ([`stratified_sample`]). The likelihood of
    /// the sample estimates the whole one; its maximum is a close starting point for the full
    /// fit.
    pub fn subsample(&self, every: usize) -> Self {
        let sample = stratified_sample(&self.ranges, &self.weight, every);
        let pick = |v: &[f64]| sample.rows.iter().map(|&i| v[i]).collect();
        GroupedPatterns {
            x: self.x.clone(),
            t_x: pick(&self.t_x),
            t: pick(&self.t),
            it_x: sample.rows.iter().map(|&i| self.it_x[i]).collect(),
            it: sample.rows.iter().map(|&i| self.it[i]).collect(),
            weight: sample.weight,
            ranges: sample.ranges,
            times: self.times.clone(),
            customers: self.customers,
        }
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

/// Rows picked by [`stratified_sample`], with their new weights and group ranges.
pub struct Sample {
    /// Indices of the picked rows, group after group.
    pub rows: Vec<usize>,
    /// Each picked row's weight, scaled so its group keeps its total weight.
    pub weight: Vec<f64>,
    /// Range of each group among the picked rows.
    pub ranges: Vec<Range<usize>>,
}

/// Within each of the contiguous groups `ranges`, every `every`-th row, reweighted so that the
/// group keeps its number of customers (groups of fewer rows keep one row).
pub fn stratified_sample(ranges: &[Range<usize>], weight: &[f64], every: usize) -> Sample {
    let every = every.max(1);
    let mut s = Sample {
        rows: Vec::new(),
        weight: Vec::new(),
        ranges: Vec::with_capacity(ranges.len()),
    };
    for range in ranges {
        let start = s.rows.len();
        let picked = range.clone().step_by(every);
        let total: f64 = weight[range.clone()].iter().sum();
        let sampled: f64 = picked.clone().map(|i| weight[i]).sum();
        for i in picked {
            s.rows.push(i);
            s.weight.push(weight[i] * total / sampled);
        }
        s.ranges.push(start..s.rows.len());
    }
    s
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stratified_sample_keeps_every_group_and_its_weight() {
        let ranges = [0..1, 1..40, 40..43];
        let weight: Vec<f64> = (0..43).map(|i| 1.0 + (i % 3) as f64).collect();
        let s = stratified_sample(&ranges, &weight, 16);
        assert_eq!(s.rows, vec![0, 1, 17, 33, 40]);
        assert_eq!(s.ranges, vec![0..1, 1..4, 4..5]);
        for (r, sr) in ranges.iter().zip(&s.ranges) {
            let whole: f64 = weight[r.clone()].iter().sum();
            let sampled: f64 = s.weight[sr.clone()].iter().sum();
            approx::assert_relative_eq!(whole, sampled, max_relative = 1e-12);
        }
    }
}
