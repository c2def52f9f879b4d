//! Pattern compression: customers with identical (x, t_x, T) have identical likelihood terms,
//! so fitting works on distinct patterns with a weight (the number of customers sharing it).
//! On CDNOW's 2,357 customers this leaves about half the rows; on large simulated bases with
//! day-resolution times the saving grows with the number of customers (1M customers over a
//! year of acquisition: 248k patterns).
//!
//! Compressed patterns come ordered by x, then t_x, then T, so fitting code can group rows by
//! x without reordering them.

use crate::CoreError;
use rustc_hash::FxHashMap;

/// Distinct (x, t_x, T) rows with their multiplicities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patterns {
    /// Repeat purchases.
    pub x: Vec<u32>,
    /// Recency: time of the last purchase since the first.
    pub t_x: Vec<f64>,
    /// Age: time from the first purchase to the end of calibration.
    pub t: Vec<f64>,
    /// Number of customers sharing the row.
    pub weight: Vec<f64>,
}

impl Patterns {
    /// One pattern per customer (weight 1), validated, in the input's order.
    pub fn uncompressed(x: &[u32], t_x: &[f64], t: &[f64]) -> Result<Self, CoreError> {
        validate(x, t_x, t)?;
        Ok(Patterns {
            x: x.to_vec(),
            t_x: t_x.to_vec(),
            t: t.to_vec(),
            weight: vec![1.0; x.len()],
        })
    }

    /// Collapses identical rows, validated; the result is ordered by x, then t_x, then T.
    ///
    /// Times are interned (summaries built from dates take few distinct values), each row is
    /// packed into one integer key (x, rank of t_x, rank of T), and the keys are radix sorted:
    /// identical rows become neighbours and the order falls out of the key. Bases whose
    /// values do not fit the key (x ≥ 2^20 or more than 2^22 distinct times) are compressed
    /// with a hash map and sorted afterwards.
    pub fn compress(x: &[u32], t_x: &[f64], t: &[f64]) -> Result<Self, CoreError> {
        validate(x, t_x, t)?;
        Ok(compress_packed(x, t_x, t).unwrap_or_else(|| compress_hashed(x, t_x, t)))
    }

    /// Patterns given with their counts (a pattern table aggregated elsewhere, e.g. by Spark
    /// or Dask, or per-customer rows with weights), validated: each count must be finite and
    /// positive. Identical (x, t_x, T) rows are merged by adding their counts, so pattern tables of
    /// several partitions concatenated give exactly the patterns of the whole base; the result
    /// is ordered by x, then t_x, then T, as [`Patterns::compress`] orders it.
    pub fn weighted(x: &[u32], t_x: &[f64], t: &[f64], count: &[f64]) -> Result<Self, CoreError> {
        validate(x, t_x, t)?;
        if count.len() != x.len() {
            return Err(CoreError::InvalidSummary {
                row: "all".into(),
                field: "count",
                reason: format!("{} counts for {} patterns", count.len(), x.len()),
            });
        }
        if let Some(i) = count.iter().position(|&w| !(w.is_finite() && w > 0.0)) {
            return Err(CoreError::InvalidSummary {
                row: i.to_string(),
                field: "count",
                reason: format!("must be finite and > 0, got {}", count[i]),
            });
        }
        let mut order: Vec<usize> = (0..x.len()).collect();
        // +0.0 and -0.0 are the same time (as in `compress`).
        let key = |i: usize| (x[i], t_x[i] + 0.0, t[i] + 0.0);
        order.sort_unstable_by(|&i, &j| {
            let (a, b) = (key(i), key(j));
            a.0.cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        });
        let mut out = Patterns::default();
        for i in order {
            let (xi, txi, ti) = key(i);
            let last = out.x.len();
            if last > 0
                && out.x[last - 1] == xi
                && out.t_x[last - 1] == txi
                && out.t[last - 1] == ti
            {
                out.weight[last - 1] += count[i];
            } else {
                out.x.push(xi);
                out.t_x.push(txi);
                out.t.push(ti);
                out.weight.push(count[i]);
            }
        }
        Ok(out)
    }

    /// Number of distinct patterns.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Number of customers represented.
    pub fn customers(&self) -> f64 {
        self.weight.iter().sum()
    }
}

/// Largest number of distinct values of t_x (or of T) that the packed key takes.
const MAX_DISTINCT_TIMES: usize = 1 << 24;

/// Below this many rows the columns are interned on the calling thread.
const PARALLEL_MIN_ROWS: usize = 100_000;

/// One time column interned: its distinct values ranked by value, and each row's rank.
struct RankedColumn {
    sorted: Vec<f64>,
    rank: Vec<u32>,
}

