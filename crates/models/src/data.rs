//! Fitting data laid out for fast likelihood evaluation.
//!
//! - Patterns are grouped by x, so the special functions that depend only on x (lnΓ, ψ of
//!   x-shifted parameters) are evaluated once per distinct x, not once per customer.
//! - Times (t_x and T) are indexed into a table of distinct values: summaries built from dates
//!   take few distinct values (one per day), so per-evaluation quantities such as ln(α + t) are
//!   computed once per distinct time instead of once per customer.
//! - Rows are split across threads with [`par_sum`].

use retain_core::patterns::Patterns;
use rustc_hash::FxHashMap;
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
    /// Groups patterns by x and indexes their times.
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
        let mut index: FxHashMap<u64, u32> = FxHashMap::default();
        let mut intern = |v: f64, times: &mut Vec<f64>| -> u32 {
            *index.entry(v.to_bits()).or_insert_with(|| {
                times.push(v);
                (times.len() - 1) as u32
            })
        };
        let mut times = Vec::new();
        g.it_x = g.t_x.iter().map(|&v| intern(v, &mut times)).collect();
        g.it = g.t.iter().map(|&v| intern(v, &mut times)).collect();
        g.times = times;
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
        self.ranges.iter().enumerate().filter_map(move |(k, r)| {
            let lo = r.start.max(rows.start);
            let hi = r.end.min(rows.end);
            (lo < hi).then_some((k, lo..hi))
        })
    }
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
