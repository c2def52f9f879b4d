//! The time to a customer's next purchase, for every model from one description of it.
//!
//! A customer alive at T behaves from T on as a new customer of a model with updated
//! parameters ([`PurchaseProcess::renewed`](super::PurchaseProcess::renewed)): purchases at
//! rate λ ~ Gamma(k, a) (k = r + x, a = α + T) while alive. Their first purchase comes after
//! τ ~ Exp(λ) if they are still alive then, so with w = ln(1 + u/a) (u = a(e^w − 1)) the
//! density of "a purchase at u" is `k e^−kw g(u) dw`, where g(u) is P(alive at u | no purchase
//! yet) ([`FirstPurchaseDropout`]). Everything here integrates that density over w, where it is
//! an exponential in w tamed by g: closed forms where g is constant (BG/NBD, MBG/NBD), panels
//! of Gauss–Legendre at the scale 1/k otherwise (Pareto/NBD), so customers with thousands of
//! purchases keep their digits.

use super::PurchaseProcess;
use crate::ModelError;
use crate::math::quadrature::gauss_legendre;

/// P(a new customer who has not bought yet is still alive at u).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FirstPurchaseDropout {
    /// The same at every u: customers drop out only right after a purchase (BG/NBD: 1;
    /// MBG/NBD: b / (a + b), the chance of not leaving at time 0).
    Constant(f64),
    /// (β / (β + u))^s: a dropout rate μ ~ Gamma(s, β) independent of purchases (Pareto/NBD).
    Gamma {
        /// Shape of the dropout-rate gamma.
        s: f64,
        /// Scale (time) of the dropout-rate gamma.
        beta: f64,
    },
}

impl FirstPurchaseDropout {
    /// g(u).
    fn at(self, u: f64) -> f64 {
        match self {
            FirstPurchaseDropout::Constant(c) => c,
            FirstPurchaseDropout::Gamma { s, beta } => (-s * (u / beta).ln_1p()).exp(),
        }
    }
}

/// The time τ to a customer's next purchase, in the model's time unit, for a customer alive
/// at T (multiply [`NextPurchase::p_within`] by P(alive) for any customer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NextPurchase {
    /// E[τ] if the customer stays alive until then (τ ~ Exp(λ), λ ~ Gamma(r + x, α + T):
    /// (α + T) / (r + x − 1)); `None` where it is infinite (r + x ≤ 1).
    pub mean_if_alive: Option<f64>,
    /// The median of τ if the customer stays alive until then: (α + T)(2^(1/(r+x)) − 1).
    pub median_if_alive: f64,
    /// P(τ ≤ horizon), dropout included: for a customer alive at T from
    /// [`PurchaseProcess::next_purchase_if_alive`], times P(alive) from
    /// [`Posterior::next_purchase`](super::Posterior::next_purchase).
    pub p_within: f64,
    /// E[τ | τ ≤ horizon]; `None` when no purchase can happen (p_within = 0).
    pub mean_within: Option<f64>,
    /// The median of τ given τ ≤ horizon; `None` when p_within = 0.
    pub median_within: Option<f64>,
}

/// Panels of the w integrals start at these multiples of 1/k (the scale of e^−kw) and go on
/// to w_h; beyond 256/k the density is below e^−256 of its peak.
const PANELS: [f64; 6] = [0.25, 1.0, 4.0, 16.0, 64.0, 256.0];

/// ∫_0^w_end f(w) dw over the panels of [`PANELS`].
fn integrate(k: f64, w_end: f64, f: impl Fn(f64) -> f64) -> f64 {
    let mut total = 0.0;
    let mut lo = 0.0;
    for c in PANELS {
        let hi = (c / k).min(w_end);
        if hi > lo {
            total += gauss_legendre(lo, hi, &f);
            lo = hi;
        }
        if lo >= w_end {
            return total;
        }
    }
    total + gauss_legendre(lo, w_end, &f)
}

