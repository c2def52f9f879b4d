//! Seeded simulation of customers from known parameters: the ground truth for
//! parameter-recovery tests and for synthetic bases in benchmarks.

use crate::ModelError;
use crate::model::PurchaseModel;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};

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

fn dist_err(e: impl std::fmt::Display) -> ModelError {
    ModelError::InvalidParam {
        name: "params",
        reason: e.to_string(),
    }
}

/// Simulates one customer per entry of `ages` (their T) from a purchase model, seeded.
pub fn simulate(
    model: &PurchaseModel,
    ages: &[f64],
    seed: u64,
) -> Result<Vec<SimulatedCustomer>, ModelError> {
    model.validate()?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Vec::with_capacity(ages.len());
    for &t in ages {
        let mut purchases = Vec::new();
        match model {
            PurchaseModel::Bgnbd(m) => {
                let lambda = Gamma::new(m.r, 1.0 / m.alpha)
                    .map_err(dist_err)?
                    .sample(&mut rng);
                let p = Beta::new(m.a, m.b).map_err(dist_err)?.sample(&mut rng);
                geometric_dropout(&mut rng, lambda, p, t, false, &mut purchases)?;
            }
            PurchaseModel::Mbgnbd(m) => {
                let lambda = Gamma::new(m.r, 1.0 / m.alpha)
                    .map_err(dist_err)?
                    .sample(&mut rng);
                let p = Beta::new(m.a, m.b).map_err(dist_err)?.sample(&mut rng);
                geometric_dropout(&mut rng, lambda, p, t, true, &mut purchases)?;
            }
            PurchaseModel::ParetoNbd(m) => {
                let lambda = Gamma::new(m.r, 1.0 / m.alpha)
                    .map_err(dist_err)?
                    .sample(&mut rng);
                let mu = Gamma::new(m.s, 1.0 / m.beta)
                    .map_err(dist_err)?
                    .sample(&mut rng);
                let death = if mu > 0.0 {
                    Exp::new(mu).map_err(dist_err)?.sample(&mut rng)
                } else {
                    f64::INFINITY
                };
                let end = death.min(t);
                if lambda > 0.0 {
                    let gap = Exp::new(lambda).map_err(dist_err)?;
                    let mut now = gap.sample(&mut rng);
                    while now <= end {
                        purchases.push(now);
                        now += gap.sample(&mut rng);
                    }
                }
            }
        }
        out.push(SimulatedCustomer { t, purchases });
    }
    Ok(out)
}

/// Poisson purchases at rate λ; after each repeat purchase (and, for MBG/NBD, also at time 0)
/// the customer leaves with probability p.
fn geometric_dropout(
    rng: &mut Xoshiro256PlusPlus,
    lambda: f64,
    p: f64,
    t: f64,
    drop_at_start: bool,
    purchases: &mut Vec<f64>,
) -> Result<(), ModelError> {
    if drop_at_start && rng.random::<f64>() < p {
        return Ok(());
    }
    if lambda <= 0.0 {
        return Ok(());
    }
    let gap = Exp::new(lambda).map_err(dist_err)?;
    let mut now = gap.sample(rng);
    while now <= t {
        purchases.push(now);
        if rng.random::<f64>() < p {
            break;
        }
        now += gap.sample(rng);
    }
    Ok(())
}
