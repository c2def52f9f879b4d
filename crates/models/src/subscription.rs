//! Subscription CLV from a per-period churn probability.
//!
//! A subscriber who is still active pays a margin m at the end of each period they survive.
//! Each period they churn with the same probability p, independently of the past, so their
//! remaining lifetime is geometric and the chance they are still subscribed after t periods is
//! S_t = (1 − p)^t. Cash flows are discounted at rate d per period. Over a horizon of H periods
//! (or an unlimited one):
//!
//! - expected remaining lifetime (periods, undiscounted): L = Σ_{t=1..H} (1 − p)^t
//! - CLV = Σ_{t=1..H} m (1 − p)^t / (1 + d)^t = m · r (1 − r^H) / (1 − r), with r = (1 − p)/(1 + d);
//!   with no horizon, CLV = m · r / (1 − r) = m (1 − p) / (p + d)
//! - value at risk = p × (the value of the subscriber if this period's churn is averted) =
//!   p · m/(1 + d) · (1 + Σ_{t=1..H−1} r^t): they would pay this period's margin and then be
//!   worth the CLV of the remaining H − 1 periods. (CLV × p would count the churn risk twice,
//!   CLV already being net of it, and rank the riskiest customers last.)
//!
//! Assumptions: a constant per-period churn probability, the margin received at the end of each
//! period survived (none for the current period if they churn in it), a geometric lifetime and
//! discounting once per period. A negative margin (a loss-making customer) is allowed and gives
//! a negative CLV. With no horizon the discount rate must be > 0, otherwise CLV is unbounded as
//! p → 0; with no horizon, p is also floored at 1e-9 so the lifetime stays finite (at most 10⁹
//! periods).
//!
//! The sums are a few closed forms, so we write them here. They are evaluated with `ln_1p` and
//! `expm1`, and 1 − r = (p + d)/(1 + d) is formed without subtraction, so tiny p and d lose no
//! precision.

use crate::ModelError;
use serde::{Deserialize, Serialize};

/// Largest accepted discount rate per period (1000 %); anything above is surely a unit mistake.
const MAX_DISCOUNT: f64 = 10.0;

/// Floor on the churn probability when there is no horizon, so the lifetime stays finite.
const P_FLOOR: f64 = 1e-9;

/// How future subscription margins are valued.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionSpec {
    /// Discount rate per period (0.01 = 1 % per period), in [0, 10].
    pub discount_per_period: f64,
    /// Number of future periods counted; `None` for an unlimited horizon (needs a discount > 0).
    pub horizon_periods: Option<u32>,
}

impl SubscriptionSpec {
    /// Checks the discount is finite and in [0, 10], the horizon (if any) is at least one period,
    /// and a horizon is given when the discount is zero.
    pub fn validate(&self) -> Result<(), ModelError> {
        let d = self.discount_per_period;
        if !(d.is_finite() && (0.0..=MAX_DISCOUNT).contains(&d)) {
            return Err(ModelError::InvalidParam {
                name: "discount_per_period",
                reason: format!("must be finite and in [0, {MAX_DISCOUNT}], got {d}"),
            });
        }
        match self.horizon_periods {
            Some(0) => Err(ModelError::InvalidParam {
                name: "horizon_periods",
                reason: "must be at least 1 period".into(),
            }),
            None if d == 0.0 => Err(ModelError::InvalidParam {
                name: "horizon_periods",
                reason: "a zero discount rate needs a horizon: without one, CLV is unbounded \
                         as the churn probability goes to 0"
                    .into(),
            }),
            _ => Ok(()),
        }
    }
}

/// Expected lifetime and value of one subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionValue {
    /// Expected number of future periods subscribed within the horizon (undiscounted).
    pub expected_lifetime_periods: f64,
    /// Expected discounted margin over the horizon.
    pub clv: f64,
    /// p × the value if this period's churn is averted: the value expected to be lost to
    /// churn in the coming period.
    pub value_at_risk: f64,
}

/// Σ_{t=1..H} r^t with r = (1 − p)/(1 + d), H = `horizon` (None = ∞).
///
/// Computed as r (1 − r^H)/(1 − r) with 1 − r = (p + d)/(1 + d) and 1 − r^H = −expm1(H ln r),
/// ln r = ln_1p(−p) − ln_1p(d), so there is no cancellation when r is close to 1. Requires
/// p ∈ [0, 1], d ≥ 0, H ≥ 1, and p + d > 0 when H is None.
fn discounted_survival_sum(p: f64, d: f64, horizon: Option<u32>) -> f64 {
    let r = (1.0 - p) / (1.0 + d);
    let one_minus_r = (p + d) / (1.0 + d);
    match horizon {
        None => r / one_minus_r,
        Some(h) => {
            let h = f64::from(h);
            // r = 1 up to far below rounding: every term is 1.
            if p + d < 1e-300 {
                return h;
            }
            if r == 0.0 {
                return 0.0;
            }
            let ln_r = (-p).ln_1p() - d.ln_1p();
            r * -(h * ln_r).exp_m1() / one_minus_r
        }
    }
}

