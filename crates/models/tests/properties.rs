//! Property tests of the models' invariants over random valid parameters and customers:
//! probabilities in [0, 1], predictions finite and ≥ 0, the stable formulas equal to the naive
//! ones wherever the naive ones are finite, and serialisation that changes nothing.
//!
//! Every purchase model in `PurchaseKind::ALL` is tested, so a new model is covered as soon as it
//! is in the dispatch list. Cases are few (the crate is built at opt-level 3 in dev, so these
//! take a few seconds); proptest seeds from its own RNG and records failures for replay.

use proptest::prelude::*;
use retain_core::patterns::Patterns;
use retain_models::btyd::bgnbd::BgNbd;
use retain_models::btyd::mbgnbd::MbgNbd;
use retain_models::btyd::{PurchaseKind, PurchaseModel, PurchaseProcess};
use retain_models::spend::gammagamma::GammaGamma;

const CASES: u32 = 256;

/// A parameter on a log scale over [0.05, 30]: every model here takes positive parameters, and
/// this range spans the fits seen in practice (CDNOW's r 0.24 to α 11.7) with margin.
fn param() -> impl Strategy<Value = f64> {
    (0.05f64.ln()..30f64.ln()).prop_map(f64::exp)
}

/// A purchase model of any kind with valid random parameters.
fn purchase_model() -> impl Strategy<Value = PurchaseModel> {
    prop::sample::select(PurchaseKind::ALL.to_vec()).prop_flat_map(|kind| {
        prop::collection::vec(param(), kind.param_names().len()).prop_map(move |values| {
            kind.from_values(&values)
                .expect("positive finite parameters are valid")
        })
    })
}

/// A customer (x, t_x, T): x ≥ 0 repeat purchases, 0 ≤ t_x ≤ T, and t_x = 0 exactly when x = 0.
fn customer() -> impl Strategy<Value = (u32, f64, f64)> {
    (0u32..60, 0.5f64..200.0, 0.0f64..=1.0).prop_map(|(x, t, u)| {
        let t_x = if x == 0 { 0.0 } else { (u * t).max(1e-3) };
        (x, t_x, t)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn p_alive_is_a_probability(m in purchase_model(), (x, t_x, t) in customer()) {
        let p = m.p_alive(x, t_x, t);
        prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{m:?} {x} {t_x} {t}: {p}");
    }

    #[test]
    fn expected_purchases_are_finite_and_not_negative(
        m in purchase_model(),
        (x, t_x, t) in customer(),
        horizon in 0.0f64..200.0,
    ) {
        let e = m.expected_purchases(horizon, x, t_x, t).unwrap();
        prop_assert!(e.is_finite() && e >= 0.0, "{m:?} {x} {t_x} {t} h {horizon}: {e}");
        let new = m.expected_purchases_new(horizon).unwrap();
        prop_assert!(new.is_finite() && new >= 0.0, "{m:?} t {horizon}: {new}");
        let p0 = m.p_no_purchase(horizon, x, t_x, t);
        prop_assert!((0.0..=1.0).contains(&p0), "{m:?}: P(no purchase) {p0}");
    }

    #[test]
    fn pmf_values_are_probabilities_that_sum_to_at_most_one(
        m in purchase_model(),
        t in 0.0f64..200.0,
    ) {
        let mut total = 0.0;
        for x in 0..=40 {
            let p = m.pmf(t, x).unwrap();
            prop_assert!((0.0..=1.0).contains(&p), "{m:?} t {t} x {x}: {p}");
            total += p;
        }
        prop_assert!(total <= 1.0 + 1e-9, "{m:?} t {t}: Σ P = {total}");
    }

    #[test]
    fn log_likelihood_is_finite(
        m in purchase_model(),
        customers in prop::collection::vec(customer(), 1..40),
    ) {
        let x: Vec<u32> = customers.iter().map(|c| c.0).collect();
        let t_x: Vec<f64> = customers.iter().map(|c| c.1).collect();
        let t: Vec<f64> = customers.iter().map(|c| c.2).collect();
        let p = Patterns::compress(&x, &t_x, &t).unwrap();
        let ll = m.log_likelihood(&p);
        // A density in t_x, so it may be positive: finiteness is the invariant.
        prop_assert!(ll.is_finite(), "{m:?}: {ll}");
    }

    #[test]
    fn serde_round_trip_gives_identical_predictions(
        m in purchase_model(),
        (x, t_x, t) in customer(),
    ) {
        let json = serde_json::to_string(&m).unwrap();
        let back: PurchaseModel = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, m);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
        prop_assert_eq!(back.p_alive(x, t_x, t).to_bits(), m.p_alive(x, t_x, t).to_bits());
        let (e1, e2) = (
            back.expected_purchases(52.0, x, t_x, t).unwrap(),
            m.expected_purchases(52.0, x, t_x, t).unwrap(),
        );
        prop_assert_eq!(e1.to_bits(), e2.to_bits());
        prop_assert_eq!(back.pmf(t, x).unwrap().to_bits(), m.pmf(t, x).unwrap().to_bits());
    }

    #[test]
    fn beta_geometric_p_alive_equals_the_direct_formula(
        (r, alpha, a, b) in (param(), param(), param(), param()),
        (x, t_x, t) in customer(),
    ) {
        // FHL 2005 eq. 6: 1 / (1 + [x > 0] a/(b+x−1) ((α+T)/(α+t_x))^(r+x)); MBG/NBD has b+x
        // and no [x > 0]. The library works with the log of the odds.
        let xf = f64::from(x);
        let ratio = ((alpha + t) / (alpha + t_x)).powf(r + xf);
        let bg = if x == 0 { 1.0 } else { 1.0 / (1.0 + a / (b + xf - 1.0) * ratio) };
        let mbg = 1.0 / (1.0 + a / (b + xf) * ratio);
        let got_bg = BgNbd { r, alpha, a, b }.p_alive(x, t_x, t);
        let got_mbg = MbgNbd { r, alpha, a, b }.p_alive(x, t_x, t);
        if ratio.is_finite() && bg > 1e-300 {
            prop_assert!((got_bg - bg).abs() <= 1e-9 * bg, "BG/NBD: {got_bg} vs {bg}");
        }
        if ratio.is_finite() && mbg > 1e-300 {
            prop_assert!((got_mbg - mbg).abs() <= 1e-9 * mbg, "MBG/NBD: {got_mbg} vs {mbg}");
        }
    }

    #[test]
    fn gamma_gamma_expected_spend_equals_the_credibility_mix(
        (p, q, gamma) in (param(), 1.05f64..30.0, param()),
        x in 0u32..200,
        m in 0.01f64..1000.0,
    ) {
        // FHL 2005 ("RFM and CLV") eq. 5: a weighted mean of the population mean p γ/(q−1) and
        // the customer's mean m, with weight (q−1)/(p x + q − 1) on the population.
        let gg = GammaGamma { p, q, gamma };
        let population = p * gamma / (q - 1.0);
        let w = (q - 1.0) / (p * f64::from(x) + q - 1.0);
        let direct = w * population + (1.0 - w) * m;
        let got = gg.expected_spend(x, m);
        prop_assert!(got.is_finite() && got > 0.0);
        prop_assert!((got - direct).abs() <= 1e-12 * direct, "{gg:?} x {x} m {m}: {got} vs {direct}");
    }
}
