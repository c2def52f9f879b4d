//! A fitted regression tree, stored flat: internal nodes send `x[feature] ≤ threshold` left.

use serde::{Deserialize, Serialize};

/// One node. Leaves have `left == right == 0` (the root is node 0, so no child is ever 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split feature (internal nodes).
    pub feature: u32,
    /// Rows with `x[feature] ≤ threshold` go left.
    pub threshold: f64,
    /// Left child index.
    pub left: u32,
    /// Right child index.
    pub right: u32,
    /// Leaf output (on the model's raw scale); for internal nodes, the output the node would
    /// have had as a leaf (informational).
    pub value: f64,
    /// Training weight (rows, or bootstrap counts) that reached the node: TreeSHAP's "cover".
    pub cover: f64,
}

impl Node {
    /// Whether the node is a leaf.
    #[inline]
    pub fn is_leaf(&self) -> bool {
        self.left == 0
    }
}

/// A regression tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Nodes; node 0 is the root.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The leaf output for one row.
    #[inline]
    pub fn predict(&self, row: &[f64]) -> f64 {
        let nodes = &self.nodes;
        let mut i = 0usize;
        loop {
            let n = &nodes[i];
            if n.is_leaf() {
                return n.value;
            }
            i = if row[n.feature as usize] <= n.threshold {
                n.left as usize
            } else {
                n.right as usize
            };
        }
    }

    /// Adds `scale ×` this tree's output to `out[i]` for every row of the row-major block `x`,
    /// through the [`Packed`] layout (packing costs one pass over the nodes, far less than
    /// walking the rows).
    pub fn add_predictions(&self, x: &[f64], n_features: usize, scale: f64, out: &mut [f64]) {
        self.packed().add_predictions(x, n_features, scale, out);
    }

    /// The tree laid out for fast batch prediction (see [`Packed`]).
    pub fn packed(&self) -> Packed {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if n.is_leaf() {
                    // A leaf points to itself whatever the row: the walk can run a fixed
                    // number of steps without asking where it is.
                    PackedNode {
                        threshold: f64::INFINITY,
                        feature: 0,
                        next: [i as u32, i as u32],
                    }
                } else {
                    PackedNode {
                        threshold: n.threshold,
                        feature: n.feature,
                        next: [n.left, n.right],
                    }
                }
            })
            .collect();
        Packed {
            nodes,
            values: self.nodes.iter().map(|n| n.value).collect(),
            depth: self.depth(),
        }
    }

    /// Depth of the deepest leaf (root alone = 0).
    pub fn depth(&self) -> usize {
        fn go(t: &Tree, i: usize) -> usize {
            let n = &t.nodes[i];
            if n.is_leaf() {
                0
            } else {
                1 + go(t, n.left as usize).max(go(t, n.right as usize))
            }
        }
        if self.nodes.is_empty() {
            0
        } else {
            go(self, 0)
        }
    }

    /// Number of leaves.
    pub fn leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_leaf()).count()
    }

    /// Structural checks for a tree loaded from an artefact: children in range and after their
    /// parent (so there are no cycles), finite values and thresholds, features in range.
    pub fn validate(&self, n_features: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("tree has no nodes".into());
        }
        for (i, n) in self.nodes.iter().enumerate() {
            if !(n.value.is_finite() && n.cover >= 0.0 && n.cover.is_finite()) {
                return Err(format!("node {i} has a non-finite value or cover"));
            }
            if n.is_leaf() {
                if n.right != 0 {
                    return Err(format!("node {i} has a right child but no left child"));
                }
                continue;
            }
            let (l, r) = (n.left as usize, n.right as usize);
            if l <= i || r <= i || l >= self.nodes.len() || r >= self.nodes.len() || l == r {
                return Err(format!(
                    "node {i} has children {l}, {r} out of order or range"
                ));
            }
            if n.feature as usize >= n_features || n.threshold.is_nan() {
                return Err(format!(
                    "node {i} splits on feature {} (of {n_features}) at {}",
                    n.feature, n.threshold
                ));
            }
        }
        Ok(())
    }
}

