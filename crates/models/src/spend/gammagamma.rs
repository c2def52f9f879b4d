//! Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999):
//! each purchase's value is Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of
//! the purchase process. Fitted on repeat buyers (x > 0) from their mean repeat spend.

use super::SpendProcess;
use crate::ModelError;
use crate::data::{par_sum, pieces, stratified_sample};
use crate::fit::{FitOptions, LogLikelihood, MleResult, Subsample, maximise, warm_start};
use crate::math::special::{digamma, ln_gamma, trigamma};
use rand::Rng;
use rand_distr::{Distribution, Gamma};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Gamma-Gamma parameters; γ in money units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// Shape of a transaction's value.
    pub p: f64,
    /// Shape of the across-customer gamma.
    pub q: f64,
    /// Scale of the across-customer gamma.
    pub gamma: f64,
}

/// Repeat buyers' (x, mean spend) pairs grouped by x: the special functions depend on x only
/// (through p x), so they are evaluated once per distinct x and a row costs one logarithm.
struct Ll {
    /// Distinct x values, ascending.
    x: Vec<f64>,
    /// Row range of each distinct x.
    ranges: Vec<Range<usize>>,
    /// Mean spend per row.
    m: Vec<f64>,
    /// Weight per row.
    w: Vec<f64>,
    /// ln m per row.
    ln_m: Vec<f64>,
    /// ln m + ln x per row.
    ln_mx: Vec<f64>,
    /// Number of rows.
    rows: usize,
}

