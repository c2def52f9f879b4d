//! The output of a transform: a dense row-major feature matrix plus what scoring should know.

use serde::{Deserialize, Serialize};

/// Features of `n_rows` rows, row-major, in [`FeaturePipeline::feature_names`](super::FeaturePipeline::feature_names) order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transformed {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of features per row.
    pub n_features: usize,
    /// `n_rows * n_features` values, row after row.
    pub data: Vec<f64>,
    /// Categorical levels not seen in training: (column, level, number of rows), by column in
    /// pipeline order, then most frequent first. Their one-hot outputs are all 0.
    pub unknown: Vec<(String, String, usize)>,
}

impl Transformed {
    /// The features of row `i` (0-based), if it exists.
    pub fn row(&self, i: usize) -> Option<&[f64]> {
        let start = i.checked_mul(self.n_features)?;
        self.data.get(start..start.checked_add(self.n_features)?)
    }

    /// The rows in order.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        // `max(1)`: chunks of 0 panic; with no features there is no data to split anyway.
        self.data.chunks_exact(self.n_features.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_slice_the_row_major_data() {
        let t = Transformed {
            n_rows: 2,
            n_features: 2,
            data: vec![1.0, 2.0, 3.0, 4.0],
            unknown: vec![],
        };
        assert_eq!(t.row(1), Some(&[3.0, 4.0][..]));
        assert_eq!(t.row(2), None);
        assert_eq!(t.rows().count(), 2);
    }
}
