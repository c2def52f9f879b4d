//! The training base as a reference for ranks: a deterministic sample of its customers'
//! summaries, kept in the artefact, against which every scoring path (CLI, batch partitions,
//! gRPC) ranks a customer. Ranking against a fixed reference, not the batch at hand, gives one
//! customer the same percentiles and segment whichever path or partition scores them.

use retain_core::summary::Summaries;
use serde::{Deserialize, Serialize};

/// Customers kept in the reference sample: percentiles to 0.02 points, ~300 kB of JSON.
pub const REFERENCE_SIZE: usize = 5000;

/// A sample of the training base's summaries as of the observation end (model time unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceBase {
    /// The date the summaries are as of (ISO).
    pub as_of: String,
    /// Customers in the whole base.
    pub customers: usize,
    /// Repeat purchases.
    pub x: Vec<u32>,
    /// Recency (time of the last purchase since the first).
    pub t_x: Vec<f64>,
    /// Age (time from the first purchase to `as_of`).
    pub t: Vec<f64>,
    /// Mean repeat spend (0 without repeat purchases).
    pub monetary: Vec<f64>,
}

impl ReferenceBase {
    /// Every customer of `s` if there are at most [`REFERENCE_SIZE`], otherwise an evenly
    /// spaced sample (deterministic: the same base gives the same reference).
    pub fn sample(s: &Summaries, as_of: String) -> ReferenceBase {
        let n = s.len();
        let k = n.min(REFERENCE_SIZE);
        // Values are kept exact: a customer of the training base ranks against its own
        // reference values, ties included.
        let pick = |i: usize| i * n / k.max(1);
        ReferenceBase {
            as_of,
            customers: n,
            x: (0..k).map(|i| s.x[pick(i)]).collect(),
            t_x: (0..k).map(|i| s.t_x[pick(i)]).collect(),
            t: (0..k).map(|i| s.t[pick(i)]).collect(),
            monetary: (0..k).map(|i| s.monetary[pick(i)]).collect(),
        }
    }

    /// Number of sampled customers.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the sample is empty.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Checks the columns agree and hold finite, non-negative values.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.x.len();
        if self.t_x.len() != n || self.t.len() != n || self.monetary.len() != n {
            return Err("reference columns differ in length".into());
        }
        let ok = |v: &[f64]| v.iter().all(|x| x.is_finite() && *x >= 0.0);
        if !(ok(&self.t_x) && ok(&self.t) && ok(&self.monetary)) {
            return Err("reference holds a negative or non-finite value".into());
        }
        Ok(())
    }
}

/// Order-preserving integer key of a finite f64 (−0.0 is normalised by the callers).
fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// A sorted reference distribution of one quantity.
///
/// Ranks are looked up for every customer of a base (three per customer), so the search
/// starts from a bucket index: the values' order-preserving bit patterns (exponent, then
/// mantissa: a logarithmic scale, so heavy-tailed CLVs spread well) are cut into at most
/// four buckets per value, and each bucket records where its values start. A lookup is one
/// shift and two loads, then a search among the few values of its bucket, where a binary
/// search over 5,000 values took about 60 ns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Distribution {
    sorted: Vec<f64>,
    /// The key of the smallest value.
    lo: u64,
    /// Bucket k holds the keys in `[lo + k << shift, lo + (k + 1) << shift)`.
    shift: u32,
    /// `first[k]`: how many values lie below bucket k (one more entry than buckets).
    first: Vec<u32>,
}

