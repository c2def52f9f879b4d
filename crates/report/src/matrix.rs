//! Model predictions over a frequency × recency grid for a customer of a given age (lifetimes'
//! `plot_probability_alive_matrix` and `plot_frequency_recency_matrix`): which purchase
//! histories the model reads as alive, and how much it expects from them next period.

use crate::ReportError;
use retain_models::btyd::PurchaseModel;

/// Values of a frequency × recency grid.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyRecency {
    /// Age T of every cell's customer, in the model's unit.
    pub age: f64,
    /// Frequencies (repeat purchases), one per row: 0, 1, …
    pub frequency: Vec<u32>,
    /// Recencies t_x (time of the last purchase since the first), one per column.
    pub recency: Vec<f64>,
    /// `values[row][column]`; None where the history is impossible (no repeat purchase but a
    /// recency above 0, or repeat purchases at recency 0).
    pub values: Vec<Vec<Option<f64>>>,
}

/// The grid for frequencies 0..=`max_frequency` and recencies 0, 1, …, ⌊age⌋ (and `age`).
fn grid(
    max_frequency: u32,
    age: f64,
    cell: impl Fn(u32, f64) -> Result<f64, ReportError>,
) -> Result<FrequencyRecency, ReportError> {
    if !(age.is_finite() && age > 0.0) {
        return Err(ReportError::Data(format!(
            "the customers' age must be > 0, got {age}"
        )));
    }
    let mut recency: Vec<f64> = (0..=age.floor() as u32).map(f64::from).collect();
    if age.fract() > 1e-9 {
        recency.push(age);
    }
    let frequency: Vec<u32> = (0..=max_frequency).collect();
    let values = frequency
        .iter()
        .map(|&x| {
            recency
                .iter()
                .map(|&t_x| {
                    if (x == 0) != (t_x == 0.0) {
                        Ok(None)
                    } else {
                        cell(x, t_x).map(Some)
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FrequencyRecency {
        age,
        frequency,
        recency,
        values,
    })
}

/// P(alive) of a customer of age `age` with each frequency and recency.
pub fn p_alive_matrix(
    model: &PurchaseModel,
    max_frequency: u32,
    age: f64,
) -> Result<FrequencyRecency, ReportError> {
    grid(max_frequency, age, |x, t_x| Ok(model.p_alive(x, t_x, age)))
}

/// Expected purchases in the next `horizon` units of a customer of age `age` with each
/// frequency and recency.
pub fn expected_purchases_matrix(
    model: &PurchaseModel,
    max_frequency: u32,
    age: f64,
    horizon: f64,
) -> Result<FrequencyRecency, ReportError> {
    grid(max_frequency, age, |x, t_x| {
        Ok(model.expected_purchases(horizon, x, t_x, age)?)
    })
}
