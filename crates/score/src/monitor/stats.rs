//! The drift statistics: population stability index over bins, the two-sample
//! Kolmogorov–Smirnov statistic, and the Jensen–Shannon distance. Written here rather than
//! taken from a crate: each is a few lines over data we already hold sorted, and the crates
//! that have them (statrs, linfa) offer the KS *test* on whole samples or none at all, not
//! PSI on a stored reference's deciles.

/// Share given to an empty bin before taking logarithms, so that PSI stays finite when a bin
/// is empty on one side (the usual convention of credit-risk PSI tables).
pub const EMPTY_SHARE: f64 = 1e-4;

/// Deciles of a sorted reference: at most 9 distinct cut points (ties merge bins, so a column
/// where 60% of the reference is 0 gets one bin `≤ 0` holding those 60%). The k-th cut is the
/// order statistic at rank ⌈k·n/10⌉ (the lower empirical quantile, numpy's `inverted_cdf`).
pub fn decile_cuts(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let mut cuts: Vec<f64> = (1..10)
        .map(|k| sorted[((k * n).div_ceil(10)).max(1) - 1])
        .collect();
    cuts.dedup();
    // The largest value needs no cut above it: a last bin `> max` would always be empty.
    if cuts.last() == sorted.last() {
        cuts.pop();
    }
    cuts
}

/// The bin of `v` among `cuts`: bin k is (cuts[k−1], cuts[k]], the first (−∞, cuts[0]], the
/// last (cuts[last], ∞).
pub fn bin_of(cuts: &[f64], v: f64) -> usize {
    cuts.partition_point(|&c| c < v)
}

/// Shares of `counts` (all 0 for an empty total).
pub fn shares(counts: &[usize]) -> Vec<f64> {
    let total: usize = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if total == 0 {
                0.0
            } else {
                c as f64 / total as f64
            }
        })
        .collect()
}

/// Population stability index Σ (c − r) · ln(c / r) over bins of reference shares `r` and
/// current shares `c`, each share floored at [`EMPTY_SHARE`]. Always finite and ≥ 0.
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let (r, c) = (r.max(EMPTY_SHARE), c.max(EMPTY_SHARE));
            (c - r) * (c / r).ln()
        })
        .sum()
}

/// The two-sample Kolmogorov–Smirnov statistic sup |F_a − F_b| of two sorted samples (0 when
/// either is empty), the statistic of `scipy.stats.ks_2samp`.
pub fn ks(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        // Step past every value equal to the smaller head in both samples, so ties move both
        // empirical distribution functions at once.
        let v = a[i].min(b[j]);
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}

/// The Jensen–Shannon distance between two distributions over the same bins, with base-2
/// logarithms so it lies in [0, 1] (`scipy.spatial.distance.jensenshannon(p, q, base=2)`).
/// The inputs are normalised first; two empty distributions are at distance 0.
pub fn js_distance(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    if sp <= 0.0 || sq <= 0.0 {
        return if sp <= 0.0 && sq <= 0.0 { 0.0 } else { 1.0 };
    }
    let kl = |a: f64, m: f64| if a > 0.0 { a * (a / m).log2() } else { 0.0 };
    let mut div = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = 0.5 * (a + b);
        div += 0.5 * kl(a, m) + 0.5 * kl(b, m);
    }
    // Rounding can leave a tiny negative divergence for identical inputs.
    div.max(0.0).sqrt().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn psi_matches_a_hand_computation() {
        // r = (0.25, 0.25, 0.5), c = (0.5, 0.25, 0.25):
        // 0.25·ln 2 + 0 + (−0.25)·ln 0.5 = 0.5·ln 2 = 0.34657359…
        let v = psi(&[0.25, 0.25, 0.5], &[0.5, 0.25, 0.25]);
        assert_abs_diff_eq!(v, 0.5 * std::f64::consts::LN_2, epsilon = 1e-15);
        assert_eq!(psi(&[0.2; 5], &[0.2; 5]), 0.0);
        // An empty current bin is floored at 1e-4: (1e-4 − 0.5)·ln(1e-4/0.5)
        // + (1 − 0.5)·ln(1/0.5) = 4.2586… + 0.3466… = 4.60517…
        let v = psi(&[0.5, 0.5], &[0.0, 1.0]);
        let hand = (1e-4 - 0.5) * (1e-4f64 / 0.5).ln() + 0.5 * 2f64.ln();
        assert_abs_diff_eq!(v, hand, epsilon = 1e-12);
        assert!(v.is_finite());
    }

    #[test]
    fn ks_matches_scipy() {
        // scipy 1.17.1: ks_2samp([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]).statistic = 0.5;
        // ks_2samp([0, 0, 0, 1, 2], [0, 1, 1, 2, 2, 2]).statistic = 0.43333333333333335.
        assert_abs_diff_eq!(
            ks(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
            0.5,
            epsilon = 1e-15
        );
        assert_abs_diff_eq!(
            ks(&[0.0, 0.0, 0.0, 1.0, 2.0], &[0.0, 1.0, 1.0, 2.0, 2.0, 2.0]),
            0.43333333333333335,
            epsilon = 1e-15
        );
        assert_eq!(ks(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
        assert_eq!(ks(&[1.0], &[2.0]), 1.0);
        assert_eq!(ks(&[], &[2.0]), 0.0);
    }

    #[test]
    fn js_distance_matches_scipy() {
        // scipy 1.17.1: jensenshannon([0.5, 0.3, 0.2], [0.1, 0.6, 0.3], base=2)
        // = 0.38603432433827223; jensenshannon([1, 0], [0, 1], base=2) = 1.0;
        // unnormalised counts [10, 30] vs [20, 20]: 0.22089576884901735.
        assert_abs_diff_eq!(
            js_distance(&[0.5, 0.3, 0.2], &[0.1, 0.6, 0.3]),
            0.38603432433827223,
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(js_distance(&[1.0, 0.0], &[0.0, 1.0]), 1.0, epsilon = 1e-15);
        assert_abs_diff_eq!(
            js_distance(&[10.0, 30.0], &[20.0, 20.0]),
            0.22089576884901735,
            epsilon = 1e-12
        );
        assert_eq!(js_distance(&[0.3, 0.7], &[0.3, 0.7]), 0.0);
    }

    #[test]
    fn decile_cuts_merge_ties() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(
            decile_cuts(&v),
            vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
        );
        // 60% zeros: one bin ≤ 0, then the rest.
        let mut t = vec![0.0; 6];
        t.extend([1.0, 2.0, 3.0, 4.0]);
        assert_eq!(decile_cuts(&t), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(bin_of(&[0.0, 1.0, 2.0, 3.0], 0.0), 0);
        assert_eq!(bin_of(&[0.0, 1.0, 2.0, 3.0], 0.5), 1);
        assert_eq!(bin_of(&[0.0, 1.0, 2.0, 3.0], 9.0), 4);
        assert!(decile_cuts(&[5.0; 10]).is_empty());
    }
}