impl Distribution {
    /// From values (non-finite ones are dropped).
    pub fn new(values: impl IntoIterator<Item = f64>) -> Distribution {
        let mut sorted: Vec<f64> = values
            .into_iter()
            .filter(|v| v.is_finite())
            .map(|v| v + 0.0)
            .collect();
        sorted.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
            return Distribution::default();
        };
        let (lo, hi) = (order_key(min), order_key(max));
        let span = hi - lo;
        let limit = (4 * sorted.len()) as u64;
        let mut shift = 0;
        while (span >> shift) >= limit {
            shift += 1;
        }
        let buckets = (span >> shift) as usize + 1;
        let mut first = Vec::with_capacity(buckets + 1);
        let mut i = 0;
        for k in 0..=buckets {
            // Values whose bucket is below k.
            while i < sorted.len() && ((order_key(sorted[i]) - lo) >> shift) < k as u64 {
                i += 1;
            }
            first.push(i as u32);
        }
        Distribution {
            sorted,
            lo,
            shift,
            first,
        }
    }

    /// How many values are strictly below `v` (`partition_point(x < v)`).
    fn below(&self, v: f64) -> usize {
        let key = order_key(v + 0.0);
        if self.sorted.is_empty() || key < self.lo {
            return 0;
        }
        let k = ((key - self.lo) >> self.shift) as usize;
        if k + 1 >= self.first.len() {
            return self.sorted.len();
        }
        let (start, end) = (self.first[k] as usize, self.first[k + 1] as usize);
        start + self.sorted[start..end].partition_point(|&x| x < v)
    }

    /// Number of reference values.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// (strictly below, equal) counts of `v`: one binary search, then the ties counted
    /// forward (a short run for continuous scores; a second search past a long run).
    fn counts(&self, v: f64) -> (usize, usize) {
        let below = self.below(v);
        let rest = &self.sorted[below..];
        let equal = match rest.iter().take(8).position(|&x| x != v) {
            Some(k) => k,
            None => rest.partition_point(|&x| x <= v),
        };
        (below, equal)
    }

    /// Percentile rank (0–100) of `v`: the share of the reference below it, counting ties
    /// as half (the mid-rank definition), so the reference's own median ranks 50.
    pub fn percentile(&self, v: f64) -> f64 {
        if self.sorted.is_empty() || !v.is_finite() {
            return 50.0;
        }
        let (below, equal) = self.counts(v);
        100.0 * (below as f64 + 0.5 * equal as f64) / self.sorted.len() as f64
    }

    /// Quantile score 1..=`bins`: 1 + the number of whole `1/bins` shares of the reference
    /// strictly below `v` (`higher_is_better`) or strictly above it (otherwise). Ties share
    /// a score, so a value held by 60% of the base scores the same for all of them.
    pub fn score(&self, v: f64, bins: u8, higher_is_better: bool) -> u8 {
        let n = self.sorted.len();
        if n == 0 || !v.is_finite() {
            return bins.div_ceil(2);
        }
        let (below, equal) = self.counts(v);
        let worse = if higher_is_better {
            below
        } else {
            n - below - equal
        };
        let s = 1 + (worse * usize::from(bins)) / n;
        s.min(usize::from(bins)) as u8
    }
}

/// [`Distribution::score`] reduced to its `bins − 1` cut points: a score is then a few
/// comparisons instead of two binary searches (it runs for every customer of a base).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCuts {
    cuts: Vec<f64>,
    higher_is_better: bool,
    bins: u8,
}

impl ScoreCuts {
    /// The cut points of `d` for scores 1..=`bins`.
    ///
    /// Higher is better: score ≥ s + 1 ⟺ ⌊bins·below/n⌋ ≥ s ⟺ below ≥ m_s = ⌈s·n/bins⌉ ⟺
    /// v > sorted[m_s − 1]. Lower is better, with `above` the count strictly greater:
    /// above ≥ m_s ⟺ v < sorted[n − m_s].
    pub fn new(d: &Distribution, bins: u8, higher_is_better: bool) -> ScoreCuts {
        let n = d.sorted.len();
        let cuts = if n == 0 {
            Vec::new()
        } else {
            (1..usize::from(bins))
                .map(|s| {
                    let m = (s * n).div_ceil(usize::from(bins));
                    if higher_is_better {
                        d.sorted[m.max(1) - 1]
                    } else {
                        d.sorted[n - m.max(1)]
                    }
                })
                .collect()
        };
        ScoreCuts {
            cuts,
            higher_is_better,
            bins,
        }
    }

