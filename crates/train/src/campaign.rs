//! Choosing whom a retention campaign contacts: each contacted customer costs `cost`, and is
//! kept with probability `success_rate`, which saves their value at risk. The expected net
//! value of contacting customer i is `value_at_risk_i × success_rate − cost`; with one cost per
//! contact, the budget-constrained optimum is the customers with the largest value at risk, as
//! many as the budget pays for, stopping where the net value is no longer positive.

use crate::TrainError;
use serde::Serialize;

/// Campaign economics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CampaignSpec {
    /// Total spend allowed.
    pub budget: f64,
    /// Cost of one contact.
    pub cost_per_contact: f64,
    /// Probability that a contacted at-risk customer is kept.
    pub success_rate: f64,
}

/// The chosen customers (indices into the input, best first) and what they add up to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignPlan {
    /// Input row of each target, in decreasing value at risk.
    #[serde(skip)]
    pub targets: Vec<usize>,
    /// Customers contacted.
    pub contacted: usize,
    /// Σ value at risk × success rate over the targets.
    pub expected_retained_value: f64,
    /// Contacts × cost.
    pub cost: f64,
    /// (retained value − cost) / cost.
    pub roi: f64,
    /// Value at risk of the last customer chosen (the marginal one).
    pub marginal_value_at_risk: Option<f64>,
    /// Why the list stops where it does: "budget", "break-even" or "all customers".
    pub stopped_by: &'static str,
}

impl CampaignSpec {
    /// Checks the numbers.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |what: &str, v: f64| {
            Err(TrainError::Invalid(format!(
                "{what} must be a finite number > 0, got {v}"
            )))
        };
        if !(self.budget.is_finite() && self.budget > 0.0) {
            return bad("--budget", self.budget);
        }
        if !(self.cost_per_contact.is_finite() && self.cost_per_contact > 0.0) {
            return bad("--cost-per-contact", self.cost_per_contact);
        }
        if !(self.success_rate > 0.0 && self.success_rate <= 1.0) {
            return Err(TrainError::Invalid(format!(
                "--success-rate must be in (0, 1], got {}",
                self.success_rate
            )));
        }
        Ok(())
    }

    /// The plan for customers with these values at risk (non-finite values are refused).
    pub fn plan(&self, value_at_risk: &[f64]) -> Result<CampaignPlan, TrainError> {
        self.validate()?;
        if let Some(i) = value_at_risk.iter().position(|v| !v.is_finite()) {
            return Err(TrainError::Invalid(format!(
                "row {}: value at risk {} is not a finite number",
                i + 1,
                value_at_risk[i]
            )));
        }
        let mut order: Vec<usize> = (0..value_at_risk.len()).collect();
        order.sort_by(|&a, &b| {
            value_at_risk[b]
                .total_cmp(&value_at_risk[a])
                .then(a.cmp(&b))
        });
        // Contacts the budget pays for (a tiny tolerance so 100 / 1 is 100, not 99).
        let affordable = ((self.budget / self.cost_per_contact) * (1.0 + 1e-12)).floor() as usize;
        let mut targets = Vec::new();
        let mut stopped_by = "all customers";
        for &i in &order {
            if targets.len() >= affordable {
                stopped_by = "budget";
                break;
            }
            if value_at_risk[i] * self.success_rate <= self.cost_per_contact {
                stopped_by = "break-even";
                break;
            }
            targets.push(i);
        }
        let retained: f64 = targets
            .iter()
            .map(|&i| value_at_risk[i] * self.success_rate)
            .sum();
        let cost = targets.len() as f64 * self.cost_per_contact;
        Ok(CampaignPlan {
            contacted: targets.len(),
            expected_retained_value: retained,
            cost,
            roi: if cost > 0.0 {
                (retained - cost) / cost
            } else {
                0.0
            },
            marginal_value_at_risk: targets.last().map(|&i| value_at_risk[i]),
            stopped_by,
            targets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(budget: f64) -> CampaignSpec {
        CampaignSpec {
            budget,
            cost_per_contact: 10.0,
            success_rate: 0.2,
        }
    }

    #[test]
    fn the_budget_buys_the_largest_values_at_risk() {
        let v = [100.0, 500.0, 30.0, 300.0, 200.0];
        let p = spec(30.0).plan(&v).unwrap();
        assert_eq!(p.targets, [1, 3, 4]);
        assert_eq!(p.stopped_by, "budget");
        assert!((p.expected_retained_value - 0.2 * 1000.0).abs() < 1e-9);
        assert!((p.cost - 30.0).abs() < 1e-12);
        assert!((p.roi - (200.0 - 30.0) / 30.0).abs() < 1e-12);
        assert_eq!(p.marginal_value_at_risk, Some(200.0));
    }

    #[test]
    fn nobody_is_contacted_at_a_loss() {
        // 0.2 × 30 = 6 < 10 and 0.2 × 50 = 10 (break-even) are not worth a contact.
        let v = [30.0, 500.0, 50.0, 60.0];
        let p = spec(1e6).plan(&v).unwrap();
        assert_eq!(p.targets, [1, 3]);
        assert_eq!(p.stopped_by, "break-even");
        // Exhaustive check: no other subset within budget does better.
        let net = |set: &[usize]| set.iter().map(|&i| v[i] * 0.2 - 10.0).sum::<f64>();
        for mask in 0..16u32 {
            let set: Vec<usize> = (0..4).filter(|i| mask >> i & 1 == 1).collect();
            assert!(net(&set) <= net(&p.targets) + 1e-12);
        }
    }

    #[test]
    fn bad_numbers_are_errors() {
        assert!(spec(0.0).plan(&[1.0]).is_err());
        let mut s = spec(10.0);
        s.success_rate = 1.5;
        assert!(s.plan(&[1.0]).is_err());
        assert!(spec(10.0).plan(&[1.0, f64::NAN]).is_err());
    }
}