/// Lifetime, CLV and value at risk of a subscriber with per-period churn probability `p_churn`
/// and margin `margin` per period survived (may be negative), under `spec`.
///
/// Errors if p is not in [0, 1], the margin is not finite, or the spec is invalid; never returns
/// NaN or infinity. With no horizon, p is floored at 1e-9 (for all three outputs).
pub fn subscription_value(
    p_churn: f64,
    margin: f64,
    spec: &SubscriptionSpec,
) -> Result<SubscriptionValue, ModelError> {
    spec.validate()?;
    if !(p_churn.is_finite() && (0.0..=1.0).contains(&p_churn)) {
        return Err(ModelError::InvalidInput {
            field: "p_churn",
            reason: format!("must be a probability in [0, 1], got {p_churn}"),
        });
    }
    if !margin.is_finite() {
        return Err(ModelError::InvalidInput {
            field: "margin",
            reason: format!("must be finite, got {margin}"),
        });
    }
    let h = spec.horizon_periods;
    let p = if h.is_none() {
        p_churn.max(P_FLOOR)
    } else {
        p_churn
    };
    let d = spec.discount_per_period;
    let lifetime = discounted_survival_sum(p, 0.0, h);
    let clv = margin * discounted_survival_sum(p, d, h);
    // Retained through this period: this period's margin, then the next H − 1 periods.
    let rest = match h {
        Some(1) => 0.0,
        _ => discounted_survival_sum(p, d, h.map(|h| h - 1)),
    };
    let value_at_risk = p * margin * (1.0 + rest) / (1.0 + d);
    for (what, v) in [
        ("expected lifetime", lifetime),
        ("CLV", clv),
        ("value at risk", value_at_risk),
    ] {
        if !v.is_finite() {
            return Err(ModelError::Numerical(format!(
                "subscription {what} is not finite ({v})"
            )));
        }
    }
    Ok(SubscriptionValue {
        expected_lifetime_periods: lifetime,
        clv,
        value_at_risk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(d: f64, h: Option<u32>) -> SubscriptionSpec {
        SubscriptionSpec {
            discount_per_period: d,
            horizon_periods: h,
        }
    }

    /// Term-by-term sums, with no subtraction anywhere.
    fn brute(p: f64, m: f64, d: f64, h: u32) -> (f64, f64) {
        let (mut life, mut clv) = (0.0, 0.0);
        let r = (1.0 - p) / (1.0 + d);
        for t in 1..=h as i32 {
            life += (1.0 - p).powi(t);
            clv += m * r.powi(t);
        }
        (life, clv)
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs()) || (a == 0.0 && b == 0.0)
    }

    #[test]
    fn closed_form_matches_brute_force() {
        let cases = [
            (0.2, 0.1, 12),
            (0.05, 0.01, 60),
            (0.5, 0.0, 5),
            (0.0, 0.02, 24),
            (0.0, 0.0, 36),
            (0.99, 0.3, 3),
            (0.3, 0.0, 1),
            (1e-6, 1e-7, 1000),
            (1e-8, 1e-9, 1000),
            // 1 − r ≈ 1.1e-12: a naive (1 − r^H)/(1 − r) would keep only ~4 digits.
            (1e-12, 1e-13, 10),
            (0.0, 1e-14, 7),
        ];
        for (p, d, h) in cases {
            let v = subscription_value(p, 37.5, &spec(d, Some(h))).unwrap();
            let (life, clv) = brute(p, 37.5, d, h);
            assert!(
                close(v.expected_lifetime_periods, life, 1e-9),
                "{p} {d} {h}: {v:?} vs {life}"
            );
            assert!(close(v.clv, clv, 1e-9), "{p} {d} {h}: {v:?} vs {clv}");
            // p × (this period's margin + the next h − 1 periods' value), discounted once.
            let (_, rest) = brute(p, 37.5, d, h - 1);
            let var = p * (37.5 + rest) / (1.0 + d);
            assert!(close(v.value_at_risk, var, 1e-9), "{v:?} vs {var}");
            // The identity CLV = (1 − p) × value if retained, so VaR = CLV p/(1 − p).
            if p < 1.0 && p > 0.0 {
                assert!(close(v.value_at_risk * (1.0 - p), clv * p, 1e-9));
            }
        }
    }

    #[test]
    fn zero_churn_with_horizon() {
        // No churn, no discount: lifetime = H, CLV = m H, nothing at risk.
        let v = subscription_value(0.0, 10.0, &spec(0.0, Some(24))).unwrap();
        assert_eq!(v.expected_lifetime_periods, 24.0);
        assert!((v.clv - 240.0).abs() < 1e-12);
        assert_eq!(v.value_at_risk, 0.0);
    }

    #[test]
    fn certain_churn_is_worth_nothing_but_puts_its_value_at_risk() {
        for s in [spec(0.1, None), spec(0.0, Some(12)), spec(0.05, Some(1))] {
            let v = subscription_value(1.0, 50.0, &s).unwrap();
            assert_eq!(v.expected_lifetime_periods, 0.0, "{s:?}");
            assert_eq!(v.clv, 0.0, "{s:?}");
            // Retained this period they would pay one margin and then churn for sure.
            let var = 50.0 / (1.0 + s.discount_per_period);
            assert!(close(v.value_at_risk, var, 1e-12), "{s:?}: {v:?}");
        }
    }

    #[test]
    fn textbook_infinite_horizon() {
        // m = 100, p = 0.2, d = 0.1: r = 0.8/1.1, CLV = 100 r/(1 − r) = 800/3, L = 0.8/0.2 = 4.
        let v = subscription_value(0.2, 100.0, &spec(0.1, None)).unwrap();
        assert!((v.clv - 800.0 / 3.0).abs() < 1e-10, "{v:?}");
        assert!((v.expected_lifetime_periods - 4.0).abs() < 1e-12, "{v:?}");
        // Retained, they are worth CLV/(1 − p) = 1000/3; at risk with p = 0.2: 200/3.
        assert!((v.value_at_risk - 200.0 / 3.0).abs() < 1e-10, "{v:?}");
        // A long finite horizon approaches the infinite one from below.
        let long = subscription_value(0.2, 100.0, &spec(0.1, Some(400))).unwrap();
        assert!((long.clv - v.clv).abs() < 1e-9 && long.clv <= v.clv);
    }

    #[test]
    fn infinite_horizon_tiny_p_is_floored_and_finite() {
        let v = subscription_value(0.0, 100.0, &spec(0.01, None)).unwrap();
        // Lifetime (1 − 1e-9)/1e-9 ≈ 1e9; CLV ≈ m/d.
        assert!((v.expected_lifetime_periods - (1.0 - 1e-9) / 1e-9).abs() < 1e-3);
        assert!((v.clv - 100.0 * (1.0 - 1e-9) / (1e-9 + 0.01)).abs() < 1e-9);
        assert!(v.value_at_risk.is_finite() && v.value_at_risk > 0.0);
        // Tiny p and d, no horizon: m (1 − p)/(p + d) exactly.
        let v = subscription_value(3e-9, 1.0, &spec(2e-9, None)).unwrap();
        assert!(close(v.clv, (1.0 - 3e-9) / 5e-9, 1e-12), "{v:?}");
    }

    #[test]
    fn negative_margin_gives_negative_value() {
        let v = subscription_value(0.1, -20.0, &spec(0.05, Some(12))).unwrap();
        let (_, clv) = brute(0.1, -20.0, 0.05, 12);
        assert!(v.clv < 0.0 && close(v.clv, clv, 1e-12));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let ok = spec(0.1, None);
        for p in [-0.1, 1.1, f64::NAN, f64::INFINITY] {
            assert!(subscription_value(p, 1.0, &ok).is_err(), "p = {p}");
        }
        for m in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(subscription_value(0.1, m, &ok).is_err(), "m = {m}");
        }
        for s in [
            spec(-0.01, Some(5)),
            spec(f64::NAN, Some(5)),
            spec(f64::INFINITY, Some(5)),
            spec(11.0, Some(5)),
            spec(0.1, Some(0)),
        ] {
            assert!(s.validate().is_err(), "{s:?}");
            assert!(subscription_value(0.1, 1.0, &s).is_err(), "{s:?}");
        }
        let err = spec(0.0, None).validate().unwrap_err().to_string();
        assert!(err.contains("horizon"), "{err}");
        assert!(subscription_value(0.0, 1.0, &spec(0.0, None)).is_err());
        // Overflowing products are refused, not returned as infinity.
        assert!(subscription_value(0.0, f64::MAX, &spec(0.0, Some(10))).is_err());
    }
}
