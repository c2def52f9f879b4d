//! Seeded simulation of customers from known parameters: the ground truth for
//! parameter-recovery tests and for synthetic bases in benchmarks.

use super::PurchaseModel;
use crate::ModelError;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// One simulated customer: repeat purchase times in (0, T], measured from the first purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedCustomer {
    /// Observation length T.
    pub t: f64,
    /// Repeat purchase times, ascending, all ≤ T.
    pub purchases: Vec<f64>,
}

impl SimulatedCustomer {
    /// (x, t_x, T) of this customer.
    pub fn summary(&self) -> (u32, f64, f64) {
        (
            self.purchases.len() as u32,
            self.purchases.last().copied().unwrap_or(0.0),
            self.t,
        )
    }
}

/// A distribution that rejected its parameters, as a model error.
pub(crate) fn dist_err(e: impl std::fmt::Display) -> ModelError {
    ModelError::InvalidParam {
        name: "params",
        reason: e.to_string(),
    }
}

/// Simulates one customer per entry of `ages` (their T) from a purchase model, seeded: the
/// customers are drawn in order from one stream, each by the model's
/// [`PurchaseProcess::simulate_customer`](super::PurchaseProcess::simulate_customer).
pub fn simulate(
    model: &PurchaseModel,
    ages: &[f64],
    seed: u64,
) -> Result<Vec<SimulatedCustomer>, ModelError> {
    model.validate()?;
    let process = model.process();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    ages.iter()
        .map(|&t| {
            Ok(SimulatedCustomer {
                t,
                purchases: process.simulate_customer(&mut rng, t)?,
            })
        })
        .collect()
}
