//! Fixed 48-point Gauss–Legendre quadrature.
//!
//! One fixed rule on smooth bounded integrands is all the models need; the crates that offer
//! it (gauss-quad) pull in nalgebra, a large build for thirty lines of Newton iteration.

use std::sync::OnceLock;

const N: usize = 48;

fn rule() -> &'static [(f64, f64); N] {
    static RULE: OnceLock<[(f64, f64); N]> = OnceLock::new();
    RULE.get_or_init(|| {
        let mut out = [(0.0, 0.0); N];
        for (i, slot) in out.iter_mut().enumerate() {
            // Chebyshev initial guess, then Newton on the Legendre polynomial P_N.
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=N {
                    let kf = k as f64;
                    let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
                    p0 = p1;
                    p1 = p2;
                }
                dp = N as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            *slot = (x, 2.0 / ((1.0 - x * x) * dp * dp));
        }
        out
    })
}

/// ∫_a^b f(x) dx.
pub fn gauss_legendre(a: f64, b: f64, f: impl Fn(f64) -> f64) -> f64 {
    let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
    rule()
        .iter()
        .map(|&(x, w)| w * f(mid + half * x))
        .sum::<f64>()
        * half
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn integrates_polynomials_and_smooth_functions_exactly() {
        assert_relative_eq!(
            gauss_legendre(0.0, 2.0, |x| x.powi(9)),
            2f64.powi(10) / 10.0,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            gauss_legendre(0.0, 1.0, |x| x.exp()),
            std::f64::consts::E - 1.0,
            max_relative = 1e-14
        );
        let w: f64 = rule().iter().map(|r| r.1).sum();
        assert_relative_eq!(w, 2.0, max_relative = 1e-14);
    }
}