/// Interns a column (+0.0 and −0.0 are the same time), then ranks its distinct values;
/// `None` beyond [`MAX_DISTINCT_TIMES`].
fn rank_column(v: &[f64]) -> Option<RankedColumn> {
    let mut interner = TimeInterner::default();
    let mut index = Vec::with_capacity(v.len());
    for &t in v {
        index.push(interner.index(t + 0.0));
        if interner.len() > MAX_DISTINCT_TIMES {
            return None;
        }
    }
    let values = interner.into_values();
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_unstable_by(|&i, &j| values[i as usize].total_cmp(&values[j as usize]));
    let mut rank_of = vec![0u32; values.len()];
    for (r, &i) in order.iter().enumerate() {
        rank_of[i as usize] = r as u32;
    }
    for i in index.iter_mut() {
        *i = rank_of[*i as usize];
    }
    Some(RankedColumn {
        sorted: order.iter().map(|&i| values[i as usize]).collect(),
        rank: index,
    })
}

/// Bits needed to hold the values 0..n.
fn bits_for(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

/// The packed-key compression; `None` when the base does not fit a 64-bit key.
fn compress_packed(x: &[u32], t_x: &[f64], t: &[f64]) -> Option<Patterns> {
    let (recency, age) = if x.len() >= PARALLEL_MIN_ROWS {
        std::thread::scope(|s| {
            let recency = s.spawn(|| rank_column(t_x));
            let age = rank_column(t);
            // A panic in the worker is a bug here; propagate it unchanged.
            let recency = recency
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (recency, age)
        })
    } else {
        (rank_column(t_x), rank_column(t))
    };
    let (recency, age) = (recency?, age?);
    let x_max = x.iter().copied().max().unwrap_or(0) as usize;
    // Key = x | rank of t_x | rank of T, each in as few bits as its values need.
    let (bt, btx) = (bits_for(age.sorted.len()), bits_for(recency.sorted.len()));
    let total = bt + btx + bits_for(x_max + 1);
    if total > 64 {
        return None;
    }
    let key = |i: usize| -> u64 {
        u64::from(x[i]) << (bt + btx) | u64::from(recency.rank[i]) << bt | u64::from(age.rank[i])
    };
    // Sorted keys: each run of one key is one pattern. 32-bit keys sort in half the passes.
    let runs = if total <= 32 {
        let mut keys: Vec<u32> = (0..x.len()).map(|i| key(i) as u32).collect();
        radsort::sort(&mut keys);
        runs_of(&keys)
    } else {
        let mut keys: Vec<u64> = (0..x.len()).map(key).collect();
        radsort::sort(&mut keys);
        runs_of(&keys)
    };
    let mut out = Patterns::default();
    for (k, n) in runs {
        let (rx, rt) = ((k >> bt) & ((1 << btx) - 1), k & ((1 << bt) - 1));
        out.x.push((k >> (bt + btx)) as u32);
        out.t_x.push(recency.sorted[rx as usize]);
        out.t.push(age.sorted[rt as usize]);
        out.weight.push(n as f64);
    }
    Some(out)
}

/// The distinct keys of a sorted slice with the length of each one's run.
fn runs_of<K: Copy + PartialEq + Into<u64>>(keys: &[K]) -> Vec<(u64, usize)> {
    let mut runs: Vec<(u64, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=keys.len() {
        if i == keys.len() || keys[i] != keys[start] {
            runs.push((keys[start].into(), i - start));
            start = i;
        }
    }
    runs
}

/// Indexes distinct f64 values (times) in order of first appearance.
///
/// A hash map alone spent about 30 ns per lookup here (its probes branch unpredictably on
/// random keys); a direct-mapped cache of 4,096 recent values in front of it answers most
/// lookups of date-based times (a few hundred or thousand distinct values) with one
/// predictable comparison. Not in a crate that we know of, hence ours.
#[derive(Debug, Clone)]
pub struct TimeInterner {
    map: FxHashMap<u64, u32>,
    cache: Vec<(u64, u32)>,
    values: Vec<f64>,
}

/// A bit pattern that no interned value has (a NaN payload); marks empty cache slots.
const EMPTY: u64 = u64::MAX;
const CACHE_BITS: u32 = 12;

impl Default for TimeInterner {
    fn default() -> Self {
        TimeInterner {
            map: FxHashMap::default(),
            cache: vec![(EMPTY, 0); 1 << CACHE_BITS],
            values: Vec::new(),
        }
    }
}

impl TimeInterner {
    /// The index of `v` (bitwise identity: callers normalise −0.0 if they need to).
    #[inline]
    pub fn index(&mut self, v: f64) -> u32 {
        let bits = v.to_bits();
        let slot = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - CACHE_BITS)) as usize;
        let (cached, i) = self.cache[slot];
        if cached == bits {
            return i;
        }
        let values = &mut self.values;
        let i = *self.map.entry(bits).or_insert_with(|| {
            values.push(v);
            (values.len() - 1) as u32
        });
        if bits != EMPTY {
            self.cache[slot] = (bits, i);
        }
        i
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The distinct values, by index.
    pub fn into_values(self) -> Vec<f64> {
        self.values
    }
}

type Key = (u32, u64, u64);

/// The general compression: a hash map over the rows, then the patterns sorted.
fn compress_hashed(x: &[u32], t_x: &[f64], t: &[f64]) -> Patterns {
    let zero = |v: f64| if v == 0.0 { 0.0 } else { v };
    let mut index: FxHashMap<Key, usize> = FxHashMap::default();
    let mut rows: Vec<(u32, f64, f64, f64)> = Vec::new();
    for i in 0..x.len() {
        let (tx, tt) = (zero(t_x[i]), zero(t[i]));
        let key = (x[i], tx.to_bits(), tt.to_bits());
        match index.get(&key) {
            Some(&j) => rows[j].3 += 1.0,
            None => {
                index.insert(key, rows.len());
                rows.push((x[i], tx, tt, 1.0));
            }
        }
    }
    rows.sort_unstable_by(|p, q| {
        p.0.cmp(&q.0)
            .then(p.1.total_cmp(&q.1))
            .then(p.2.total_cmp(&q.2))
    });
    let mut out = Patterns::default();
    for (xi, tx, tt, w) in rows {
        out.x.push(xi);
        out.t_x.push(tx);
        out.t.push(tt);
        out.weight.push(w);
    }
    out
}

/// Checks that every row is a possible summary: finite, 0 ≤ t_x ≤ T, t_x = 0 when x = 0.
pub fn validate(x: &[u32], t_x: &[f64], t: &[f64]) -> Result<(), CoreError> {
    if x.len() >= PARALLEL_MIN_ROWS && x.len() == t_x.len() && x.len() == t.len() {
        // Two halves at once; the first half's error, if any, is the first bad row.
        let mid = x.len() / 2;
        let (first, second) = std::thread::scope(|s| {
            let second = s.spawn(|| validate_rows(x, t_x, t, mid..x.len()));
            let first = validate_rows(x, t_x, t, 0..mid);
            // A panic in the worker is a bug here; propagate it unchanged.
            let second = second
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (first, second)
        });
        return first.and(second);
    }
    if x.len() != t_x.len() || x.len() != t.len() {
        return Err(CoreError::InvalidSummary {
            row: "all".into(),
            field: "x",
            reason: format!(
                "column lengths differ: x {}, t_x {}, T {}",
                x.len(),
                t_x.len(),
                t.len()
            ),
        });
    }
    validate_rows(x, t_x, t, 0..x.len())
}

fn validate_rows(
    x: &[u32],
    t_x: &[f64],
    t: &[f64],
    rows: std::ops::Range<usize>,
) -> Result<(), CoreError> {
    for i in rows {
        let bad = |field, reason: String| {
            Err(CoreError::InvalidSummary {
                row: i.to_string(),
                field,
                reason,
            })
        };
        if !t[i].is_finite() || t[i] < 0.0 {
            return bad("T", format!("must be finite and >= 0, got {}", t[i]));
        }
        if !t_x[i].is_finite() || t_x[i] < 0.0 {
            return bad("t_x", format!("must be finite and >= 0, got {}", t_x[i]));
        }
        if t_x[i] > t[i] {
            return bad("t_x", format!("{} is after T = {}", t_x[i], t[i]));
        }
        if x[i] == 0 && t_x[i] != 0.0 {
            return bad("t_x", format!("must be 0 when x = 0, got {}", t_x[i]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_patterns_merge_exactly_into_the_compressed_base() {
        let x = [0, 2, 1, 2, 0, 1];
        let t_x = [0.0, 5.0, 3.0, 5.0, 0.0, 3.0];
        let t = [10.0, 12.0, 11.0, 12.0, 10.0, 9.0];
        let whole = Patterns::compress(&x, &t_x, &t).unwrap();
        // Two partitions compressed apart, their pattern tables concatenated and merged.
        let (a, b) = (
            Patterns::compress(&x[..3], &t_x[..3], &t[..3]).unwrap(),
            Patterns::compress(&x[3..], &t_x[3..], &t[3..]).unwrap(),
        );
        let cat = |f: fn(&Patterns) -> Vec<f64>| [f(&a), f(&b)].concat();
        let xs: Vec<u32> = [a.x.clone(), b.x.clone()].concat();
        let merged = Patterns::weighted(
            &xs,
            &cat(|p| p.t_x.clone()),
            &cat(|p| p.t.clone()),
            &cat(|p| p.weight.clone()),
        )
        .unwrap();
        assert_eq!(merged, whole);
        let bad = Patterns::weighted(&[1], &[1.0], &[2.0], &[0.0]).unwrap_err();
        assert!(bad.to_string().contains("count"), "{bad}");
    }

    #[test]
    fn identical_rows_collapse_with_weights() {
        let p = Patterns::compress(&[0, 1, 0, 1], &[0.0, 2.0, 0.0, 2.0], &[5.0, 5.0, 5.0, 6.0])
            .unwrap();
        assert_eq!(p.x, vec![0, 1, 1]);
        assert_eq!(p.weight, vec![2.0, 1.0, 1.0]);
        assert_eq!(p.customers(), 4.0);
    }

    /// The packed and hashed compressions give the same sorted patterns, which hold every
    /// customer once.
    fn check_both_ways(x: &[u32], t_x: &[f64], t: &[f64]) -> Patterns {
        let packed = compress_packed(x, t_x, t).expect("fits the key");
        let hashed = compress_hashed(x, t_x, t);
        assert_eq!(packed, hashed);
        assert_eq!(packed.customers(), x.len() as f64);
        for i in 1..packed.len() {
            let a = (packed.x[i - 1], packed.t_x[i - 1], packed.t[i - 1]);
            let b = (packed.x[i], packed.t_x[i], packed.t[i]);
            assert!(a < b, "not strictly ordered at {i}: {a:?} then {b:?}");
        }
        packed
    }

    #[test]
    fn packed_and_hashed_compressions_agree() {
        let n = 300_000;
        let x: Vec<u32> = (0..n).map(|i| (i % 7) as u32).collect();
        let t_x: Vec<f64> = (0..n)
            .map(|i| if i % 7 == 0 { 0.0 } else { (i % 13) as f64 })
            .collect();
        let t: Vec<f64> = (0..n).map(|i| 20.0 + (i % 11) as f64).collect();
        let p = check_both_ways(&x, &t_x, &t);
        let distinct: std::collections::BTreeSet<(u32, u64, u64)> = (0..n)
            .map(|i| (x[i], t_x[i].to_bits(), t[i].to_bits()))
            .collect();
        assert_eq!(p.len(), distinct.len());
        // Continuous times: hardly anything collapses, and −0.0 is 0.0.
        let t: Vec<f64> = (0..5000).map(|i| 1.0 + (i as f64).sqrt() * 0.37).collect();
        let t_x: Vec<f64> = (0..5000)
            .map(|i| if i % 3 == 0 { -0.0 } else { t[i] * 0.5 })
            .collect();
        let x: Vec<u32> = (0..5000)
            .map(|i| if i % 3 == 0 { 0 } else { 1 + i % 5 })
            .collect();
        let p = check_both_ways(&x, &t_x, &t);
        assert!(p.t_x.iter().all(|v| v.to_bits() != (-0.0f64).to_bits()));
    }

    #[test]
    fn values_beyond_the_packed_key_use_the_hash_map() {
        // 32 bits of x and 17 bits for each time column's ranks: more than 64.
        let n = 70_000;
        let x: Vec<u32> = (0..n)
            .map(|i| if i % 2 == 0 { u32::MAX } else { 1 })
            .collect();
        let t_x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let t: Vec<f64> = (0..n).map(|i| (n + i) as f64).collect();
        assert!(compress_packed(&x, &t_x, &t).is_none());
        let p = Patterns::compress(&x, &t_x, &t).unwrap();
        assert_eq!(p.len(), n);
        assert_eq!(p.x[0], 1);
        assert_eq!(p.x[n - 1], u32::MAX);
        // A wide x alone still fits the key.
        let p = Patterns::compress(&[1 << 30, 0, 1 << 30], &[1.0, 0.0, 1.0], &[2.0; 3]).unwrap();
        assert_eq!(p.x, vec![0, 1 << 30]);
        assert_eq!(p.weight, vec![1.0, 2.0]);
    }

    #[test]
    fn impossible_rows_are_refused_with_the_field() {
        let e = Patterns::compress(&[1], &[3.0], &[2.0]).unwrap_err();
        assert!(e.to_string().contains("t_x"), "{e}");
        let e = Patterns::compress(&[1], &[1.0], &[-2.0]).unwrap_err();
        assert!(e.to_string().contains("T"), "{e}");
        assert!(Patterns::compress(&[0], &[1.0], &[2.0]).is_err());
    }
}