/// The next purchase of `renewed` (a new customer from the as-of date on, see the module
/// docs) over `horizon` > 0.
pub(crate) fn next_purchase(
    renewed: &dyn PurchaseProcess,
    horizon: f64,
) -> Result<NextPurchase, ModelError> {
    if !(horizon.is_finite() && horizon > 0.0) {
        return Err(ModelError::InvalidInput {
            field: "horizon",
            reason: format!("must be finite and > 0, got {horizon}"),
        });
    }
    let v = renewed.values();
    let (k, a) = (v[0], v[1]);
    let mean_if_alive = (k > 1.0).then(|| a / (k - 1.0));
    let median_if_alive = a * (std::f64::consts::LN_2 / k).exp_m1();
    let w_h = (horizon / a).ln_1p();
    let u = |w: f64| a * w.exp_m1();
    // P(no purchase by h | alive throughout) = e^−k w_h.
    let lomax_within = -(-k * w_h).exp_m1();
    let (p_within, mean_within, median_within) = match renewed.first_purchase_dropout() {
        FirstPurchaseDropout::Constant(c) => {
            // ∫_0^h (S(u) − S(h)) du / (1 − S(h)) with S(u) = e^−kw(u):
            // ∫_0^h S du = a (1 − e^−(k−1) w_h) / (k − 1) (a w_h at k = 1).
            let int_s = if (k - 1.0).abs() < 1e-12 {
                a * w_h
            } else {
                -a * (-(k - 1.0) * w_h).exp_m1() / (k - 1.0)
            };
            let mean = (int_s - horizon * (-k * w_h).exp()) / lomax_within;
            // S(u_m) = (1 + S(h)) / 2.
            let w_m = -((-k * w_h).exp().ln_1p() - std::f64::consts::LN_2) / k;
            let ok = lomax_within > 0.0 && c > 0.0;
            (
                c * lomax_within,
                ok.then(|| mean.clamp(0.0, horizon)),
                ok.then(|| u(w_m).clamp(0.0, horizon)),
            )
        }
        g @ FirstPurchaseDropout::Gamma { .. } => {
            let density = |w: f64| k * (-k * w).exp() * g.at(u(w));
            let p = integrate(k, w_h, density).clamp(0.0, 1.0);
            if p.is_nan() || p <= 0.0 {
                (0.0, None, None)
            } else {
                let mean = integrate(k, w_h, |w| u(w) * density(w)) / p;
                let w_m = median_w(k, w_h, p / 2.0, density);
                (
                    p,
                    Some(mean.clamp(0.0, horizon)),
                    Some(u(w_m).clamp(0.0, horizon)),
                )
            }
        }
    };
    let finite = |name: &str, v: f64| {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ModelError::Numerical(format!(
                "{name} of the next purchase is {v} for {renewed:?}"
            )))
        }
    };
    Ok(NextPurchase {
        mean_if_alive: mean_if_alive.filter(|m| m.is_finite()),
        median_if_alive: finite("the median", median_if_alive)?,
        p_within: finite("the probability", p_within)?.clamp(0.0, 1.0),
        mean_within: mean_within.map(|m| finite("the mean", m)).transpose()?,
        median_within: median_within.map(|m| finite("the median", m)).transpose()?,
    })
}

/// P(a purchase within `horizon`) for a new customer of `renewed` whose dropout before the
/// first purchase is the gamma one (Pareto/NBD's `p_purchase_if_alive`): the integral of the
/// module docs over the panels.
pub(crate) fn p_first_purchase_within(k: f64, a: f64, s: f64, beta: f64, horizon: f64) -> f64 {
    let g = FirstPurchaseDropout::Gamma { s, beta };
    let w_h = (horizon / a).ln_1p();
    integrate(k, w_h, |w| k * (-k * w).exp() * g.at(a * w.exp_m1())).clamp(0.0, 1.0)
}

