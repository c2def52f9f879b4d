//! A boolean column (booleans or yes/no-like text): one 0/1 output, not standardised, so that its
//! coefficient reads as "yes versus no" like a one-hot output.

use serde::{Deserialize, Serialize};

/// Fitted transform of a boolean column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BooleanTransform {
    /// Value given to missing cells: the more frequent one in training (false on a tie).
    pub(crate) imputed: bool,
    /// Whether a `{col}__missing` output follows (the training column had gaps).
    pub(crate) missing_indicator: bool,
}

impl BooleanTransform {
    /// Fits on the training values.
    pub(crate) fn fit(values: &[Option<bool>]) -> Self {
        let yes = values.iter().filter(|v| **v == Some(true)).count();
        let no = values.iter().filter(|v| **v == Some(false)).count();
        BooleanTransform {
            imputed: yes > no,
            missing_indicator: yes + no < values.len(),
        }
    }

    /// Number of outputs.
    pub(crate) fn width(&self) -> usize {
        1 + usize::from(self.missing_indicator)
    }

    /// Writes the outputs of one value into `out` (of length [`Self::width`]).
    pub(crate) fn encode(&self, value: Option<bool>, out: &mut [f64]) {
        out[0] = f64::from(u8::from(value.unwrap_or(self.imputed)));
        if self.missing_indicator {
            out[1] = f64::from(u8::from(value.is_none()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imputes_the_majority_and_flags_gaps() {
        let t = BooleanTransform::fit(&[Some(true), Some(true), Some(false), None]);
        assert!(t.imputed);
        assert!(t.missing_indicator);
        let mut out = [9.0; 2];
        t.encode(None, &mut out);
        assert_eq!(out, [1.0, 1.0]);
        t.encode(Some(false), &mut out);
        assert_eq!(out, [0.0, 0.0]);
        let t = BooleanTransform::fit(&[Some(true), Some(false)]);
        assert!(!t.imputed, "a tie imputes false");
        assert_eq!(t.width(), 1);
    }
}
