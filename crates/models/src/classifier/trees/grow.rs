//! Growing one regression tree on binned features from per-row gradients and hessians.
//!
//! Each open leaf keeps a histogram of (Σg, Σh, Σw) per feature bin. The best split of a leaf
//! maximises the second-order gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ); after a split only
//! the smaller child's histogram is built from its rows, and the larger one is the parent's
//! minus it. Leaves are split best-gain first up to a leaf budget (LightGBM's leaf-wise growth,
//! for boosting) or depth-first until no split is allowed (for the random forest, where every
//! admissible split is taken anyway and depth-first keeps only O(depth) histograms alive).
//!
//! With g = −y·w and h = w the gain is the weighted variance reduction of y, i.e. the Gini
//! decrease for a 0/1 target, and the leaf value −G/H is the leaf's churn rate.

use super::bins::Binned;
use super::tree::{Node, Tree};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// Limits on tree growth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowParams {
    /// Maximum leaves (`usize::MAX` for no limit).
    pub max_leaves: usize,
    /// Maximum depth (`usize::MAX` for no limit).
    pub max_depth: usize,
    /// Minimum weight (rows) in a leaf.
    pub min_weight_in_leaf: f64,
    /// Minimum Σh in a leaf.
    pub min_hessian_in_leaf: f64,
    /// L2 penalty λ on leaf values.
    pub lambda_l2: f64,
    /// Minimum gain to split.
    pub min_gain: f64,
    /// Features drawn at random for each split (all of them when ≥ the feature count).
    pub features_per_split: usize,
    /// Split the best-gain leaf first (boosting) rather than depth-first (forest).
    pub best_first: bool,
}

/// A leaf that may still be split.
struct Open {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    sum: [f64; 3],
    hist: Vec<f64>,
    split: Option<Split>,
}

#[derive(Debug, Clone, Copy)]
struct Split {
    feature: usize,
    bin: u8,
    gain: f64,
}

/// The tree grower over one binned matrix; reusable across trees.
pub struct Grower<'a> {
    binned: &'a Binned,
    params: GrowParams,
    rng: Xoshiro256PlusPlus,
    features: Vec<usize>,
}

fn score(g: f64, h: f64, lambda: f64) -> f64 {
    g * g / (h + lambda)
}

impl<'a> Grower<'a> {
    /// A grower with its own seeded random stream (used only for feature sampling).
    pub fn new(binned: &'a Binned, params: GrowParams, seed: u64) -> Self {
        Grower {
            binned,
            params,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            features: (0..binned.n_features).collect(),
        }
    }

    fn build_hist(&self, rows: &[u32], ghw: &[[f64; 3]], hist: &mut Vec<f64>) {
        hist.clear();
        hist.resize(3 * self.binned.total_bins, 0.0);
        let offsets = &self.binned.offsets;
        let (cells, _) = hist.as_chunks_mut::<3>();
        for &r in rows {
            let v = ghw[r as usize];
            for (&bin, &off) in self.binned.row(r as usize).iter().zip(offsets) {
                let c = &mut cells[off + bin as usize];
                c[0] += v[0];
                c[1] += v[1];
                c[2] += v[2];
            }
        }
    }

    /// Whether splits draw a subset of features (forest): then each split builds histograms of
    /// just the drawn features from the leaf's rows, instead of keeping every feature's
    /// histogram for the subtraction trick, which would cost O(features × bins) per node.
    fn sampled(&self) -> bool {
        self.params.features_per_split < self.binned.n_features
    }

    /// Best split over a random draw of features, from the leaf's rows.
    fn best_split_rows(
        &mut self,
        rows: &[u32],
        ghw: &[[f64; 3]],
        sum: [f64; 3],
        depth: usize,
        scratch: &mut Vec<f64>,
    ) -> Option<Split> {
        let p = self.params;
        if depth >= p.max_depth || sum[2] < 2.0 * p.min_weight_in_leaf {
            return None;
        }
        let nf = self.binned.n_features;
        let draw = p.features_per_split.min(nf);
        for i in 0..draw {
            let j = self.rng.random_range(i..nf);
            self.features.swap(i, j);
        }
        let parent = score(sum[0], sum[1], p.lambda_l2);
        let mut best: Option<Split> = None;
        for d in 0..draw {
            let f = self.features[d];
            let nb = self.binned.boundaries[f].len() + 1;
            scratch.clear();
            scratch.resize(3 * nb, 0.0);
            for &r in rows {
                let k = 3 * self.binned.get(r as usize, f) as usize;
                let v = &ghw[r as usize];
                scratch[k] += v[0];
                scratch[k + 1] += v[1];
                scratch[k + 2] += v[2];
            }
            if let Some(s) = scan(scratch, nb, f, sum, parent, &p)
                && best.is_none_or(|b| s.gain > b.gain)
            {
                best = Some(s);
            }
        }
        best
    }

