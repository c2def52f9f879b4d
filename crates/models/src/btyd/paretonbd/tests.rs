use super::likelihood::{ln_j, ln_terms};
use super::pmf::{pareto_dead_by_quadrature, pareto_dead_closed_form};
use super::*;
use approx::assert_relative_eq;

/// J(t) by brute-force trapezoid on a log grid, to check the series.
fn j_numeric(m: &ParetoNbd, x: f64, t: f64) -> f64 {
    let n = 400_000;
    let (lo, hi) = ((m.alpha.min(m.beta) + t).ln(), (1e7f64).ln());
    let h = (hi - lo) / n as f64;
    let f = |u: f64| {
        let tau = u.exp() - m.alpha.min(m.beta);
        (m.alpha + tau).powf(-(m.r + x)) * (m.beta + tau).powf(-(m.s + 1.0)) * u.exp()
    };
    (0..=n)
        .map(|i| {
            let w = if i == 0 || i == n { 0.5 } else { 1.0 };
            w * f(lo + i as f64 * h)
        })
        .sum::<f64>()
        * h
}

#[test]
fn value_only_p_alive_matches_the_likelihood_terms() {
    for m in [
        ParetoNbd {
            r: 0.55,
            alpha: 10.58,
            s: 0.61,
            beta: 11.67,
        },
        ParetoNbd {
            r: 2.0,
            alpha: 3.0,
            s: 0.2,
            beta: 40.0,
        },
        ParetoNbd {
            r: 0.3,
            alpha: 60.0,
            s: 1.4,
            beta: 0.5,
        },
    ] {
        for (x, t_x, t) in [
            (0, 0.0, 30.0),
            (1, 2.0, 38.0),
            (7, 30.0, 31.0),
            (40, 10.0, 77.0),
        ] {
            let ((p, _), (q, _)) = ln_terms(&m, x as f64, t_x, t);
            let reference = softmax2(p, q).0;
            let fast = m.p_alive(x, t_x, t);
            assert!(
                (fast - reference).abs() <= 1e-13 * reference.max(1e-300),
                "{m:?} {x} {t_x} {t}: {fast} vs {reference}"
            );
        }
    }
}

#[test]
fn series_form_of_j_matches_the_integral_on_both_branches() {
    for m in [
        ParetoNbd {
            r: 0.55,
            alpha: 10.58,
            s: 0.61,
            beta: 11.67,
        },
        ParetoNbd {
            r: 0.55,
            alpha: 11.67,
            s: 0.61,
            beta: 3.0,
        },
        ParetoNbd {
            r: 2.0,
            alpha: 4.0,
            s: 1.5,
            beta: 4.0,
        },
    ] {
        for (x, t) in [(0.0, 0.0), (3.0, 10.0), (12.0, 30.0)] {
            let (lj, _) = ln_j(&m, x, t);
            assert_relative_eq!(lj.exp(), j_numeric(&m, x, t), max_relative = 1e-5);
        }
    }
}

#[test]
fn analytic_gradient_matches_finite_differences() {
    let p = Patterns::uncompressed(
        &[0, 2, 7, 26, 1],
        &[0.0, 30.43, 35.0, 30.86, 1.71],
        &[38.86, 38.86, 38.86, 31.0, 32.0],
    )
    .unwrap();
    let d = GroupedPatterns::new(&p);
    for th in [
        [-0.6, 2.36, -0.5, 2.46],
        [-0.6, 2.36, -0.5, 1.2],
        [0.3, 1.0, 0.2, 1.0],
    ] {
        let mut g = [0.0; 4];
        Ll(&d).value_grad(&th, &mut g);
        for k in 0..4 {
            let h = 1e-6;
            let (mut tp, mut tm) = (th, th);
            tp[k] += h;
            tm[k] -= h;
            let num = (Ll(&d).value_grad(&tp, &mut [0.0; 4])
                - Ll(&d).value_grad(&tm, &mut [0.0; 4]))
                / (2.0 * h);
            assert_relative_eq!(g[k], num, max_relative = 1e-5, epsilon = 1e-6);
        }
    }
}

#[test]
fn dert_equals_the_discounted_sum_of_expected_purchases() {
    // DERT = ∫ δ e^-δt E[X(t)] dt; with u = 1 − e^-δt this is ∫_0^1 E[X(t(u))] du.
    for m in [
        ParetoNbd {
            r: 0.5533,
            alpha: 10.5778,
            s: 0.6062,
            beta: 11.6669,
        },
        ParetoNbd {
            r: 0.5533,
            alpha: 10.5778,
            s: 1.7,
            beta: 11.6669,
        },
    ] {
        let delta = 0.15f64.ln_1p() / 52.0;
        for (x, t_x, t) in [(2, 30.43, 38.86), (0, 0.0, 38.86), (26, 30.86, 31.0)] {
            let n = 200_000;
            let numeric: f64 = (0..n)
                .map(|i| {
                    let u = (i as f64 + 0.5) / n as f64;
                    m.expected_purchases(-(-u).ln_1p() / delta, x, t_x, t)
                        .unwrap()
                })
                .sum::<f64>()
                / n as f64;
            assert_relative_eq!(
                m.dert(delta, x, t_x, t).unwrap(),
                numeric,
                max_relative = 2e-3
            );
        }
    }
}

#[test]
fn p_no_purchase_agrees_with_expected_purchases_bounds() {
    let m = ParetoNbd {
        r: 0.5533,
        alpha: 10.5778,
        s: 0.6062,
        beta: 11.6669,
    };
    let p0 = m.p_no_purchase(52.0, 2, 30.43, 38.86);
    let e = m.expected_purchases(52.0, 2, 30.43, 38.86).unwrap();
    // P(at least one) ≤ E[count], and a zero-length horizon means no purchase for sure.
    assert!(1.0 - p0 <= e + 1e-12);
    assert!(p0 > 0.0 && p0 < 1.0);
    assert_relative_eq!(m.p_no_purchase(0.0, 2, 30.43, 38.86), 1.0, epsilon = 1e-12);
}

#[test]
fn pareto_closed_form_equals_the_death_time_integral() {
    // The parameters of the P(X(t) = x) parity tests: α < β, then α ≥ β (both hypergeometric
    // branches of the closed form).
    for m in [
        ParetoNbd {
            r: 0.553,
            alpha: 10.578,
            s: 0.606,
            beta: 11.669,
        },
        ParetoNbd {
            r: 0.553,
            alpha: 14.0,
            s: 0.606,
            beta: 6.0,
        },
    ] {
        for t in [20.0, 39.0, 78.0] {
            for x in 0..8 {
                let closed = pareto_dead_closed_form(&m, t, x)
                    .unwrap()
                    .unwrap_or_else(|| panic!("closed form cancelled at t {t} x {x}"));
                let integral = pareto_dead_by_quadrature(&m, t, x);
                assert_relative_eq!(closed.exp(), integral, max_relative = 1e-9);
            }
        }
        // Early on, a customer with many purchases almost surely has not died yet: the
        // bracket cancels and the integral takes over.
        assert!(pareto_dead_closed_form(&m, 0.01, 30).unwrap().is_none());
    }
}
