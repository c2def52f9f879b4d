//! Global drivers of a churn classifier: the mean absolute contribution of each input column
//! to the log-odds of churn over the scored customers (per-customer contributions are exact
//! for logistic regression and TreeSHAP for trees, one-hot levels summed into their column).

/// An input column and its mean absolute contribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// Input column.
    pub column: String,
    /// Mean |contribution to the log-odds| over all customers.
    pub mean_abs: f64,
}

/// Mean |contribution| per column from each customer's (column, contribution) list, largest
/// first. A column missing from a customer's list counts as 0 for that customer.
pub fn global_drivers(per_customer: &[Vec<(String, f64)>]) -> Vec<Driver> {
    let mut sums: Vec<(String, f64)> = Vec::new();
    for row in per_customer {
        for (column, c) in row {
            match sums.iter_mut().find(|(name, _)| name == column) {
                Some((_, s)) => *s += c.abs(),
                None => sums.push((column.clone(), c.abs())),
            }
        }
    }
    let n = per_customer.len().max(1) as f64;
    let mut out: Vec<Driver> = sums
        .into_iter()
        .map(|(column, s)| Driver {
            column,
            mean_abs: s / n,
        })
        .collect();
    out.sort_by(|a, b| b.mean_abs.total_cmp(&a.mean_abs));
    out
}
