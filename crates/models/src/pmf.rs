//! P(X(t) = x): the distribution of the number of repeat purchases a *new* customer makes in
//! their first `t` time units, for each purchase model. Summed over customers with their own
//! observation lengths it gives the model side of the repeat-purchase histogram (lifetimes'
//! `plot_period_transactions`).
//!
//! Every formula is evaluated in log space. With `nb(x; u) = Γ(r+x)/(Γ(r) x!) (α/(α+u))^r
//! (u/(α+u))^x` the negative binomial count of a customer alive for `u` units and
//! `tail(x; t) = P(NB(t) ≥ x) = I_{t/(α+t)}(x, r)` (regularised incomplete beta, no `1 − Σ`
//! cancellation):
//! - BG/NBD (Fader, Hardie & Lee 2005, eq. 8): `B(a, b+x)/B(a, b) nb(x; t)
//!   + [x > 0] B(a+1, b+x−1)/B(a, b) tail(x; t)`;
//! - MBG/NBD (Batislam, Denizel & Filiztekin 2007; the customer may also leave at time 0):
//!   `B(a, b+x+1)/B(a, b) nb(x; t) + B(a+1, b+x)/B(a, b) tail(x; t)`;
//! - Pareto/NBD (Fader & Hardie 2006, "Deriving an expression for P(X(t) = x) under the
//!   Pareto/NBD model"): `nb(x; t) (β/(β+t))^s + α^r β^s B(r+x, s+1)/B(r, s) [B1 − Σ_{j=0}^{x}
//!   Γ(r+s+j)/(Γ(r+s) j!) t^j B2_j]` with Gauss hypergeometric B1, B2_j. The bracket is a
//!   difference of positive terms; when it cancels to fewer than ~10 significant digits the
//!   same quantity, `∫_0^t nb(x; u) s β^s (β+u)^−(s+1) du` (death at u), is integrated directly.

use crate::ModelError;
use crate::bgnbd::BgNbd;
use crate::math::quadrature::gauss_legendre;
use crate::math::special::{hyp2f1, ln_beta, ln_gamma, log_add_exp};
use crate::mbgnbd::MbgNbd;
use crate::model::PurchaseModel;
use crate::paretonbd::ParetoNbd;
use statrs::function::beta::checked_beta_reg;

/// ln P(X(t) = x) for a new customer observed for `t` time units. Never NaN or +∞; −∞ only
/// where the probability is exactly 0 (t = 0 and x > 0).
pub fn ln_pmf(model: &PurchaseModel, t: f64, x: u32) -> Result<f64, ModelError> {
    if !(t.is_finite() && t >= 0.0) {
        return Err(ModelError::InvalidInput {
            field: "t",
            reason: format!("must be finite and >= 0, got {t}"),
        });
    }
    if t == 0.0 {
        return Ok(if x == 0 { 0.0 } else { f64::NEG_INFINITY });
    }
    let v = match model {
        PurchaseModel::Bgnbd(m) => bgnbd(m, t, x)?,
        PurchaseModel::Mbgnbd(m) => mbgnbd(m, t, x)?,
        PurchaseModel::ParetoNbd(m) => pareto_nbd(m, t, x)?,
    };
    if v.is_nan() || v == f64::INFINITY {
        return Err(ModelError::Numerical(format!(
            "ln P(X({t}) = {x}) is {v} for {model:?}"
        )));
    }
    // Rounding can push a probability of ~1 a hair above it.
    Ok(v.min(0.0))
}

/// P(X(t) = x) for a new customer observed for `t` time units, in [0, 1].
pub fn pmf(model: &PurchaseModel, t: f64, x: u32) -> Result<f64, ModelError> {
    Ok(ln_pmf(model, t, x)?.exp())
}

/// ln nb(x; u): Poisson(λu) counts mixed over λ ~ Gamma(r, α).
fn ln_nb(r: f64, alpha: f64, u: f64, x: u32) -> f64 {
    let xf = f64::from(x);
    let lq = if x == 0 {
        0.0
    } else {
        xf * (u / (alpha + u)).ln()
    };
    ln_gamma(r + xf) - ln_gamma(r) - ln_gamma(xf + 1.0) + r * (alpha / (alpha + u)).ln() + lq
}

/// ln P(NB(t) ≥ x) = ln I_{t/(α+t)}(x, r) for x ≥ 1 (0 for x = 0).
fn ln_tail(r: f64, alpha: f64, t: f64, x: u32) -> Result<f64, ModelError> {
    if x == 0 {
        return Ok(0.0);
    }
    let q = t / (alpha + t);
    checked_beta_reg(f64::from(x), r, q)
        .map(f64::ln)
        .map_err(|e| ModelError::Numerical(format!("I_{q}({x}, {r}): {e}")))
}

fn bgnbd(m: &BgNbd, t: f64, x: u32) -> Result<f64, ModelError> {
    let (a, b, xf) = (m.a, m.b, f64::from(x));
    let lb = ln_beta(a, b);
    let alive = ln_beta(a, b + xf) - lb + ln_nb(m.r, m.alpha, t, x);
    if x == 0 {
        return Ok(alive);
    }
    let dropped = ln_beta(a + 1.0, b + xf - 1.0) - lb + ln_tail(m.r, m.alpha, t, x)?;
    Ok(log_add_exp(alive, dropped))
}

fn mbgnbd(m: &MbgNbd, t: f64, x: u32) -> Result<f64, ModelError> {
    let (a, b, xf) = (m.a, m.b, f64::from(x));
    let lb = ln_beta(a, b);
    let alive = ln_beta(a, b + xf + 1.0) - lb + ln_nb(m.r, m.alpha, t, x);
    let dropped = ln_beta(a + 1.0, b + xf) - lb + ln_tail(m.r, m.alpha, t, x)?;
    Ok(log_add_exp(alive, dropped))
}

/// Relative size of the Pareto/NBD bracket below which the closed form has lost too many
/// digits to cancellation and the integral is used instead.
const CANCELLATION: f64 = 1e-6;

fn pareto_nbd(m: &ParetoNbd, t: f64, x: u32) -> Result<f64, ModelError> {
    let alive = ln_nb(m.r, m.alpha, t, x) + m.s * (m.beta / (m.beta + t)).ln();
    let dead = match pareto_dead_closed_form(m, t, x)? {
        Some(ln_dead) => ln_dead,
        None => pareto_dead_by_quadrature(m, t, x).ln(),
    };
    Ok(log_add_exp(alive, dead))
}

/// ln P(dead before t with x purchases) from the closed form, or None when its bracket has
/// cancelled below [`CANCELLATION`] of its first term.
fn pareto_dead_closed_form(m: &ParetoNbd, t: f64, x: u32) -> Result<Option<f64>, ModelError> {
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
fn pareto_dead_by_quadrature(m: &ParetoNbd, t: f64, x: u32) -> f64 {
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

#[cfg(test)]
mod tests;
