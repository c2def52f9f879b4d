//! Special functions: thin wrappers over statrs plus the Gauss hypergeometric function.
//!
//! No pure-Rust crate provides 2F1 (statrs and `special` do not; the Cephes-based crates replace
//! libm symbols for the whole binary), so [`hyp2f1`] is ours: the defining power series summed
//! with a running rescale, which is exact for the arguments the BTYD models produce (z in [0, 1)).

use crate::ModelError;

pub use statrs::function::gamma::{digamma, ln_gamma};

/// The trigamma function ψ₁(x) = d²/dx² ln Γ(x) for x > 0 (statrs has no trigamma): the
/// recurrence ψ₁(x) = ψ₁(x + 1) + 1/x² up to x ≥ 10, then the asymptotic series
/// 1/x + 1/(2x²) + Σ B₂ₖ / x^(2k+1), whose first omitted term is below 1e-16 of the result
/// there. Used for the exact Hessians of the likelihoods (Newton steps, standard errors).
pub fn trigamma(x: f64) -> f64 {
    if x == f64::INFINITY {
        return 0.0;
    }
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let u = inv * inv;
    // B₂/1, B₄/1, … : 1/6, −1/30, 1/42, −1/30, 5/66, −691/2730, 7/6.
    let series = 1.0 / 6.0
        + u * (-1.0 / 30.0
            + u * (1.0 / 42.0
                + u * (-1.0 / 30.0 + u * (5.0 / 66.0 + u * (-691.0 / 2730.0 + u * (7.0 / 6.0))))));
    acc + inv + 0.5 * u + inv * u * series
}

/// ln B(a, b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// log(exp(a) + exp(b)) without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// log(e^a + e^b) together with the weights (e^a, e^b) / (e^a + e^b), with one exponential and
/// one [`ln_1p_unit`].
pub fn lse_weights(a: f64, b: f64) -> (f64, f64, f64) {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return (m, 0.5, 0.5);
    }
    let e = (-(a - b).abs()).exp();
    let big = 1.0 / (1.0 + e);
    let small = e * big;
    let lse = m + ln_1p_unit(e);
    if a >= b {
        (lse, big, small)
    } else {
        (lse, small, big)
    }
}

/// ln(1 + e) for 0 ≤ e ≤ 1 (NaN propagates), to within a few ulps: the per-row log of the
/// likelihoods' log-sum-exp, where libm's general `ln_1p` was the largest single cost of a fit.
///
/// ln(1 + e) = 2 atanh(s) with s = e / (2 + e), or ln 2 + 2 atanh(s) with s = (e − 1)/(e + 3)
/// above e = √2 − 1, so |s| ≤ 3 − 2√2 ≈ 0.1716 and the odd series of atanh needs ten terms
/// (the first one left out is below 1e-18 of the result). Inlined and branch-free, so the
/// row loops stay tight.
#[inline]
pub fn ln_1p_unit(e: f64) -> f64 {
    let (num, den, base) = if e > std::f64::consts::SQRT_2 - 1.0 {
        (e - 1.0, e + 3.0, std::f64::consts::LN_2)
    } else {
        (e, e + 2.0, 0.0)
    };
    base + atanh_series(num / den)
}

/// 2 atanh(s) for |s| ≤ 3 − 2√2, from the first ten terms of its odd series.
#[inline]
fn atanh_series(s: f64) -> f64 {
    const C: [f64; 10] = [
        1.0 / 3.0,
        1.0 / 5.0,
        1.0 / 7.0,
        1.0 / 9.0,
        1.0 / 11.0,
        1.0 / 13.0,
        1.0 / 15.0,
        1.0 / 17.0,
        1.0 / 19.0,
        1.0 / 21.0,
    ];
    // Σ C_k u^k by Estrin's scheme: a short dependency chain, as the rows' calls overlap.
    let u = s * s;
    let u2 = u * u;
    let u4 = u2 * u2;
    let p01 = C[0] + C[1] * u;
    let p23 = C[2] + C[3] * u;
    let p45 = C[4] + C[5] * u;
    let p67 = C[6] + C[7] * u;
    let p89 = C[8] + C[9] * u;
    let poly = (p01 + p23 * u2) + (p45 + p67 * u2) * u4 + p89 * (u4 * u4);
    (s + s) * (1.0 + u * poly)
}