/// The w in [0, w_h] where ∫_0^w density = `half`: Newton steps (the derivative is the density)
/// kept inside a shrinking bracket, bisecting when a step would leave it.
fn median_w(k: f64, w_h: f64, half: f64, density: impl Fn(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (0.0, w_h);
    // The start: the median without dropout before the first purchase.
    let mut w = (-((-k * w_h).exp().ln_1p() - std::f64::consts::LN_2) / k).clamp(0.0, w_h);
    for _ in 0..100 {
        let f = integrate(k, w, &density) - half;
        if f > 0.0 {
            hi = w;
        } else {
            lo = w;
        }
        let d = density(w);
        let mut next = w - f / d;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - w).abs() <= 1e-14 * w.max(f64::MIN_POSITIVE) || hi - lo <= 1e-15 * hi {
            return next;
        }
        w = next;
    }
    w
}

#[cfg(test)]
mod tests {
    use crate::btyd::PurchaseModel;
    use crate::btyd::bgnbd::BgNbd;
    use crate::btyd::mbgnbd::MbgNbd;
    use crate::btyd::paretonbd::ParetoNbd;
    use approx::assert_relative_eq;

    const BG: PurchaseModel = PurchaseModel::Bgnbd(BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    });
    const MBG: PurchaseModel = PurchaseModel::Mbgnbd(MbgNbd {
        r: 0.525,
        alpha: 6.183,
        a: 0.891,
        b: 1.614,
    });
    const PN: PurchaseModel = PurchaseModel::ParetoNbd(ParetoNbd {
        r: 0.553,
        alpha: 10.578,
        s: 0.606,
        beta: 11.669,
    });
    /// CDNOW customers (x, t_x, T) in weeks, and the window of every reference below.
    const CUSTOMERS: [(u32, f64, f64); 4] = [
        (0, 0.0, 38.86),
        (2, 30.43, 38.86),
        (1, 1.71, 38.86),
        (26, 30.86, 31.0),
    ];
    const WINDOW: f64 = 13.0;

    /// Per customer of [`CUSTOMERS`]: P(alive at T + 13), P(X(T, T+13] = k | alive) for
    /// k = 1, 2, 5, and the next purchase given alive at T (P(within 13), mean and median
    /// given within). P(alive at T) from lifetimes 0.11.3 `conditional_probability_alive`
    /// times scipy 1.17 quad of E_p[(1 + 13p/(α+T))^−(r+x)] over p ~ Beta(a, b+x) (the
    /// defining expectation); P(k | alive) by scipy dblquad of P(k | λ, p) over
    /// Gamma(r+x, α+T) × Beta(a, b+x); the next purchase by quad of the Lomax density of
    /// Gamma(r+x, α+T) rates and brentq (target/ref/ref.py in the session that wrote this).
    #[allow(clippy::type_complexity)]
    const BG_REF: [(f64, [f64; 3], [f64; 3]); 4] = [
        (
            0.9832937222074271,
            [
                0.054924307968792746,
                0.0059267528564880085,
                2.2320671673180077e-05,
            ],
            [0.061836831640837996, 6.146708747284247, 5.970453981279843],
        ),
        (
            0.6611801745487846,
            [
                0.31143399017165424,
                0.09673419816186689,
                0.001888712381186575,
            ],
            [0.44522499265956017, 5.583483929576976, 5.141482120644637],
        ),
        (
            0.19872181711589043,
            [
                0.22058048637323388,
                0.04577111813444603,
                0.0004384826950154884,
            ],
            [0.2785642935001177, 5.863570230812296, 5.549831561560845],
        ),
        (
            0.7730756837483416,
            [
                0.02900462021412177,
                0.03214139526301737,
                0.07003393924419421,
            ],
            [0.9997269098595579, 1.3992317628964057, 0.9474616409606653],
        ),
    ];

    /// As [`BG_REF`] for MBG/NBD (lifetimes' `ModifiedBetaGeoFitter`, Beta(a, b+x+1)).
    const MBG_REF: [(f64, [f64; 3]); 4] = [
        (
            0.37595607083932747,
            [
                0.10844877143898762,
                0.013719495385201137,
                5.914800574115367e-05,
            ],
        ),
        (
            0.6334734987145578,
            [
                0.3264018019712044,
                0.10518442186239493,
                0.0021255906007774683,
            ],
        ),
        (
            0.15758618304762997,
            [
                0.2495591332794244,
                0.05562680673091668,
                0.0005722522221766561,
            ],
        ),
        (
            0.7570076899605749,
            [
                0.0325310531362555,
                0.036358547760404064,
                0.07750803754597202,
            ],
        ),
    ];

    /// Pareto/NBD: lifetimes 0.11.3 `conditional_probability_of_n_purchases_up_to_time(n, 13,
    /// x, t_x, T)` for n = 0, 1, 2, 5; P(alive at T + 13) = `conditional_probability_alive` ×
    /// ((β+T)/(β+T+13))^s; the next purchase given alive by scipy quad of
    /// (k/a)(a/(a+u))^(k+1) ((β+T)/(β+T+u))^s and brentq.
    #[allow(clippy::type_complexity)]
    const PN_REF: [([f64; 4], f64, [f64; 3]); 4] = [
        (
            [
                0.9665550909362348,
                0.0280687116795135,
                0.004426421229688287,
                2.680988997044801e-05,
            ],
            0.2570326942987498,
            [0.11326253389366257, 5.9580677742084545, 5.689793841144597],
        ),
        (
            [
                0.6330935181029341,
                0.2424228969123682,
                0.08687505279637946,
                0.002100454882904589,
            ],
            0.7565682832650402,
            [0.42213549968962266, 5.461376757865125, 4.967845494298587],
        ),
        (
            [
                0.9520935119820767,
                0.03573958986482857,
                0.009236208981694463,
                0.00012139455810216489,
            ],
            0.14623789230954704,
            [0.28515371752277724, 5.708055448253138, 5.322494696293828],
        ),
        (
            [
                0.024415792593164582,
                0.024337711337957393,
                0.03190861685416243,
                0.08809605296267743,
            ],
            0.8493791491612841,
            [0.977618895253409, 1.5819329763519705, 1.0744215022867878],
        ),
    ];

    fn check_next(m: &PurchaseModel, x: u32, t: f64, want: [f64; 3]) {
        let n = m.process().next_purchase_if_alive(WINDOW, x, t).unwrap();
        assert_relative_eq!(n.p_within, want[0], max_relative = 1e-9);
        assert_relative_eq!(n.mean_within.unwrap(), want[1], max_relative = 1e-9);
        assert_relative_eq!(n.median_within.unwrap(), want[2], max_relative = 1e-9);
    }

    #[test]
    fn bgnbd_predictions_match_lifetimes_and_quadrature() {
        for ((x, t_x, t), (later, pk, next)) in CUSTOMERS.into_iter().zip(BG_REF) {
            let post = BG.posterior(x, t_x, t);
            assert_relative_eq!(
                post.p_alive_later(WINDOW).unwrap(),
                later,
                max_relative = 1e-9
            );
            for (k, want) in [1, 2, 5].into_iter().zip(pk) {
                let got = BG.process().ln_pmf_if_alive(WINDOW, k, x, t).unwrap().exp();
                assert_relative_eq!(got, want, max_relative = 1e-7);
            }
            check_next(&BG, x, t, next);
        }
    }

    #[test]
    fn mbgnbd_predictions_match_lifetimes_and_quadrature() {
        for ((x, t_x, t), (later, pk)) in CUSTOMERS.into_iter().zip(MBG_REF) {
            let post = MBG.posterior(x, t_x, t);
            assert_relative_eq!(
                post.p_alive_later(WINDOW).unwrap(),
                later,
                max_relative = 1e-9
            );
            for (k, want) in [1, 2, 5].into_iter().zip(pk) {
                let got = MBG
                    .process()
                    .ln_pmf_if_alive(WINDOW, k, x, t)
                    .unwrap()
                    .exp();
                assert_relative_eq!(got, want, max_relative = 1e-7);
            }
        }
    }

    #[test]
    fn pareto_nbd_predictions_match_lifetimes() {
        for ((x, t_x, t), (pmf, later, next)) in CUSTOMERS.into_iter().zip(PN_REF) {
            let post = PN.posterior(x, t_x, t);
            for (k, want) in [0, 1, 2, 5].into_iter().zip(pmf) {
                assert_relative_eq!(post.pmf(WINDOW, k).unwrap(), want, max_relative = 1e-7);
            }
            assert_relative_eq!(
                post.p_alive_later(WINDOW).unwrap(),
                later,
                max_relative = 1e-9
            );
            assert_relative_eq!(
                post.p_any_purchase(WINDOW),
                1.0 - pmf[0],
                max_relative = 1e-7
            );
            check_next(&PN, x, t, next);
            let total: f64 = (0..400).map(|k| post.pmf(WINDOW, k).unwrap()).sum();
            assert_relative_eq!(total, 1.0, max_relative = 1e-6);
        }
    }

    /// R BTYD's values quoted in lifetimes' tests
    /// (`test_probability_of_n_purchases_up_to_time_same_as_R_BTYD`): P(X(2) = 10),
    /// P(X(39) = 0) and P(X(30) = n) for n = 11..=20 for a new BG/NBD customer (the values are
    /// given to 7–10 digits).
    #[test]
    fn new_customer_pmf_matches_r_btyd() {
        assert_relative_eq!(BG.pmf(2.0, 10).unwrap(), 1.07869e-07, max_relative = 1e-5);
        assert_relative_eq!(BG.pmf(39.0, 0).unwrap(), 0.5737864, max_relative = 1e-6);
        let want = [
            0.0019995214,
            0.0015170236,
            0.0011633150,
            0.0009003148,
            0.0007023638,
            0.0005517902,
            0.0004361913,
            0.0003467171,
            0.0002769613,
            0.0002222260,
        ];
        for (n, w) in (11..=20).zip(want) {
            assert_relative_eq!(BG.pmf(30.0, n).unwrap(), w, max_relative = 1e-6);
        }
        // E[X(t)] is the PMF's mean.
        let mean: f64 = (0..2000).map(|n| n as f64 * BG.pmf(30.0, n).unwrap()).sum();
        assert_relative_eq!(
            BG.expected_purchases_new(30.0).unwrap(),
            mean,
            max_relative = 1e-9
        );
    }

    #[test]
    fn extreme_customers_stay_finite_and_consistent() {
        for m in [BG, MBG, PN] {
            for (x, t_x, t) in [
                (5000, 38.859, 38.86),
                (2000, 38.86, 38.86),
                (3000, 1.0, 38.86),
            ] {
                let post = m.posterior(x, t_x, t);
                let later = post.p_alive_later(WINDOW).unwrap();
                assert!((0.0..=post.p_alive()).contains(&later), "{m:?} {later}");
                for k in [0, 1, 100, 1000, 1700] {
                    let p = post.pmf(WINDOW, k).unwrap();
                    assert!((0.0..=1.0).contains(&p), "{m:?} x {x} k {k}: {p}");
                }
                let n = post.next_purchase(WINDOW).unwrap();
                assert!(n.median_if_alive > 0.0 && n.median_if_alive.is_finite());
                assert!(n.mean_if_alive.unwrap().is_finite());
                assert_relative_eq!(n.p_within, post.p_any_purchase(WINDOW), max_relative = 1e-9);
                if let Some(mean) = n.mean_within {
                    // An alive customer with x purchases in T buys within about T/x.
                    assert!(mean > 0.0 && mean < 3.0 * t / x as f64, "{m:?} {mean}");
                    let med = n.median_within.unwrap();
                    assert!(med > 0.0 && med < WINDOW);
                }
            }
        }
    }
}
