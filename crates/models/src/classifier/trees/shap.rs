//! Exact TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature attribution
//! for tree ensembles", Algorithm 2): Shapley values of one tree's output in polynomial time.
//!
//! The value of a coalition S is the path-dependent expectation E[f(x) | x_S]: at a split on a
//! feature in S follow x, otherwise average both children weighted by their training cover.
//! The algorithm keeps, along the root-to-leaf path, the proportion of all subsets of the path's
//! unique features that flow to the current node ("pweights") and extends or unwinds it at
//! each split. It is written from the paper's pseudo-code; no crate offers TreeSHAP over trees
//! other than its own.

use super::tree::Tree;

#[derive(Debug, Clone, Copy)]
struct PathElement {
    feature: usize,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

const NO_FEATURE: usize = usize::MAX;

const EMPTY: PathElement = PathElement {
    feature: NO_FEATURE,
    zero_fraction: 0.0,
    one_fraction: 0.0,
    pweight: 0.0,
};

// Paths are slices `path[..=depth]`. Every node works on its own copy, placed in one buffer
// right after its parent's (as in the reference implementation), so nothing is allocated per
// node.

fn extend(
    path: &mut [PathElement],
    depth: usize,
    zero_fraction: f64,
    one_fraction: f64,
    feature: usize,
) {
    path[depth] = PathElement {
        feature,
        zero_fraction,
        one_fraction,
        pweight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].pweight += one_fraction * path[i].pweight * (i + 1) as f64 / d1;
        path[i].pweight = zero_fraction * path[i].pweight * (depth - i) as f64 / d1;
    }
}

fn unwind(path: &mut [PathElement], depth: usize, index: usize) {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].pweight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next * d1 / ((i + 1) as f64 * one);
            next = tmp - path[i].pweight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].pweight = path[i].pweight * d1 / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].pweight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next * d1 / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].pweight - tmp * zero * (depth - i) as f64 / d1;
        } else if zero != 0.0 {
            total += path[i].pweight / zero / ((depth - i) as f64 / d1);
        }
    }
    total
}

struct Walk<'a> {
    tree: &'a Tree,
    row: &'a [f64],
    phi: &'a mut [f64],
    scale: f64,
}

impl Walk<'_> {
    /// Visits `node` with `depth` unique features above it; the parent's path starts at
    /// `buf[parent]`, this node's at `buf[parent + depth + 1]`.
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &mut self,
        buf: &mut [PathElement],
        parent: usize,
        node: usize,
        depth: usize,
        zero_fraction: f64,
        one_fraction: f64,
        feature: usize,
    ) {
        let start = parent + depth + 1;
        buf.copy_within(parent..parent + depth, start);
        let own = &mut buf[start..];
        extend(own, depth, zero_fraction, one_fraction, feature);
        let n = self.tree.nodes[node];
        if n.is_leaf() {
            for i in 1..=depth {
                let w = unwound_sum(own, depth, i);
                let e = own[i];
                self.phi[e.feature] +=
                    self.scale * w * (e.one_fraction - e.zero_fraction) * n.value;
            }
            return;
        }
        let split = n.feature as usize;
        let (hot, cold) = if self.row[split] <= n.threshold {
            (n.left as usize, n.right as usize)
        } else {
            (n.right as usize, n.left as usize)
        };
        let cover = n.cover.max(f64::MIN_POSITIVE);
        let hot_zero = self.tree.nodes[hot].cover / cover;
        let cold_zero = self.tree.nodes[cold].cover / cover;
        let mut incoming_zero = 1.0;
        let mut incoming_one = 1.0;
        let mut depth = depth;
        if let Some(k) = (1..=depth).find(|&k| own[k].feature == split) {
            incoming_zero = own[k].zero_fraction;
            incoming_one = own[k].one_fraction;
            unwind(own, depth, k);
            depth -= 1;
        }
        self.recurse(
            buf,
            start,
            hot,
            depth + 1,
            hot_zero * incoming_zero,
            incoming_one,
            split,
        );
        self.recurse(
            buf,
            start,
            cold,
            depth + 1,
            cold_zero * incoming_zero,
            0.0,
            split,
        );
    }
}