    fn best_split(&mut self, hist: &[f64], sum: [f64; 3], depth: usize) -> Option<Split> {
        let p = self.params;
        if depth >= p.max_depth || sum[2] < 2.0 * p.min_weight_in_leaf {
            return None;
        }
        let nf = self.binned.n_features;
        let draw = p.features_per_split.min(nf);
        // Partial Fisher–Yates: the first `draw` entries are a uniform sample of features.
        if draw < nf {
            for i in 0..draw {
                let j = self.rng.random_range(i..nf);
                self.features.swap(i, j);
            }
        }
        let parent = score(sum[0], sum[1], p.lambda_l2);
        let mut best: Option<Split> = None;
        for &f in &self.features[..draw] {
            let nb = self.binned.boundaries[f].len() + 1;
            let h = &hist[3 * self.binned.offsets[f]..3 * (self.binned.offsets[f] + nb)];
            if let Some(s) = scan(h, nb, f, sum, parent, &p)
                && best.is_none_or(|b| s.gain > b.gain)
            {
                best = Some(s);
            }
        }
        best
    }

    /// Grows a tree on `rows` (reordered in place) given per-row (g, h, w).
    pub fn grow(&mut self, rows: &mut [u32], ghw: &[[f64; 3]]) -> Tree {
        let p = self.params;
        let leaf_value = |s: [f64; 3]| {
            let v = -s[0] / (s[1] + p.lambda_l2);
            if v.is_finite() { v } else { 0.0 }
        };
        let mut sum = [0.0; 3];
        for &r in rows.iter() {
            for k in 0..3 {
                sum[k] += ghw[r as usize][k];
            }
        }
        let mut nodes = vec![Node {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
            value: leaf_value(sum),
            cover: sum[2],
        }];
        let sampled = self.sampled();
        let mut scratch = Vec::new();
        let mut hist = Vec::new();
        let split = if sampled {
            self.best_split_rows(rows, ghw, sum, 0, &mut scratch)
        } else {
            self.build_hist(rows, ghw, &mut hist);
            self.best_split(&hist, sum, 0)
        };
        let mut open = vec![Open {
            node: 0,
            start: 0,
            end: rows.len(),
            depth: 0,
            sum,
            hist,
            split,
        }];
        let mut leaves = 1usize;
        while leaves < p.max_leaves {
            let pick = if p.best_first {
                open.iter()
                    .enumerate()
                    .filter_map(|(i, o)| o.split.map(|s| (i, s.gain)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i)
            } else {
                // Depth-first: drop leaves that cannot split, take the most recent one.
                while open.last().is_some_and(|o| o.split.is_none()) {
                    open.pop();
                }
                open.len().checked_sub(1)
            };
            let Some(i) = pick else { break };
            let mut leaf = open.swap_remove(i);
            let s = leaf.split.expect("picked leaves have a split");
            // Partition the leaf's rows: bin ≤ s.bin to the front.
            let seg = &mut rows[leaf.start..leaf.end];
            let mut mid = 0;
            for j in 0..seg.len() {
                if self.binned.get(seg[j] as usize, s.feature) <= s.bin {
                    seg.swap(mid, j);
                    mid += 1;
                }
            }
            let mid = leaf.start + mid;
            let (ls, le, rs, re) = (leaf.start, mid, mid, leaf.end);
            let (lhist, rhist, lsum, rsum);
            if sampled {
                let mut ls_ = [0.0; 3];
                for &r in &rows[ls..le] {
                    for k in 0..3 {
                        ls_[k] += ghw[r as usize][k];
                    }
                }
                lsum = ls_;
                lhist = Vec::new();
                rhist = Vec::new();
            } else {
                // Histogram of the smaller child from its rows; the larger is parent − smaller.
                let left_smaller = le - ls <= re - rs;
                let (ss, se) = if left_smaller { (ls, le) } else { (rs, re) };
                let mut small = Vec::new();
                self.build_hist(&rows[ss..se], ghw, &mut small);
                let mut large = std::mem::take(&mut leaf.hist);
                for (a, b) in large.iter_mut().zip(&small) {
                    *a -= b;
                }
                (lhist, rhist) = if left_smaller {
                    (small, large)
                } else {
                    (large, small)
                };
                lsum = sum_of(&lhist, self.binned, 0);
            }
            rsum = [
                leaf.sum[0] - lsum[0],
                leaf.sum[1] - lsum[1],
                leaf.sum[2] - lsum[2],
            ];
            let (l, r) = (nodes.len(), nodes.len() + 1);
            let parent = &mut nodes[leaf.node];
            parent.feature = s.feature as u32;
            parent.threshold = self.binned.boundaries[s.feature][s.bin as usize];
            parent.left = l as u32;
            parent.right = r as u32;
            for child_sum in [lsum, rsum] {
                nodes.push(Node {
                    feature: 0,
                    threshold: 0.0,
                    left: 0,
                    right: 0,
                    value: leaf_value(child_sum),
                    cover: child_sum[2],
                });
            }
            leaves += 1;
            let depth = leaf.depth + 1;
            let (lsplit, rsplit) = if sampled {
                (
                    self.best_split_rows(&rows[ls..le], ghw, lsum, depth, &mut scratch),
                    self.best_split_rows(&rows[rs..re], ghw, rsum, depth, &mut scratch),
                )
            } else {
                (
                    self.best_split(&lhist, lsum, depth),
                    self.best_split(&rhist, rsum, depth),
                )
            };
            for (node, start, end, sum, hist, split) in [
                (r, rs, re, rsum, rhist, rsplit),
                (l, ls, le, lsum, lhist, lsplit),
            ] {
                if split.is_some() {
                    open.push(Open {
                        node,
                        start,
                        end,
                        depth,
                        sum,
                        hist,
                        split,
                    });
                }
            }
        }
        Tree { nodes }
    }
}

/// The best split of one feature's histogram `h` (`nb` bins of (g, h, w)).
fn scan(
    h: &[f64],
    nb: usize,
    f: usize,
    sum: [f64; 3],
    parent: f64,
    p: &GrowParams,
) -> Option<Split> {
    let (mut gl, mut hl, mut wl) = (0.0, 0.0, 0.0);
    let mut best: Option<Split> = None;
    for b in 0..nb - 1 {
        gl += h[3 * b];
        hl += h[3 * b + 1];
        wl += h[3 * b + 2];
        if wl < p.min_weight_in_leaf || hl < p.min_hessian_in_leaf {
            continue;
        }
        let (gr, hr, wr) = (sum[0] - gl, sum[1] - hl, sum[2] - wl);
        if wr < p.min_weight_in_leaf || hr < p.min_hessian_in_leaf {
            break;
        }
        let gain = score(gl, hl, p.lambda_l2) + score(gr, hr, p.lambda_l2) - parent;
        if gain > p.min_gain.max(1e-12) && best.is_none_or(|s| gain > s.gain) {
            best = Some(Split {
                feature: f,
                bin: b as u8,
                gain,
            });
        }
    }
    best
}

/// (Σg, Σh, Σw) of a leaf from its histogram, read off one feature's bins.
fn sum_of(hist: &[f64], binned: &Binned, f: usize) -> [f64; 3] {
    let nb = binned.boundaries.get(f).map_or(0, |b| b.len() + 1);
    let mut s = [0.0; 3];
    for b in 0..nb {
        let k = 3 * (binned.offsets[f] + b);
        s[0] += hist[k];
        s[1] += hist[k + 1];
        s[2] += hist[k + 2];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> GrowParams {
        GrowParams {
            max_leaves: 31,
            max_depth: usize::MAX,
            min_weight_in_leaf: 1.0,
            min_hessian_in_leaf: 1e-3,
            lambda_l2: 0.0,
            min_gain: 0.0,
            features_per_split: usize::MAX,
            best_first: true,
        }
    }

    #[test]
    fn finds_an_interaction_that_no_single_split_explains() {
        // y = XOR(x0 > 0.5, x1 > 0.5); x2 is noise. Regression on y with g = −y, h = 1.
        let n = 400;
        let mut x = Vec::new();
        let mut ghw = Vec::new();
        for i in 0..n {
            let a = (i % 20) as f64 / 20.0;
            let b = (i / 20) as f64 / 20.0;
            let c = ((i * 7) % 13) as f64;
            x.extend([a, b, c]);
            let y = ((a > 0.5) ^ (b > 0.5)) as u8 as f64;
            ghw.push([-y, 1.0, 1.0]);
        }
        let binned = Binned::new(&x, 3, 255, 1);
        let mut rows: Vec<u32> = (0..n as u32).collect();
        let mut g = Grower::new(
            &binned,
            GrowParams {
                max_leaves: 4,
                ..params()
            },
            1,
        );
        let tree = g.grow(&mut rows, &ghw);
        assert_eq!(tree.leaves(), 4);
        for i in 0..n {
            let y = -ghw[i][0];
            assert_eq!(tree.predict(&x[3 * i..3 * i + 3]), y, "row {i}");
        }
        assert!(tree.nodes.iter().all(|n| n.is_leaf() || n.feature < 2));
        assert_eq!(tree.nodes[0].cover, n as f64);
    }

    #[test]
    fn respects_the_leaf_size_and_depth_limits() {
        let n = 1000;
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let ghw: Vec<[f64; 3]> = (0..n).map(|i| [-((i % 3) as f64), 1.0, 1.0]).collect();
        let binned = Binned::new(&x, 1, 255, 1);
        let mut rows: Vec<u32> = (0..n as u32).collect();
        let p = GrowParams {
            max_leaves: usize::MAX,
            min_weight_in_leaf: 50.0,
            max_depth: 3,
            best_first: false,
            ..params()
        };
        let tree = Grower::new(&binned, p, 1).grow(&mut rows, &ghw);
        assert!(tree.depth() <= 3);
        assert!(
            tree.nodes
                .iter()
                .filter(|n| n.is_leaf())
                .all(|n| n.cover >= 50.0)
        );
        assert!(tree.validate(1).is_ok());
        // Leaf values are the mean target of their rows (variance-reduction regression).
        let total: f64 = tree
            .nodes
            .iter()
            .filter(|n| n.is_leaf())
            .map(|n| n.value * n.cover)
            .sum();
        let mean_y: f64 = ghw.iter().map(|v| -v[0]).sum();
        assert!((total - mean_y).abs() < 1e-9);
    }
}