    /// The score of `v`, as [`Distribution::score`] gives it.
    pub fn score(&self, v: f64) -> u8 {
        if self.cuts.is_empty() || !v.is_finite() {
            return self.bins.div_ceil(2);
        }
        let passed = if self.higher_is_better {
            self.cuts.iter().filter(|&&c| v > c).count()
        } else {
            self.cuts.iter().filter(|&&c| v < c).count()
        };
        1 + passed as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_the_mid_rank() {
        let d = Distribution::new([1.0, 2.0, 3.0, 4.0, f64::NAN]);
        assert_eq!(d.len(), 4);
        assert_eq!(d.percentile(0.5), 0.0);
        assert_eq!(d.percentile(1.0), 12.5);
        assert_eq!(d.percentile(2.5), 50.0);
        assert_eq!(d.percentile(9.0), 100.0);
        assert_eq!(d.percentile(f64::NAN), 50.0);
        assert_eq!(Distribution::default().percentile(1.0), 50.0);
    }

    #[test]
    fn scores_are_quintiles_with_shared_ties() {
        // 60% zeros, then 1..=4: the zeros all score 1; higher values climb.
        let mut v = vec![0.0; 60];
        v.extend((0..40).map(|i| 1.0 + (i / 10) as f64));
        let d = Distribution::new(v);
        assert_eq!(d.score(0.0, 5, true), 1);
        assert_eq!(d.score(1.0, 5, true), 4); // 60% strictly below
        assert_eq!(d.score(3.0, 5, true), 5); // 80% below
        assert_eq!(d.score(100.0, 5, true), 5);
        // Lower is better (recency): the smallest values score highest.
        let r = Distribution::new((0..100).map(f64::from));
        assert_eq!(r.score(0.0, 5, false), 5);
        assert_eq!(r.score(99.0, 5, false), 1);
        assert_eq!(r.score(50.0, 5, false), 3); // 49 above
        // Each quintile holds a fifth of a tie-free reference.
        let counts = (0..100).fold([0; 5], |mut c, i| {
            c[usize::from(r.score(f64::from(i), 5, true)) - 1] += 1;
            c
        });
        assert_eq!(counts, [20; 5]);
    }

    #[test]
    fn bucketed_search_equals_a_binary_search() {
        let even = |i: usize| ((i * 7919) % 211) as f64 / 8.0;
        // Heavy-tailed, with zeros, negatives, −0.0 and a huge value.
        let skewed = |i: usize| match i % 9 {
            0 => 0.0,
            1 => -0.0,
            2 => -((i % 13) as f64),
            3 => 1e300,
            _ => (((i * 31) % 997) as f64 / 50.0).exp() * 1e-3,
        };
        let mut probes: Vec<f64> = (0..2000).map(|k| k as f64 / 64.0 - 2.0).collect();
        probes.extend((0..2000).map(|k| skewed(k * 7 + 1)));
        probes.extend([-0.0, 0.0, 1e300, f64::MAX, -f64::MAX, 5e-324]);
        for values in [even as fn(usize) -> f64, skewed] {
            for n in [0usize, 1, 15, 16, 17, 33, 5000] {
                let d = Distribution::new((0..n).map(values));
                for &v in &probes {
                    assert_eq!(
                        d.below(v),
                        d.sorted.partition_point(|&x| x < v),
                        "n {n}, v {v}"
                    );
                    let upto = d.sorted.partition_point(|&x| x <= v);
                    assert_eq!(d.counts(v), (d.below(v), upto - d.below(v)), "n {n}, v {v}");
                }
            }
        }
    }

    #[test]
    fn cut_points_score_exactly_as_the_ranks_do() {
        // Ties, a heavy mass at zero, and sizes that do not divide by 5.
        for n in [1usize, 4, 5, 7, 103, 2357] {
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 3 == 0 {
                        0.0
                    } else {
                        ((i * 7919) % 97) as f64 / 4.0
                    }
                })
                .collect();
            let d = Distribution::new(values.clone());
            for better in [true, false] {
                let cuts = ScoreCuts::new(&d, 5, better);
                for k in 0..400 {
                    let v = k as f64 / 16.0 - 1.0;
                    assert_eq!(
                        cuts.score(v),
                        d.score(v, 5, better),
                        "n {n}, v {v}, {better}"
                    );
                }
                for &v in &values {
                    assert_eq!(cuts.score(v), d.score(v, 5, better));
                }
            }
        }
    }

    #[test]
    fn sample_is_even_and_bounded() {
        let n = 12_345;
        let s = Summaries {
            ids: (0..n).map(|i| i.to_string()).collect(),
            first_purchase: vec![],
            x: (0..n as u32).collect(),
            t_x: (0..n).map(|i| i as f64 / 3.0).collect(),
            t: (0..n).map(|i| i as f64).collect(),
            monetary: vec![1.234; n],
            first_amount: vec![],
            holdout_x: vec![],
            holdout_spend: vec![],
            excluded_new: 0,
        };
        let r = ReferenceBase::sample(&s, "2000-01-01".into());
        assert_eq!(r.len(), REFERENCE_SIZE);
        assert_eq!(r.customers, n);
        assert_eq!(r.x[0], 0);
        assert_eq!(r.x[1], (n / REFERENCE_SIZE) as u32);
        assert_eq!(r.monetary[7], 1.234);
        assert!((r.t_x[3] - r.x[3] as f64 / 3.0).abs() < 1e-6);
        assert!(r.validate().is_ok());
    }
}