/// Adds `scale ×` the TreeSHAP values of `tree` at `row` to `phi` (one entry per feature).
pub fn tree_shap(tree: &Tree, row: &[f64], phi: &mut [f64], scale: f64) {
    if tree.nodes.len() > 1 {
        // Unique depth ≤ tree depth + 1; segments of lengths 1, 2, ... follow each other.
        let d = tree.depth() + 3;
        let mut buf = vec![EMPTY; d * (d + 1) / 2 + d];
        let mut walk = Walk {
            tree,
            row,
            phi,
            scale,
        };
        walk.recurse(&mut buf, 0, 0, 0, 1.0, 1.0, NO_FEATURE);
    }
}

/// The tree's expected output over its training cover: Σ leaf value × cover / root cover.
pub fn expected_value(tree: &Tree) -> f64 {
    let root = tree.nodes[0].cover;
    if root <= 0.0 {
        return tree.nodes[0].value;
    }
    tree.nodes
        .iter()
        .filter(|n| n.is_leaf())
        .map(|n| n.value * n.cover / root)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::trees::tree::Node;

    /// E[f(x) | x_S] by the path-dependent rule, for the brute-force check.
    fn conditional(tree: &Tree, row: &[f64], known: &[bool], node: usize) -> f64 {
        let n = &tree.nodes[node];
        if n.is_leaf() {
            return n.value;
        }
        let f = n.feature as usize;
        let (l, r) = (n.left as usize, n.right as usize);
        if known[f] {
            conditional(tree, row, known, if row[f] <= n.threshold { l } else { r })
        } else {
            (tree.nodes[l].cover * conditional(tree, row, known, l)
                + tree.nodes[r].cover * conditional(tree, row, known, r))
                / n.cover
        }
    }

    fn brute_force(tree: &Tree, row: &[f64], m: usize) -> Vec<f64> {
        let fact = |k: usize| (1..=k).product::<usize>() as f64;
        let mut phi = vec![0.0; m];
        for i in 0..m {
            for mask in 0..(1usize << m) {
                if mask & (1 << i) != 0 {
                    continue;
                }
                let s = mask.count_ones() as usize;
                let w = fact(s) * fact(m - s - 1) / fact(m);
                let mut known: Vec<bool> = (0..m).map(|j| mask & (1 << j) != 0).collect();
                let without = conditional(tree, row, &known, 0);
                known[i] = true;
                let with = conditional(tree, row, &known, 0);
                phi[i] += w * (with - without);
            }
        }
        phi
    }

    /// A tree that splits on feature 0 twice on one path (exercising unwind), on 1 and 2.
    fn tree() -> Tree {
        let split = |feature, threshold, left, right, cover| Node {
            feature,
            threshold,
            left,
            right,
            value: 0.0,
            cover,
        };
        let leaf = |value, cover| Node {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
            value,
            cover,
        };
        Tree {
            nodes: vec![
                split(0, 0.5, 1, 2, 100.0),
                split(1, 0.3, 3, 4, 60.0),
                split(2, 0.7, 5, 6, 40.0),
                split(0, 0.2, 7, 8, 25.0),
                leaf(1.5, 35.0),
                leaf(-0.5, 10.0),
                split(1, 0.9, 9, 10, 30.0),
                leaf(2.0, 5.0),
                leaf(-1.0, 20.0),
                leaf(0.25, 12.0),
                leaf(-2.0, 18.0),
            ],
        }
    }

    #[test]
    fn matches_brute_force_shapley_values() {
        let t = tree();
        for row in [
            [0.1, 0.1, 0.1],
            [0.4, 0.2, 0.9],
            [0.9, 0.95, 0.8],
            [0.9, 0.5, 0.1],
            [0.3, 0.8, 0.75],
        ] {
            let mut phi = vec![0.0; 3];
            tree_shap(&t, &row, &mut phi, 1.0);
            let expected = brute_force(&t, &row, 3);
            for j in 0..3 {
                assert!(
                    (phi[j] - expected[j]).abs() < 1e-12,
                    "{row:?}: {phi:?} vs {expected:?}"
                );
            }
            // Local accuracy: base value + Σφ = f(x).
            let total = expected_value(&t) + phi.iter().sum::<f64>();
            assert!((total - t.predict(&row)).abs() < 1e-12);
        }
    }
}