impl LogLikelihood for Ll {
    fn dim(&self) -> usize {
        3
    }
    fn customers(&self) -> f64 {
        self.w.iter().sum()
    }
    fn value_grad(&self, th: &[f64], grad: &mut [f64]) -> f64 {
        self.eval::<false>(th, grad, &mut [])
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn value_grad_hess(&self, th: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        self.eval::<true>(th, grad, hess)
    }
}

impl Ll {
    /// The log-likelihood with its gradient in θ = ln(p, q, γ), and with `HESS` the Hessian
    /// in θ. Per customer (natural parameters, ν = γ):
    /// ll = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln ν + (px−1) ln m + px ln x − (px+q) ln(ν+mx),
    /// H_pp = x² (ψ₁(px+q) − ψ₁(px)), H_pq = x ψ₁(px+q), H_pν = −x/(ν+mx),
    /// H_qq = ψ₁(px+q) − ψ₁(q), H_qν = 1/ν − 1/(ν+mx), H_νν = −q/ν² + (px+q)/(ν+mx)².
    fn eval<const HESS: bool>(&self, th: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        let (p, q, v) = (th[0].exp(), th[1].exp(), th[2].exp());
        let (lng_q, psi_q, ln_v) = (ln_gamma(q), digamma(q), v.ln());
        let tg_q = if HESS { trigamma(q) } else { 0.0 };
        let (total, sums) = par_sum::<9>(self.rows, |rows| {
            let (mut total, mut g) = (0.0, [0.0; 9]);
            for (k, range) in pieces(&self.ranges, rows) {
                let x = self.x[k];
                let px = p * x;
                // Σ w, Σ w ln m, Σ w (ln m + ln x), Σ w ln(ν+mx), Σ w/(ν+mx), Σ w/(ν+mx)².
                let mut s = [0.0; 6];
                for i in range {
                    let w = self.w[i];
                    let vm = v + self.m[i] * x;
                    let inv = 1.0 / vm;
                    s[0] += w;
                    s[1] += w * self.ln_m[i];
                    s[2] += w * self.ln_mx[i];
                    s[3] += w * vm.ln();
                    s[4] += w * inv;
                    if HESS {
                        s[5] += w * inv * inv;
                    }
                }
                let [sw, s_ln_m, s_ln_mx, s_ln_vxm, s_inv, s_inv2] = s;
                let psi_pxq = digamma(px + q);
                total += sw * (ln_gamma(px + q) - ln_gamma(px) - lng_q + q * ln_v) - s_ln_m
                    + px * s_ln_mx
                    - (px + q) * s_ln_vxm;
                g[0] += x * (sw * (psi_pxq - digamma(px)) + s_ln_mx - s_ln_vxm);
                g[1] += sw * (psi_pxq - psi_q + ln_v) - s_ln_vxm;
                g[2] += sw * q / v - (px + q) * s_inv;
                if HESS {
                    let tg_pxq = trigamma(px + q);
                    g[3] += x * x * sw * (tg_pxq - trigamma(px));
                    g[4] += x * sw * tg_pxq;
                    g[5] -= x * s_inv;
                    g[6] += sw * (tg_pxq - tg_q);
                    g[7] += sw / v - s_inv;
                    g[8] += -sw * q / (v * v) + (px + q) * s_inv2;
                }
            }
            (total, g)
        });
        let par = [p, q, v];
        for k in 0..3 {
            grad[k] = sums[k] * par[k];
        }
        if HESS {
            // In θ = ln p: ∂²/∂θi∂θj = p_i p_j H_ij + δ_ij p_i g_i.
            for (n, (i, j)) in [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
                .into_iter()
                .enumerate()
            {
                let value = par[i] * par[j] * sums[3 + n] + if i == j { grad[i] } else { 0.0 };
                hess[i * 3 + j] = value;
                hess[j * 3 + i] = value;
            }
        }
        total
    }
}

impl Subsample for Ll {
    fn rows(&self) -> usize {
        self.rows
    }
    /// A stratified sample by x ([`stratified_sample`]).
    fn subsample(&self, every: usize) -> Self {
        let sample = stratified_sample(&self.ranges, &self.w, every);
        let pick = |v: &[f64]| sample.rows.iter().map(|&i| v[i]).collect();
        Ll {
            x: self.x.clone(),
            ranges: sample.ranges,
            m: pick(&self.m),
            ln_m: pick(&self.ln_m),
            ln_mx: pick(&self.ln_mx),
            rows: sample.rows.len(),
            w: sample.weight,
        }
    }
}

fn repeat_buyers(x: &[u32], monetary: &[f64]) -> Result<Ll, ModelError> {
    if x.len() != monetary.len() {
        return Err(ModelError::InvalidInput {
            field: "monetary",
            reason: format!("{} values for {} customers", monetary.len(), x.len()),
        });
    }
    // Only repeat buyers with a positive mean spend carry information about spend; returns
    // that net a customer's repeat spend to ≤ 0 cannot come from a gamma and are left out.
    let mut rows: Vec<(u32, f64)> = x
        .iter()
        .zip(monetary)
        .filter(|&(&x, &m)| x > 0 && m.is_finite() && m > 0.0)
        .map(|(&x, &m)| (x, m))
        .collect();
    if rows.len() < 3 {
        return Err(ModelError::NotEnoughData(format!(
            "Gamma-Gamma needs repeat buyers with positive spend; found {}",
            rows.len()
        )));
    }
    radsort::sort_by_key(&mut rows, |&(x, _)| x);
    let mut ll = Ll {
        x: vec![],
        ranges: vec![],
        m: Vec::with_capacity(rows.len()),
        w: vec![1.0; rows.len()],
        ln_m: Vec::with_capacity(rows.len()),
        ln_mx: Vec::with_capacity(rows.len()),
        rows: rows.len(),
    };
    let mut ln_x = 0.0;
    for (i, &(x, m)) in rows.iter().enumerate() {
        if ll.x.last() != Some(&f64::from(x)) {
            ll.x.push(f64::from(x));
            ll.ranges.push(i..i);
            ln_x = f64::from(x).ln();
        }
        if let Some(r) = ll.ranges.last_mut() {
            r.end = i + 1;
        }
        let ln_m = m.ln();
        ll.m.push(m);
        ll.ln_m.push(ln_m);
        ll.ln_mx.push(ln_m + ln_x);
    }
    Ok(ll)
}

impl GammaGamma {
    /// Parameter names in the literature's order.
    pub const NAMES: [&'static str; 3] = ["p", "q", "gamma"];

    /// Parameters as a vector in [`Self::NAMES`] order.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.p, self.q, self.gamma]
    }

    /// Checks that every parameter is finite and positive and that the mean spend exists (q > 1).
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::check_positive(&Self::NAMES, &self.to_vec())?;
        if self.q <= 1.0 {
            return Err(ModelError::InvalidParam {
                name: "q",
                reason: format!("{} ≤ 1: the population mean spend is infinite", self.q),
            });
        }
        let outcomes = [(0, 1.0), (1, 10.0), (10, 100.0), (100, 1.0)]
            .map(|(x, m)| ("expected spend", Ok(self.expected_spend(x, m))));
        crate::check_predictions(&Self::NAMES, &self.to_vec(), outcomes)
    }

    /// Fits on customers' repeat purchase counts and mean repeat spend; customers with x = 0 or
    /// non-positive spend are skipped. Returns the number of customers used.
    pub fn fit(
        x: &[u32],
        monetary: &[f64],
        opts: &FitOptions,
    ) -> Result<(Self, MleResult, usize), ModelError> {
        let ll = repeat_buyers(x, monetary)?;
        let mean = ll.m.iter().sum::<f64>() / ll.m.len() as f64;
        let start = [1.0, 2.0, mean.max(1e-6)];
        let start = warm_start(&ll, &start, opts, maximise);
        let res = maximise(&ll, &start, opts)?;
        let m = GammaGamma {
            p: res.params[0],
            q: res.params[1],
            gamma: res.params[2],
        };
        Ok((m, res, ll.rows))
    }

