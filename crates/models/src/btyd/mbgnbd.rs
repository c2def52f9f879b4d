//! MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where the customer may also drop out
//! right after the first purchase, so P(alive) < 1 even for x = 0.

use super::beta_geometric::{self, Dropout};
use super::bgnbd::BgNbd;
use super::nbd::{ln_nb, ln_tail};
use super::{FirstPurchaseDropout, KindInfo, PurchaseModel, PurchaseProcess};
use crate::ModelError;
use crate::fit::{FitOptions, MleResult};
use crate::math::special::{
    Form, hyp2f1_scaled_complement, hyp2f1_scaled_in_place, ln_beta, log_add_exp,
};
use rand::Rng;
use retain_core::patterns::Patterns;
use serde::{Deserialize, Serialize};

/// MBG/NBD parameters; α in the model's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbgNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (time) of the purchase-rate gamma.
    pub alpha: f64,
    /// Dropout beta, first shape.
    pub a: f64,
    /// Dropout beta, second shape.
    pub b: f64,
}

impl MbgNbd {
    /// Parameter names in the literature's order.
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "a", "b"];

    const INFO: KindInfo = KindInfo {
        name: "mbgnbd",
        display_name: "MBG/NBD",
        aliases: &["mbg-nbd"],
        params: &Self::NAMES,
    };

    fn array(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }
}

