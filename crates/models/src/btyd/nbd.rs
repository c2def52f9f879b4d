//! The gamma-mixed Poisson (NBD) counts of a customer alive for a while: every model here buys
//! at rate λ ~ Gamma(r, α) while alive, so each one's P(X(t) = x) is built from these.

use crate::ModelError;
use crate::math::special::ln_gamma;
use statrs::function::beta::checked_beta_reg;

/// ln nb(x; u) = ln [Γ(r+x)/(Γ(r) x!) (α/(α+u))^r (u/(α+u))^x]: Poisson(λu) counts mixed over
/// λ ~ Gamma(r, α).
pub(crate) fn ln_nb(r: f64, alpha: f64, u: f64, x: u32) -> f64 {
    let xf = f64::from(x);
    let lq = if x == 0 {
        0.0
    } else {
        xf * (u / (alpha + u)).ln()
    };
    ln_gamma(r + xf) - ln_gamma(r) - ln_gamma(xf + 1.0) + r * (alpha / (alpha + u)).ln() + lq
}

/// ln P(NB(t) ≥ x) = ln I_{t/(α+t)}(x, r) for x ≥ 1 (0 for x = 0): the regularised incomplete
/// beta, with no `1 − Σ` cancellation.
pub(crate) fn ln_tail(r: f64, alpha: f64, t: f64, x: u32) -> Result<f64, ModelError> {
    if x == 0 {
        return Ok(0.0);
    }
    let q = t / (alpha + t);
    checked_beta_reg(f64::from(x), r, q)
        .map(f64::ln)
        .map_err(|e| ModelError::Numerical(format!("I_{q}({x}, {r}): {e}")))
}