    /// Total log-likelihood over the repeat buyers.
    pub fn log_likelihood(&self, x: &[u32], monetary: &[f64]) -> Result<f64, ModelError> {
        let ll = repeat_buyers(x, monetary)?;
        let th = [self.p.ln(), self.q.ln(), self.gamma.ln()];
        Ok(ll.value_grad(&th, &mut [0.0; 3]))
    }

    /// E[spend per transaction | x, mean spend]: a credibility-weighted mix of the population mean
    /// p γ / (q − 1) and the customer's own mean. For x = 0 (or no usable spend) it is the
    /// population mean.
    pub fn expected_spend(&self, x: u32, monetary: f64) -> f64 {
        if x == 0 || !(monetary.is_finite() && monetary > 0.0) {
            return self.p * self.gamma / (self.q - 1.0);
        }
        let x = x as f64;
        self.p * (self.gamma + x * monetary) / (self.p * x + self.q - 1.0)
    }
}

impl SpendProcess for GammaGamma {
    fn name(&self) -> &'static str {
        "gamma-gamma"
    }
    fn display_name(&self) -> &'static str {
        "Gamma-Gamma"
    }
    fn names(&self) -> &'static [&'static str] {
        &Self::NAMES
    }
    fn values(&self) -> Vec<f64> {
        self.to_vec()
    }
    fn validate(&self) -> Result<(), ModelError> {
        GammaGamma::validate(self)
    }
    fn expected_spend(&self, x: u32, monetary: f64) -> f64 {
        GammaGamma::expected_spend(self, x, monetary)
    }
    fn log_likelihood(&self, x: &[u32], monetary: &[f64]) -> Result<f64, ModelError> {
        GammaGamma::log_likelihood(self, x, monetary)
    }
    /// The customer's rate ν ~ Gamma(q, rate γ) first, then each amount ~ Gamma(p, rate ν).
    fn simulate_amounts(&self, rng: &mut dyn Rng, n: usize) -> Result<Vec<f64>, ModelError> {
        let invalid = |e: rand_distr::GammaError| ModelError::InvalidParam {
            name: "params",
            reason: e.to_string(),
        };
        let nu = Gamma::new(self.q, 1.0 / self.gamma)
            .map_err(invalid)?
            .sample(rng);
        let z = Gamma::new(self.p, 1.0 / nu).map_err(invalid)?;
        Ok((0..n).map(|_| z.sample(rng)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_and_hessian_match_finite_differences() {
        let ll = repeat_buyers(&[1, 2, 7, 26, 3], &[12.5, 30.0, 18.2, 41.9, 7.3]).unwrap();
        for th in [[1.8, 1.3, 2.6], [0.0, 0.7, 0.0], [-0.5, 2.0, 4.0]] {
            crate::fit::assert_gradient(&ll, &th);
            crate::fit::assert_hessian(&ll, &th);
        }
    }

    #[test]
    fn a_large_fit_from_the_subsample_start_finds_the_same_maximum() {
        use rand::{RngExt, SeedableRng};
        use rand_distr::Gamma;
        // 150k repeat buyers (above the warm-start threshold) from p 6.25, q 3.74, γ 15.44.
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
        let nu_dist = Gamma::new(3.74, 1.0 / 15.44).unwrap();
        let x: Vec<u32> = (0..150_000).map(|i| 1 + (i % 7) as u32).collect();
        let m: Vec<f64> = x
            .iter()
            .map(|&x| {
                let nu: f64 = rng.sample(nu_dist);
                let total: f64 = rng.sample(Gamma::new(6.25 * x as f64, 1.0 / nu).unwrap());
                total / x as f64
            })
            .collect();
        let opts = FitOptions::default();
        let (warm, res, n) = GammaGamma::fit(&x, &m, &opts).unwrap();
        assert_eq!(n, 150_000);
        let ll = repeat_buyers(&x, &m).unwrap();
        let mean = ll.m.iter().sum::<f64>() / ll.m.len() as f64;
        let cold = maximise(&ll, &[1.0, 2.0, mean], &opts).unwrap();
        for (w, c) in warm.to_vec().iter().zip(&cold.params) {
            approx::assert_relative_eq!(w, c, max_relative = 1e-6);
        }
        // Fewer passes over all rows than from the cold start.
        assert!(
            res.convergence.evaluations < cold.convergence.evaluations,
            "{:?} vs {:?}",
            res.convergence,
            cold.convergence
        );
        // And the truth within a few standard errors.
        for ((w, truth), se) in warm
            .to_vec()
            .iter()
            .zip([6.25, 3.74, 15.44])
            .zip(&res.std_errors)
        {
            let se = se.expect("identified");
            assert!((w - truth).abs() < 4.0 * se, "{w} vs {truth} (se {se})");
        }
    }
}