/// A node of a [`Packed`] tree: 24 bytes, children indexed by the comparison's outcome.
#[derive(Debug, Clone, Copy)]
pub struct PackedNode {
    threshold: f64,
    feature: u32,
    next: [u32; 2],
}

/// A tree for batch prediction: leaves loop to themselves, so every row takes at most `depth`
/// branch-free steps (`next[(x > threshold) as usize]`), and eight rows walk the tree together
/// so their independent loads overlap. Output values live apart from the walked nodes.
#[derive(Debug, Clone)]
pub struct Packed {
    nodes: Vec<PackedNode>,
    values: Vec<f64>,
    depth: usize,
}

impl Packed {
    /// Adds `scale ×` this tree's output to `out[i]` for every row of the row-major block `x`.
    pub fn add_predictions(&self, x: &[f64], n_features: usize, scale: f64, out: &mut [f64]) {
        const LANES: usize = 8;
        let nodes = &self.nodes[..];
        let rows = out.len();
        let full = rows / LANES * LANES;
        let mut start = 0;
        while start < full {
            let block = &x[start * n_features..(start + LANES) * n_features];
            let mut idx = [0usize; LANES];
            for _ in 0..self.depth {
                let mut moved = false;
                for (l, i) in idx.iter_mut().enumerate() {
                    let n = &nodes[*i];
                    let v = block[l * n_features + n.feature as usize];
                    let next = n.next[(v > n.threshold) as usize] as usize;
                    moved |= next != *i;
                    *i = next;
                }
                // Leaves loop to themselves: when no lane moved, all eight rows are at leaves
                // (leaf-wise trees are much deeper than their typical path).
                if !moved {
                    break;
                }
            }
            for (l, &i) in idx.iter().enumerate() {
                out[start + l] += scale * self.values[i];
            }
            start += LANES;
        }
        for r in full..rows {
            let row = &x[r * n_features..(r + 1) * n_features];
            let mut i = 0usize;
            for _ in 0..self.depth {
                let n = &nodes[i];
                i = n.next[(row[n.feature as usize] > n.threshold) as usize] as usize;
            }
            out[r] += scale * self.values[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump() -> Tree {
        let leaf = |value| Node {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
            value,
            cover: 1.0,
        };
        Tree {
            nodes: vec![
                Node {
                    feature: 1,
                    threshold: 0.5,
                    left: 1,
                    right: 2,
                    value: 0.0,
                    cover: 2.0,
                },
                leaf(-1.0),
                leaf(2.0),
            ],
        }
    }

    #[test]
    fn batch_prediction_matches_row_prediction() {
        let t = stump();
        let x: Vec<f64> = (0..21).flat_map(|i| [0.0, i as f64 / 20.0]).collect();
        let mut out = vec![1.0; 21];
        t.add_predictions(&x, 2, 0.5, &mut out);
        let mut packed = vec![1.0; 21];
        t.packed().add_predictions(&x, 2, 0.5, &mut packed);
        assert_eq!(packed, out);
        for i in 0..21 {
            let expected = 1.0 + 0.5 * t.predict(&x[2 * i..2 * i + 2]);
            assert_eq!(out[i], expected, "row {i}");
        }
        assert_eq!(out[0], 0.5);
        assert_eq!(out[20], 2.0);
        assert_eq!(t.depth(), 1);
        assert_eq!(t.leaves(), 2);
    }

    #[test]
    fn validation_refuses_cycles_and_bad_features() {
        let mut t = stump();
        assert!(t.validate(2).is_ok());
        assert!(t.validate(1).is_err());
        t.nodes[0].left = 0;
        t.nodes[0].right = 0;
        t.nodes[1].left = 0;
        assert!(t.validate(2).is_ok());
        let mut c = stump();
        c.nodes[1] = Node {
            left: 1,
            right: 2,
            ..c.nodes[0]
        };
        assert!(c.validate(2).is_err());
    }
}