/// The logistic weights (e^a, e^b) / (e^a + e^b), computed stably.
pub fn softmax2(a: f64, b: f64) -> (f64, f64) {
    let m = a.max(b);
    let (ea, eb) = ((a - m).exp(), (b - m).exp());
    let s = ea + eb;
    (ea / s, eb / s)
}

/// Upper bound on series terms; reached only for z within ~1e-5 of 1.
const MAX_TERMS: usize = 2_000_000;

/// A value held as `sign × exp(log_abs)`, so that huge and tiny values survive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signed {
    /// ln |value|.
    pub log_abs: f64,
    /// -1, 0 or 1.
    pub sign: f64,
}

impl Signed {
    /// The plain value (may over- or underflow).
    pub fn value(self) -> f64 {
        self.sign * self.log_abs.exp()
    }
}

/// Gauss hypergeometric 2F1(a, b; c; z) for real a, b, c (c not a non-positive integer) and
/// 0 ≤ z < 1, as sign and log-magnitude.
///
/// The series is summed term by term with the ratio (a+k)(b+k)/((c+k)(k+1)) z and rescaled when
/// it grows past 1e250, so results up to exp(700) and beyond stay representable in log form.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<Signed, ModelError> {
    let bad = |why: &str| ModelError::Numerical(format!("2F1({a}, {b}; {c}; {z}): {why}"));
    if !(0.0..1.0).contains(&z) || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return Err(bad("needs finite parameters and 0 <= z < 1"));
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(bad("c is a non-positive integer"));
    }
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    let mut log_scale = 0.0f64;
    // The ratio of term k+1 to term k; each is computed once and serves both the update and
    // the stopping test (this series is the hot loop of BG/NBD CLV sums).
    let ratio_at = |kf: f64| (a + kf) * (b + kf) / ((c + kf) * (kf + 1.0)) * z;
    let mut ratio = ratio_at(0.0);
    for k in 0..MAX_TERMS {
        term *= ratio;
        sum += term;
        if term == 0.0 {
            break;
        }
        // Past the turning point of the terms (|ratio| < 1) a negligible term ends the sum.
        ratio = ratio_at((k + 1) as f64);
        if ratio.abs() < 1.0 && term.abs() <= 1e-17 * sum.abs() {
            break;
        }
        if sum.abs() > 1e250 {
            sum *= 1e-250;
            term *= 1e-250;
            log_scale += 250.0 * std::f64::consts::LN_10;
        }
        if k + 1 == MAX_TERMS {
            return Err(bad("series did not converge"));
        }
    }
    if !sum.is_finite() {
        return Err(bad("series overflowed"));
    }
    Ok(Signed {
        log_abs: log_scale + sum.abs().ln(),
        sign: sum.signum() * if sum == 0.0 { 0.0 } else { 1.0 },
    })
}

/// Most z values [`hyp2f1_scaled_in_place`] sums in lock step; longer inputs go in chunks.
const LANES: usize = 16;

/// Terms added between two convergence tests of [`sum_in_lock_step`].
const BLOCK: usize = 8;

/// (1 − z)^a · 2F1(a, b; c; z) for 0 ≤ z < 1, as a plain value: the form in which BG/NBD and
/// MBG/NBD use 2F1, where the power tames the series' growth. See [`hyp2f1_scaled_in_place`].
pub fn hyp2f1_scaled(a: f64, b: f64, c: f64, z: f64) -> Result<f64, ModelError> {
    let mut v = [z];
    hyp2f1_scaled_in_place(a, b, c, &mut v, Form::Value)?;
    Ok(v[0])
}