impl PurchaseProcess for MbgNbd {
    fn kind_info() -> &'static KindInfo {
        &Self::INFO
    }

    fn info(&self) -> &'static KindInfo {
        &Self::INFO
    }

    fn from_values_unchecked(v: &[f64]) -> Self {
        MbgNbd {
            r: v[0],
            alpha: v[1],
            a: v[2],
            b: v[3],
        }
    }

    fn values(&self) -> Vec<f64> {
        self.array().to_vec()
    }

    fn fit(p: &Patterns, opts: &FitOptions) -> Result<(Self, MleResult), ModelError> {
        let (v, res) = beta_geometric::fit(p, opts, Dropout::AfterEveryPurchase)?;
        Ok((Self::from_values_unchecked(&v), res))
    }

    fn log_likelihood(&self, p: &Patterns) -> f64 {
        beta_geometric::log_likelihood(self.array(), p, Dropout::AfterEveryPurchase)
    }

    fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        let x = x as f64;
        let ln_odds = self.a.ln() - (self.b + x).ln()
            + (self.r + x) * ((self.alpha + t).ln() - (self.alpha + t_x).ln());
        1.0 / (1.0 + ln_odds.exp())
    }

    /// E = (a+b+x)/(a−1) · (1 − (1−z)^(r+x) 2F1(r+x, b+x+1; a+b+x; z)), z = h/(α+T+h), the
    /// horizons sharing the series' coefficients as with BG/NBD.
    fn expected_purchases_if_alive_at(
        &self,
        horizon_then_value: &mut [f64],
        x: u32,
        t: f64,
    ) -> Result<(), ModelError> {
        let (r, alpha, b, xf) = (self.r, self.alpha, self.b, x as f64);
        let a = crate::away_from_one(self.a);
        let c = a + b + xf;
        for v in horizon_then_value.iter_mut() {
            *v /= alpha + t + *v;
        }
        hyp2f1_scaled_in_place(
            r + xf,
            b + xf + 1.0,
            c,
            horizon_then_value,
            Form::Complement,
        )?;
        for v in horizon_then_value.iter_mut() {
            *v *= c / (a - 1.0);
        }
        Ok(())
    }

    fn p_purchase_if_alive(&self, horizon: f64, x: u32, t: f64) -> f64 {
        -((self.r + x as f64) * ((self.alpha + t).ln() - (self.alpha + t + horizon).ln())).exp_m1()
    }

    fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError> {
        let (r, alpha, b) = (self.r, self.alpha, self.b);
        let a = crate::away_from_one(self.a);
        let one_minus_g = hyp2f1_scaled_complement(r, b + 1.0, a + b, t / (alpha + t))?;
        crate::finite_nonneg("expected purchases", b / (a - 1.0) * one_minus_g)
    }

    /// `B(a, b+x+1)/B(a, b) nb(x; t) + B(a+1, b+x)/B(a, b) tail(x; t)`: BG/NBD's with one more
    /// dropout chance, at time 0.
    fn ln_pmf_unchecked(&self, t: f64, x: u32) -> Result<f64, ModelError> {
        let (a, b, xf) = (self.a, self.b, f64::from(x));
        let lb = ln_beta(a, b);
        let alive = ln_beta(a, b + xf + 1.0) - lb + ln_nb(self.r, self.alpha, t, x);
        let dropped = ln_beta(a + 1.0, b + xf) - lb + ln_tail(self.r, self.alpha, t, x)?;
        Ok(log_add_exp(alive, dropped))
    }

    fn simulate_customer(&self, rng: &mut dyn Rng, t: f64) -> Result<Vec<f64>, ModelError> {
        beta_geometric::simulate_customer(rng, self.array(), t, Dropout::AfterEveryPurchase)
    }

    fn with_dropout_reduced(&self, u: f64) -> Self {
        let (a, b) = beta_geometric::reduce_dropout(self.a, self.b, u);
        MbgNbd { a, b, ..*self }
    }

    fn dropout_definition(&self) -> &'static str {
        beta_geometric::DROPOUT_DEFINITION
    }

    /// Gamma(r + x, α + T) purchase rates and Beta(a, b + x + 1) dropout (the time-0 chance and
    /// the x purchases survived); from T on the customer may leave only after purchases, as a
    /// BG/NBD customer does.
    fn renewed(&self, x: u32, t: f64) -> PurchaseModel {
        let xf = f64::from(x);
        PurchaseModel::Bgnbd(BgNbd {
            r: self.r + xf,
            alpha: self.alpha + t,
            a: self.a,
            b: self.b + xf + 1.0,
        })
    }

    /// Not leaving at time 0 (b / (a + b)), then BG/NBD's survival with Beta(a, b + 1).
    fn ln_survival_new(&self, t: f64) -> Result<f64, ModelError> {
        let (a, b) = (self.a, self.b);
        let later =
            beta_geometric::ln_survival_after_purchases([self.r, self.alpha, a, b + 1.0], t)?;
        Ok(b.ln() - (a + b).ln() + later)
    }

    fn first_purchase_dropout(&self) -> FirstPurchaseDropout {
        FirstPurchaseDropout::Constant(self.b / (self.a + self.b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::beta_geometric::Ll;
    use crate::data::GroupedPatterns;

    /// The conditional expectation as computed before the batched series: the defining 2F1
    /// series in log form, one horizon at a time.
    fn expected_by_log_form(m: &MbgNbd, horizon: f64, x: u32, t: f64) -> Option<f64> {
        let (r, alpha, b, xf) = (m.r, m.alpha, m.b, x as f64);
        let a = crate::away_from_one(m.a);
        let c = a + b + xf;
        let z = horizon / (alpha + t + horizon);
        // The log form gives up beyond 2M terms (x = 1000 with z near 1); the new one does not.
        let Ok(f) = crate::math::special::hyp2f1(r + xf, b + xf + 1.0, c, z) else {
            return None;
        };
        let g =
            f.sign * ((r + xf) * ((alpha + t).ln() - (alpha + t + horizon).ln()) + f.log_abs).exp();
        Some(c / (a - 1.0) * (1.0 - g))
    }

    #[test]
    fn batched_expectations_equal_the_log_form_one_horizon_at_a_time() {
        for (r, alpha, a, b) in [
            (0.243, 4.414, 0.793, 2.426),
            (1.5, 30.0, 0.6, 3.0),
            (0.5, 10.0, 2.5, 8.0),
            (2.0, 5.0, 40.0, 0.4),
        ] {
            let m = MbgNbd { r, alpha, a, b };
            for x in [0, 1, 10, 100, 1000] {
                for t in [1.0, 38.86, 400.0] {
                    // 12 monthly steps, then horizons that take z near 0 and near 1.
                    let mut h: Vec<f64> = (1..=12).map(|i| i as f64 * 4.348).collect();
                    h.extend([0.0, 1e-6, 3000.0, 30_000.0]);
                    let mut got = h.clone();
                    m.expected_purchases_if_alive_at(&mut got, x, t).unwrap();
                    for (&h, &got) in h.iter().zip(&got) {
                        assert!(got.is_finite() && got >= 0.0, "{got}");
                        let Some(want) = expected_by_log_form(&m, h, x, t) else {
                            continue;
                        };
                        // E = c/(a−1)·(1 − g): the log form's g is off by a few ulps
                        // times r + x (from its exponent), which is more than 1e-9 of E at
                        // tiny horizons only (1e-6 here; see the mpmath test for those).
                        let c_a = (a + b + x as f64) / (a - 1.0);
                        let tol = 1e-9 * want.abs() + 1e-14 * (r + x as f64 + 1.0) * c_a.abs();
                        assert!(
                            (got - want).abs() <= tol,
                            "{m:?} x {x} T {t} h {h}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let p = Patterns::compress(
            &[0, 2, 7, 26, 1, 0],
            &[0.0, 30.43, 35.0, 30.86, 1.71, 0.0],
            &[38.86, 38.86, 38.86, 31.0, 32.0, 12.0],
        )
        .unwrap();
        let d = GroupedPatterns::new(&p);
        let ll = Ll {
            d: &d,
            dropout: Dropout::AfterEveryPurchase,
        };
        for th in [
            [-1.4, 1.48, -0.23, 0.89],
            [0.3, 0.1, 0.5, -0.5],
            [-0.6, 1.8, 0.0, 0.5],
        ] {
            crate::fit::assert_gradient(&ll, &th);
            crate::fit::assert_hessian(&ll, &th);
        }
    }
}
