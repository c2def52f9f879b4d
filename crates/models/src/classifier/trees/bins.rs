//! Feature binning: each feature's values are mapped to at most 255 ordered bins, so that split
//! search scans a short histogram instead of sorting rows (the LightGBM / histogram-GBDT design).
//!
//! A bin's upper boundary is the midpoint between the largest value in the bin and the smallest
//! value in the next one, so a split "bin ≤ k" is the same as "x ≤ boundary[k]" on raw values
//! and the fitted trees score unbinned data exactly as they were trained.

/// Per-feature bin boundaries and the binned training matrix, row-major: a row's bins are
/// contiguous, so building a leaf's histogram reads each of its rows once, in whatever order
/// partitioning left them.
#[derive(Debug, Clone)]
pub struct Binned {
    /// Rows.
    pub n_rows: usize,
    /// Features.
    pub n_features: usize,
    /// `bins[i * n_features + f]`: bin of row i on feature f.
    pub bins: Vec<u8>,
    /// Upper boundaries of feature f's bins; its bin count is `boundaries[f].len() + 1`.
    pub boundaries: Vec<Vec<f64>>,
    /// Offset of feature f's first bin in a histogram laid out feature after feature.
    pub offsets: Vec<usize>,
    /// Total bins over all features.
    pub total_bins: usize,
}

/// Boundaries for one feature: at most `max_bins - 1`, with at least `min_in_bin` values per bin
/// when there are more distinct values than bins.
fn boundaries_of(values: &mut [f64], max_bins: usize, min_in_bin: usize) -> Vec<f64> {
    values.sort_unstable_by(f64::total_cmp);
    // Distinct values and their counts.
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in values.iter() {
        match distinct.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => distinct.push((v, 1)),
        }
    }
    if distinct.len() <= max_bins {
        return distinct
            .windows(2)
            .map(|w| 0.5 * (w[0].0 + w[1].0))
            .collect();
    }
    // Greedy equal-frequency bins over distinct values: close a bin once it holds its share.
    let total = values.len();
    let per_bin = min_in_bin as f64;
    let mut out = Vec::with_capacity(max_bins - 1);
    let mut in_bin = 0usize;
    let mut seen = 0usize;
    for w in distinct.windows(2) {
        in_bin += w[0].1;
        seen += w[0].1;
        let remaining_bins = max_bins - 1 - out.len();
        if remaining_bins == 0 {
            break;
        }
        // Re-spread what is left over the bins that are left, so heavy values do not starve
        // the tail.
        let share = ((total - seen + in_bin) as f64 / (remaining_bins + 1) as f64).max(per_bin);
        if in_bin as f64 >= share || (in_bin >= min_in_bin && w[1].1 as f64 >= share) {
            out.push(0.5 * (w[0].0 + w[1].0));
            in_bin = 0;
        }
    }
    out
}

/// The bin of `x` given a feature's boundaries: the number of boundaries strictly below `x`.
pub fn bin_of(boundaries: &[f64], x: f64) -> u8 {
    boundaries.partition_point(|&b| b < x) as u8
}

impl Binned {
    /// Bins a row-major matrix. `max_bins` ≤ 256; boundaries come from at most 200,000 rows
    /// (evenly strided), as LightGBM's `bin_construct_sample_cnt`.
    pub fn new(x: &[f64], n_features: usize, max_bins: usize, min_in_bin: usize) -> Binned {
        let n_rows = x.len().checked_div(n_features).unwrap_or(0);
        let max_bins = max_bins.clamp(2, 256);
        let stride = n_rows.div_ceil(200_000).max(1);
        let mut boundaries = Vec::with_capacity(n_features);
        let mut bins = vec![0u8; n_rows * n_features];
        let mut column = Vec::with_capacity(n_rows.div_ceil(stride));
        for f in 0..n_features {
            column.clear();
            column.extend((0..n_rows).step_by(stride).map(|i| x[i * n_features + f]));
            let b = boundaries_of(&mut column, max_bins, min_in_bin.max(1));
            for i in 0..n_rows {
                bins[i * n_features + f] = bin_of(&b, x[i * n_features + f]);
            }
            boundaries.push(b);
        }
        let mut offsets = Vec::with_capacity(n_features);
        let mut total_bins = 0;
        for b in &boundaries {
            offsets.push(total_bins);
            total_bins += b.len() + 1;
        }
        Binned {
            n_rows,
            n_features,
            bins,
            boundaries,
            offsets,
            total_bins,
        }
    }

    /// Bins of row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> &[u8] {
        &self.bins[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Bin of row `i` on feature `f`.
    #[inline]
    pub fn get(&self, i: usize, f: usize) -> u8 {
        self.bins[i * self.n_features + f]
    }

    /// Bins of feature `f` for all rows (a copy).
    pub fn column(&self, f: usize) -> Vec<u8> {
        (0..self.n_rows).map(|i| self.get(i, f)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let x = [3.0, 1.0, 2.0, 1.0, 3.0];
        let b = Binned::new(&x, 1, 255, 3);
        assert_eq!(b.boundaries[0], vec![1.5, 2.5]);
        assert_eq!(b.column(0), vec![2, 0, 1, 0, 2]);
        // "bin ≤ k" ⇔ "x ≤ boundary[k]".
        for (&v, &bin) in x.iter().zip(&b.column(0)) {
            assert_eq!(bin == 0, v <= b.boundaries[0][0]);
        }
    }

    #[test]
    fn many_values_are_spread_over_at_most_max_bins() {
        let x: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 10_000) as f64).collect();
        let b = Binned::new(&x, 1, 64, 3);
        assert!(b.boundaries[0].len() <= 63 && b.boundaries[0].len() >= 60);
        let mut counts = vec![0usize; 64];
        for &bin in &b.column(0) {
            counts[bin as usize] += 1;
        }
        let used: Vec<usize> = counts.into_iter().filter(|&c| c > 0).collect();
        // Roughly equal frequencies.
        assert!(used.iter().all(|&c| (100..=250).contains(&c)), "{used:?}");
        assert!(b.boundaries[0].windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_heavy_value_does_not_swallow_the_rest() {
        // Half the rows are 0 (like a one-hot column or zero usage), the rest distinct.
        let x: Vec<f64> = (0..2000)
            .map(|i| if i % 2 == 0 { 0.0 } else { i as f64 })
            .collect();
        let b = Binned::new(&x, 1, 16, 3);
        assert_eq!(bin_of(&b.boundaries[0], 0.0), 0);
        assert!(b.boundaries[0].len() >= 10, "{:?}", b.boundaries[0]);
    }
}