/// 1 − (1 − z)^a · 2F1(a, b; c; z) for 0 ≤ z < 1, without the cancellation of subtracting
/// from 1 when z is small: BG/NBD's expectations are a multiple of it.
pub fn hyp2f1_scaled_complement(a: f64, b: f64, c: f64, z: f64) -> Result<f64, ModelError> {
    let mut v = [z];
    hyp2f1_scaled_in_place(a, b, c, &mut v, Form::Complement)?;
    Ok(v[0])
}

/// Which quantity [`hyp2f1_scaled_in_place`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// (1 − z)^a · 2F1(a, b; c; z).
    Value,
    /// 1 − (1 − z)^a · 2F1(a, b; c; z), accurate to a few ulps of itself.
    Complement,
}

/// (1 − z)^a · 2F1(a, b; c; z), or 1 minus it, at many z with the same a, b, c: each element of
/// `z_then_value` holds z (0 ≤ z < 1) on entry and the result on return.
///
/// Of the defining series and Euler's transformation
/// (1 − z)^a 2F1(a, b; c; z) = (1 − z)^(c−b) 2F1(c − a, c − b; c; z), the one whose terms decay
/// faster is summed: beyond its first terms the term ratio is 1 + (p + q − c − 1)/k + O(1/k²)
/// times z, and the choice makes p + q − c − 1 = −|c − a − b| − 1 ≤ −1, so the terms never grow
/// for long (BG/NBD's conditional expectation has a = r + x: the defining series first grows for
/// about x·z/(1 − z) terms, Euler's shrinks from the start). The z values share the coefficients
/// (one division per term for all of them) and are summed in lock step. With P the power and
/// 1 + S the series, the complement is −(P − 1) − P·S with P − 1 from `exp_m1`. Where the plain
/// sum would overflow, the log-form [`hyp2f1`] takes over.
pub fn hyp2f1_scaled_in_place(
    a: f64,
    b: f64,
    c: f64,
    z_then_value: &mut [f64],
    form: Form,
) -> Result<(), ModelError> {
    if !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return Err(ModelError::Numerical(format!(
            "2F1({a}, {b}; {c}; z): needs finite parameters"
        )));
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(ModelError::Numerical(format!(
            "2F1({a}, {b}; {c}; z): c is a non-positive integer"
        )));
    }
    let (p, q, power) = if c < a + b {
        (c - a, c - b, c - b)
    } else {
        (a, b, a)
    };
    for chunk in z_then_value.chunks_mut(LANES) {
        if let Some(z) = chunk.iter().find(|z| !(0.0..1.0).contains(*z)) {
            return Err(ModelError::Numerical(format!(
                "2F1({a}, {b}; {c}; {z}): needs 0 <= z < 1"
            )));
        }
        let mut tails = [0.0; LANES];
        let tails = &mut tails[..chunk.len()];
        let plain = sum_in_lock_step(p, q, c, chunk, tails);
        for (v, &tail) in chunk.iter_mut().zip(tails.iter()) {
            let z = *v;
            // P − 1 and P for P = (1 − z)^power; 1 + (P − 1) loses P's digits when P is small.
            let ln_p = power * (-z).ln_1p();
            let pm1 = ln_p.exp_m1();
            let p = if pm1 > -0.5 { 1.0 + pm1 } else { ln_p.exp() };
            let result = match form {
                Form::Value => p * (1.0 + tail),
                Form::Complement => -pm1 - p * tail,
            };
            *v = if plain && result.is_finite() && (p > 0.0 || form == Form::Complement) {
                result
            } else {
                let f = hyp2f1(a, b, c, z)?;
                let value = f.sign * (a * (-z).ln_1p() + f.log_abs).exp();
                match form {
                    Form::Value => value,
                    Form::Complement => 1.0 - value,
                }
            };
        }
    }
    Ok(())
}

