//! Special functions: thin wrappers over statrs plus the Gauss hypergeometric function.
//!
//! No pure-Rust crate provides 2F1 (statrs and `special` do not; the Cephes-based crates replace
//! libm symbols for the whole binary), so [`hyp2f1`] is ours: the defining power series summed
//! with a running rescale, which is exact for the arguments the BTYD models produce (z in [0, 1)).

use crate::ModelError;

pub use statrs::function::gamma::{digamma, ln_gamma};

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
/// one log1p.
pub fn lse_weights(a: f64, b: f64) -> (f64, f64, f64) {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return (m, 0.5, 0.5);
    }
    let e = (-(a - b).abs()).exp();
    let big = 1.0 / (1.0 + e);
    let small = e * big;
    let lse = m + e.ln_1p();
    if a >= b {
        (lse, big, small)
    } else {
        (lse, small, big)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn hyp2f1_refuses_bad_arguments() {
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_err());
        assert!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5).is_err());
    }
}
