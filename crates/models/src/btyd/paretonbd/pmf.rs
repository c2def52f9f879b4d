//! P(X(t) = x) under Pareto/NBD (Fader & Hardie 2006, "Deriving an expression for P(X(t) = x)
//! under the Pareto/NBD model"): `nb(x; t) (β/(β+t))^s + α^r β^s B(r+x, s+1)/B(r, s) [B1 −
//! Σ_{j=0}^{x} Γ(r+s+j)/(Γ(r+s) j!) t^j B2_j]` with Gauss hypergeometric B1, B2_j. The bracket
//! is a difference of positive terms; when it cancels to fewer than ~10 significant digits the
//! same quantity, `∫_0^t nb(x; u) s β^s (β+u)^−(s+1) du` (death at u), is integrated directly.

use super::ParetoNbd;
use crate::ModelError;
use crate::btyd::nbd::ln_nb;
use crate::math::quadrature::gauss_legendre;
use crate::math::special::{hyp2f1, ln_beta, ln_gamma, log_add_exp};

/// Relative size of the Pareto/NBD bracket below which the closed form has lost too many
/// digits to cancellation and the integral is used instead.
const CANCELLATION: f64 = 1e-6;

/// ln P(X(t) = x) for t > 0: alive at t with x purchases, or dead before t with x.
pub(super) fn ln_pmf(m: &ParetoNbd, t: f64, x: u32) -> Result<f64, ModelError> {
    let alive = ln_nb(m.r, m.alpha, t, x) + m.s * (m.beta / (m.beta + t)).ln();
    let dead = match pareto_dead_closed_form(m, t, x)? {
        Some(ln_dead) => ln_dead,
        None => pareto_dead_by_quadrature(m, t, x).ln(),
    };
    Ok(log_add_exp(alive, dead))
}

/// ln P(dead before t with x purchases) from the closed form, or None when its bracket has
/// cancelled below [`CANCELLATION`] of its first term.
pub(super) fn pareto_dead_closed_form(
    m: &ParetoNbd,
    t: f64,
    x: u32,
) -> Result<Option<f64>, ModelError> {
    let (r, alpha, s, beta) = (m.r, m.alpha, m.s, m.beta);
    let xf = f64::from(x);
    let scale = r * alpha.ln() + s * beta.ln() + ln_beta(r + xf, s + 1.0) - ln_beta(r, s);
    let (rs, c) = (r + s, r + s + xf + 1.0);
    // ln of 2F1(A + j, g; c; z) / M^(A + j), with M = max(α, β) + τ and z = |α − β| / M.
    let term = |tau: f64, j: f64| -> Result<f64, ModelError> {
        let (big, g) = if alpha >= beta {
            (alpha + tau, s + 1.0)
        } else {
            (beta + tau, r + xf)
        };
        let z = (alpha - beta).abs() / big;
        Ok(hyp2f1(rs + j, g, c, z)?.log_abs - (rs + j) * big.ln())
    };
    let ln_b1 = term(0.0, 0.0)?;
    let mut ln_sum = f64::NEG_INFINITY;
    for j in 0..=x {
        let jf = f64::from(j);
        let coef = ln_gamma(rs + jf) - ln_gamma(rs) - ln_gamma(jf + 1.0) + jf * t.ln();
        ln_sum = log_add_exp(ln_sum, coef + term(t, jf)?);
    }
    let d = ln_sum - ln_b1;
    if d.exp() >= 1.0 - CANCELLATION {
        return Ok(None);
    }
    Ok(Some(scale + ln_b1 + (-d.exp_m1()).ln()))
}

/// P(dead before t with x purchases) = ∫_0^t nb(x; u) s β^s (β+u)^−(s+1) du, on 16 panels of
/// 48-point Gauss–Legendre (the integrand is smooth and bounded).
pub(super) fn pareto_dead_by_quadrature(m: &ParetoNbd, t: f64, x: u32) -> f64 {
    let (r, alpha, s, beta) = (m.r, m.alpha, m.s, m.beta);
    let f = |u: f64| {
        (ln_nb(r, alpha, u, x) + s.ln() + s * beta.ln() - (s + 1.0) * (beta + u).ln()).exp()
    };
    let panels = 16;
    let h = t / panels as f64;
    (0..panels)
        .map(|k| gauss_legendre(k as f64 * h, (k + 1) as f64 * h, f))
        .sum()
}