/// Σ_{k≥1} (p)_k (q)_k / ((c)_k k!) z^k (the series without its leading 1) for each z of `zs`
/// (at most [`LANES`]) into `tails`; false if a sum overflowed. Requires p + q − c − 1 < 0 (so
/// the term ratios end below z) and c not a non-positive integer.
///
/// Stopping rule: from the index k₀ on where every coefficient ratio (p+k)(q+k)/((c+k)(k+1))
/// lies in [0, 1], the terms after t_k add up to at most |t_k| z/(1 − z); a z stops once that
/// bound is below 1e-16 of its whole sum, which leaves the sum exact to the last ulp or so.
fn sum_in_lock_step(p: f64, q: f64, c: f64, zs: &[f64], tails: &mut [f64]) -> bool {
    let n = zs.len();
    debug_assert!(n <= LANES && tails.len() == n);
    let e = p + q - c - 1.0;
    debug_assert!(e < 0.0);
    // ratio ≤ 1 ⟺ k e ≤ c − pq (as (c+k)(k+1) > 0); ratio ≥ 0 once k ≥ −p, −q, −c.
    let k0 = ((p * q - c) / -e).max(-p).max(-q).max(-c).max(0.0).ceil();
    let mut term = [1.0; LANES];
    let mut weight = [0.0; LANES];
    for j in 0..n {
        tails[j] = 0.0;
        weight[j] = zs[j] / (1.0 - zs[j]) * 1e16;
    }
    let mut lo = 0;
    let mut k = 0.0;
    while lo < n {
        // Terms go in blocks: each z keeps its term and sum in registers through a block, and
        // the convergence test and its branch come once a block.
        let mut ratios = [0.0; BLOCK];
        for (i, ratio) in ratios.iter_mut().enumerate() {
            let k = k + i as f64;
            *ratio = (p + k) * (q + k) / ((c + k) * (k + 1.0));
        }
        for j in lo..n {
            let (z, mut t, mut s) = (zs[j], term[j], tails[j]);
            for ratio in ratios {
                t *= ratio * z;
                s += t;
            }
            term[j] = t;
            tails[j] = s;
        }
        k += BLOCK as f64;
        if k >= k0 {
            while lo < n {
                let (t, s) = (term[lo].abs(), (1.0 + tails[lo]).abs());
                if t * weight[lo] <= s {
                    lo += 1;
                } else if s.is_finite() {
                    break;
                } else {
                    return false;
                }
            }
        }
        if k > MAX_TERMS as f64 {
            return false;
        }
    }
    tails.iter().all(|s| s.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigamma_matches_closed_forms_and_the_derivative_of_digamma() {
        use std::f64::consts::PI;
        // ψ₁(1) = π²/6, ψ₁(1/2) = π²/2, ψ₁(2) = π²/6 − 1, ψ₁(n + 1) = ψ₁(n) − 1/n².
        approx::assert_relative_eq!(trigamma(1.0), PI * PI / 6.0, max_relative = 1e-14);
        approx::assert_relative_eq!(trigamma(0.5), PI * PI / 2.0, max_relative = 1e-14);
        approx::assert_relative_eq!(trigamma(2.0), PI * PI / 6.0 - 1.0, max_relative = 1e-14);
        // mpmath 1.3.0: psi(1, 0.001), psi(1, 37.3), psi(1, 1e6).
        approx::assert_relative_eq!(trigamma(0.001), 1000001.6425331959, max_relative = 1e-13);
        approx::assert_relative_eq!(trigamma(37.3), 0.027172241325139978, max_relative = 1e-13);
        approx::assert_relative_eq!(trigamma(1e6), 1.0000005000001667e-06, max_relative = 1e-13);
        for x in [0.3, 4.2, 9.99, 10.01, 250.0] {
            let h = 1e-5 * x;
            let fd = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
            approx::assert_relative_eq!(trigamma(x), fd, max_relative = 1e-7);
        }
        assert!(trigamma(0.0).is_nan() && trigamma(-1.0).is_nan());
    }
    use approx::assert_relative_eq;

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // 2F1(1,1;2;z) = -ln(1-z)/z
        for z in [0.0001, 0.3, 0.9, 0.99] {
            let v = hyp2f1(1.0, 1.0, 2.0, z).unwrap().value();
            assert_relative_eq!(v, -(1.0 - z).ln() / z, max_relative = 1e-12);
        }
        // 2F1(a,b;b;z) = (1-z)^-a
        let v = hyp2f1(2.5, 3.0, 3.0, 0.7).unwrap().value();
        assert_relative_eq!(v, 0.3f64.powf(-2.5), max_relative = 1e-12);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 0.0).unwrap().value(), 1.0);
    }

    #[test]
    fn hyp2f1_survives_huge_values_in_log_form() {
        // (1-z)^-a with a = 2000: e^1386, beyond f64, but its log is exact.
        let s = hyp2f1(2000.0, 7.0, 7.0, 0.5).unwrap();
        assert_relative_eq!(s.log_abs, 2000.0 * 2f64.ln(), max_relative = 1e-12);
        assert_eq!(s.sign, 1.0);
    }

    /// The log-form path the models used before [`hyp2f1_scaled`].
    fn scaled_by_log_form(a: f64, b: f64, c: f64, z: f64) -> f64 {
        let f = hyp2f1(a, b, c, z).unwrap();
        f.sign * (a * (-z).ln_1p() + f.log_abs).exp()
    }

    #[test]
    fn scaled_hyp2f1_equals_the_log_form_over_the_btyd_range() {
        // The BG/NBD conditional expectation's 2F1(r+x, b+x; a+b+x−1; z), both branches
        // (Euler's series for a − 1 < r + x, the defining one otherwise), c < 0 included.
        let mut worst: f64 = 0.0;
        for r in [0.243, 1.5] {
            for a0 in [0.3, 0.793, 1.7, 5.0, 40.0] {
                for b0 in [0.4, 2.426, 10.0] {
                    for x in [0.0, 1.0, 10.0, 100.0, 1000.0] {
                        for z in [0.0, 1e-6, 0.05, 0.3, 0.7, 0.95, 0.995] {
                            let (a, b, c) = (r + x, b0 + x, a0 + b0 + x - 1.0);
                            let want = scaled_by_log_form(a, b, c, z);
                            let got = hyp2f1_scaled(a, b, c, z).unwrap();
                            let rel = (got - want).abs() / want.abs();
                            // The log form's own error grows with its log (~5,000 at
                            // x = 1000, z = 0.995: 1e-11); mpmath sides with the new value.
                            assert!(rel < 1e-10, "({a}, {b}; {c}; {z}): {got} vs {want}");
                            worst = worst.max(rel);
                        }
                    }
                }
            }
        }
        assert!(worst > 0.0);
    }

    #[test]
    fn scaled_hyp2f1_matches_mpmath_and_closed_forms() {
        // mpmath.hyp2f1 at 50 digits (tests/peer_parity.rs), times (1 − z)^a.
        for (a, b, c, z, f) in [
            (0.5, 1.5, 2.5, 0.9, 1.6673034691845803),
            (24.3, 2.2, 27.1, 0.3, 1.996233782938273),
            (10.2426, 12.4259, 12.2188, 0.95, 38007208801280.92),
            (30.0, 31.0, 25.0, 0.6, 402637478022092.44),
            (51.1595, 1.6062, 52.1595, 0.99, 543.2458290399659),
        ] {
            let got = hyp2f1_scaled(a, b, c, z).unwrap();
            assert_relative_eq!(got, f * (1.0f64 - z).powf(a), max_relative = 1e-11);
        }
        // mpmath 1.3.0, 40 digits: hyp2f1(a, b, c, z) * (1 - z)**a with the f64 parameters of
        // the BG/NBD grid above (a = r + x, b = b0 + x, c = a0 + b0 + x - 1, rounded as here).
        for (a, b, c, z, want) in [
            (1000.243, 1002.426, 1002.219, 0.995, 2.9932059890250294),
            (0.243, 0.4, -0.30000000000000004, 0.995, -21.40122068701322),
            (1.5, 10.0, 49.0, 0.95, 0.015584922782189753),
            (100.243, 102.426, 102.219, 0.7, 1.2794042326728783),
            (2.5, 1.4, 5.4, 0.3, 0.5095230146477254),
            (10.243, 10.4, 9.7, 0.05, 1.0385892434763077),
        ] {
            let got = hyp2f1_scaled(a, b, c, z).unwrap();
            assert_relative_eq!(got, want, max_relative = 1e-13);
        }
        // (1 − z)^a 2F1(a, b; b; z) = 1 for any a, z.
        for a in [0.1, 3.0, 700.0] {
            assert_relative_eq!(
                hyp2f1_scaled(a, 2.0, 2.0, 0.8).unwrap(),
                1.0,
                epsilon = 1e-14
            );
        }
    }

    #[test]
    fn many_z_in_lock_step_equal_one_z_at_a_time() {
        for (a, b, c) in [
            (0.243, 2.426, 2.219),
            (10.243, 12.426, 12.219),
            (1.5, 3.0, 12.0),
        ] {
            // 20 steps: more than one chunk of lanes; unsorted on purpose.
            let zs: Vec<f64> = (0..20).map(|i| ((i * 7) % 20) as f64 / 21.0).collect();
            let mut many = zs.clone();
            hyp2f1_scaled_in_place(a, b, c, &mut many, Form::Value).unwrap();
            for (&z, &v) in zs.iter().zip(&many) {
                assert_relative_eq!(v, hyp2f1_scaled(a, b, c, z).unwrap(), max_relative = 1e-15);
            }
        }
        let mut bad = [0.5, 1.0];
        assert!(hyp2f1_scaled_in_place(1.0, 1.0, 2.0, &mut bad, Form::Value).is_err());
    }

    #[test]
    fn lse_weights_equal_the_libm_formula() {
        for a in [-800.0, -30.0, -1.0, 0.0, 0.3, 2.0, 700.0] {
            for d in [0.0, 1e-12, 0.1, 0.88, 0.8814, 3.0, 40.0, 800.0] {
                let b = a - d;
                let (lse, wa, wb) = lse_weights(a, b);
                let e = (b - a).exp();
                approx::assert_relative_eq!(
                    lse,
                    a + e.ln_1p(),
                    max_relative = 4e-16,
                    epsilon = 1e-300
                );
                approx::assert_relative_eq!(wa, 1.0 / (1.0 + e), max_relative = 4e-16);
                approx::assert_relative_eq!(
                    wb,
                    e / (1.0 + e),
                    max_relative = 4e-16,
                    epsilon = 1e-300
                );
                let (lse2, wb2, wa2) = lse_weights(b, a);
                assert_eq!((lse2, wa2, wb2), (lse, wa, wb));
            }
        }
    }

    #[test]
    fn ln_1p_unit_equals_libm_on_the_unit_interval() {
        let mut worst: f64 = 0.0;
        for i in 0..=200_000 {
            // Uniform on [0, 1], then down to 1e-300 geometrically.
            for e in [i as f64 / 200_000.0, 10f64.powf(-(i as f64) / 666.0)] {
                let (got, want) = (ln_1p_unit(e), e.ln_1p());
                let err = (got - want).abs() / want.max(f64::MIN_POSITIVE);
                worst = worst.max(err);
                assert!(
                    err <= 4.0 * f64::EPSILON,
                    "ln_1p_unit({e}) = {got}, libm {want}"
                );
            }
        }
        assert!(worst > 0.0);
        assert_eq!(ln_1p_unit(0.0), 0.0);
        assert!(ln_1p_unit(f64::NAN).is_nan());
    }

    #[test]
    fn hyp2f1_refuses_bad_arguments() {
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_err());
        assert!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5).is_err());
    }
}
