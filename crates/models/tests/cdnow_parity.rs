//! Parity with the published CDNOW results (Fader, Hardie & Lee 2005; weeks, 39-week
//! calibration) and with lifetimes 0.11.3 on the same data. Reference values are hard-coded with
//! their source; `bench/peer_reference.py` regenerates the lifetimes ones.

use approx::assert_relative_eq;
use retain_core::patterns::Patterns;
use retain_core::time::{DiscountRate, Duration, TimeUnit};
use retain_models::btyd::PurchaseModel;
use retain_models::btyd::PurchaseProcess;
use retain_models::btyd::bgnbd::BgNbd;
use retain_models::btyd::mbgnbd::MbgNbd;
use retain_models::btyd::paretonbd::ParetoNbd;
use retain_models::clv::{ClvSpec, ClvSteps, clv};
use retain_models::fit::FitOptions;
use retain_models::spend::SpendModel;
use retain_models::spend::gammagamma::GammaGamma;

struct Cdnow {
    x: Vec<u32>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    zbar: Vec<f64>,
}

/// The published per-customer summary (a copy of ../shared/data in tests/data; ID,x,t_x,T,zbar).
fn cdnow() -> Cdnow {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/cdnow_customers_summary_with_transactions.csv"
    );
    let text = std::fs::read_to_string(path).expect("shared CDNOW summary");
    let mut d = Cdnow {
        x: vec![],
        t_x: vec![],
        t: vec![],
        zbar: vec![],
    };
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        d.x.push(f[1] as u32);
        d.t_x.push(f[2]);
        d.t.push(f[3]);
        d.zbar.push(f[4]);
    }
    assert_eq!(d.x.len(), 2357);
    d
}

fn patterns(d: &Cdnow) -> Patterns {
    Patterns::compress(&d.x, &d.t_x, &d.t).unwrap()
}

#[test]
fn bgnbd_reproduces_fader_hardie_lee_2005() {
    let d = cdnow();
    let (m, res) = BgNbd::fit(&patterns(&d), &FitOptions::default()).unwrap();
    // FHL 2005 / lifetimes: r 0.2426, alpha 4.4136, a 0.7929, b 2.4259; LL -9582.43.
    assert_relative_eq!(m.r, 0.2426, max_relative = 2e-3);
    assert_relative_eq!(m.alpha, 4.4136, max_relative = 2e-3);
    assert_relative_eq!(m.a, 0.7929, max_relative = 2e-3);
    assert_relative_eq!(m.b, 2.4259, max_relative = 2e-3);
    assert!(
        (res.log_likelihood - -9582.43).abs() < 0.01,
        "LL {}",
        res.log_likelihood
    );
    assert!(
        res.std_errors
            .iter()
            .all(|s| s.is_some_and(|v| v > 0.0 && v.is_finite()))
    );
    // Uncompressed data gives the same optimum.
    let (m2, _) = BgNbd::fit(
        &Patterns::uncompressed(&d.x, &d.t_x, &d.t).unwrap(),
        &FitOptions::default(),
    )
    .unwrap();
    assert_relative_eq!(m.r, m2.r, max_relative = 1e-5);
}

#[test]
fn paretonbd_reproduces_the_published_fit() {
    let d = cdnow();
    let (m, res) = ParetoNbd::fit(&patterns(&d), &FitOptions::default()).unwrap();
    // Published / lifetimes: r 0.5533, alpha 10.5778, s 0.6062, beta 11.6669; LL -9594.97.
    assert_relative_eq!(m.r, 0.5533, max_relative = 5e-3);
    assert_relative_eq!(m.alpha, 10.5778, max_relative = 5e-3);
    assert_relative_eq!(m.s, 0.6062, max_relative = 5e-3);
    assert_relative_eq!(m.beta, 11.6669, max_relative = 5e-3);
    assert!(
        (res.log_likelihood - -9594.97).abs() < 0.02,
        "LL {}",
        res.log_likelihood
    );
}

#[test]
fn mbgnbd_reproduces_lifetimes() {
    let d = cdnow();
    let (m, res) = MbgNbd::fit(&patterns(&d), &FitOptions::default()).unwrap();
    // lifetimes 0.11.3 ModifiedBetaGeoFitter: r 0.5248, alpha 6.1831, a 0.8914, b 1.6140; LL -9582.14.
    assert_relative_eq!(m.r, 0.5248, max_relative = 5e-3);
    assert_relative_eq!(m.alpha, 6.1831, max_relative = 5e-3);
    assert_relative_eq!(m.a, 0.8914, max_relative = 5e-3);
    assert_relative_eq!(m.b, 1.6140, max_relative = 5e-3);
    assert!(
        (res.log_likelihood - -9582.14).abs() < 0.02,
        "LL {}",
        res.log_likelihood
    );
}

#[test]
fn gammagamma_reproduces_fader_hardie_lee_rfm_clv() {
    let d = cdnow();
    let (m, res, n) = GammaGamma::fit(&d.x, &d.zbar, &FitOptions::default()).unwrap();
    assert_eq!(n, 946);
    // FHL 2005 "RFM and CLV" / lifetimes: p 6.2488, q 3.7446, gamma 15.4477; LL -4055.92.
    assert_relative_eq!(m.p, 6.2488, max_relative = 2e-3);
    assert_relative_eq!(m.q, 3.7446, max_relative = 2e-3);
    assert_relative_eq!(m.gamma, 15.4477, max_relative = 2e-3);
    assert!(
        (res.log_likelihood - -4055.92).abs() < 0.02,
        "LL {}",
        res.log_likelihood
    );
}

#[test]
fn bgnbd_predictions_match_the_paper() {
    let m = BgNbd {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.7929,
        b: 2.4259,
    };
    // FHL 2005: customer with x=2, t_x=30.43, T=38.86: E[X(39)] = 1.2259, P(alive) = 0.7266.
    assert!((m.expected_purchases(39.0, 2, 30.43, 38.86).unwrap() - 1.2259).abs() < 5e-4);
    assert!((m.p_alive(2, 30.43, 38.86) - 0.7266).abs() < 5e-4);
    // Unconditional E[X(t)]: 0.0532, 0.1506 at t = 1, 3 with the paper's parameters. The issue's
    // 1.8576 at t = 78 is what the *fitted* parameters give (lifetimes: 1.85797); with the
    // paper's rounded parameters lifetimes gives 1.8605190579427455, and so do we.
    let p = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    for (t, v) in [(1.0, 0.0532), (3.0, 0.1506)] {
        assert!(
            (p.expected_purchases_new(t).unwrap() - v).abs() < 5e-4,
            "t={t}"
        );
    }
    assert_relative_eq!(
        p.expected_purchases_new(78.0).unwrap(),
        1.8605190579427455,
        max_relative = 1e-10
    );
    assert!((m.expected_purchases_new(78.0).unwrap() - 1.8576).abs() < 5e-4);
}

#[test]
fn bgnbd_predicts_the_holdout_total() {
    let d = cdnow();
    let (m, _) = BgNbd::fit(&patterns(&d), &FitOptions::default()).unwrap();
    let total: f64 = (0..d.x.len())
        .map(|i| {
            m.expected_purchases(39.0, d.x[i], d.t_x[i], d.t[i])
                .unwrap()
        })
        .sum();
    // FHL 2005: 1653.4 predicted holdout purchases (actual 1882).
    assert!((total - 1653.4).abs() < 1.0, "{total}");
}

#[test]
fn paretonbd_predictions_match_the_published_values() {
    let m = ParetoNbd {
        r: 0.5533,
        alpha: 10.5778,
        s: 0.6062,
        beta: 11.6669,
    };
    // Customer (26, 30.86, 31): P(alive) 0.9979, E[X(52)] 25.46.
    assert!((m.p_alive(26, 30.86, 31.0) - 0.9979).abs() < 5e-4);
    assert!((m.expected_purchases(52.0, 26, 30.86, 31.0).unwrap() - 25.46).abs() < 0.01);
}

#[test]
fn paretonbd_stress_case_from_clvtools_stays_finite() {
    let m = ParetoNbd {
        r: 0.5143,
        alpha: 2.8845,
        s: 0.2856,
        beta: 14.1087,
    };
    let x = [221, 254, 161, 204];
    let t_x = [103.43, 97.14, 94.71, 98.57];
    let t = [103.57, 97.29, 98.00, 99.43];
    for i in 0..4 {
        let p = m.p_alive(x[i], t_x[i], t[i]);
        assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{p}");
        let e = m.expected_purchases(52.0, x[i], t_x[i], t[i]).unwrap();
        assert!(e.is_finite() && e > 0.0);
    }
    // The customer who went quiet for 3.3 weeks at ~2 purchases a week is very likely gone.
    assert!(m.p_alive(161, 94.71, 98.0) < m.p_alive(221, 103.43, 103.57));
}

#[test]
fn twelve_month_clv_matches_lifetimes_convention() {
    let d = cdnow();
    let (bg, _) = BgNbd::fit(&patterns(&d), &FitOptions::default()).unwrap();
    let (gg, _, _) = GammaGamma::fit(&d.x, &d.zbar, &FitOptions::default()).unwrap();
    let model = PurchaseModel::Bgnbd(bg);
    // lifetimes: 12 monthly steps of 4.345 weeks, 1% a month.
    let spec = ClvSpec {
        horizon: Duration::new(12.0 * 4.345, TimeUnit::Week),
        step: Duration::new(4.345, TimeUnit::Week),
        discount: DiscountRate {
            rate: 0.01,
            per: Duration::new(4.345, TimeUnit::Week),
        },
    };
    let steps = ClvSteps::new(&spec, TimeUnit::Week).unwrap();
    let value = |i: usize| {
        clv(
            &model.posterior(d.x[i], d.t_x[i], d.t[i]),
            &steps,
            gg.expected_spend(d.x[i], d.zbar[i]),
        )
        .unwrap()
    };
    // Customer 1 (master id 00004): 36.28; sum over 2,357 customers 71,510 (±0.1%).
    assert!((value(0) - 36.28).abs() < 0.01, "{}", value(0));
    let total: f64 = (0..d.x.len()).map(value).sum();
    assert_relative_eq!(total, 71_510.0, max_relative = 1e-3);
}

#[test]
fn the_shipped_cdnow_artefact_loads_and_serialises_unchanged() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");
    let text = std::fs::read_to_string(path).expect("shipped artefact");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let purchase: PurchaseModel = serde_json::from_value(json["purchase"].clone()).unwrap();
    purchase.validate().unwrap();
    assert_eq!(purchase.kind().name(), "pareto-nbd");
    // Same tag, same field names, same numbers to the bit.
    assert_eq!(serde_json::to_value(purchase).unwrap(), json["purchase"]);
    let spend: SpendModel = serde_json::from_value(json["spend"].clone()).unwrap();
    spend.validate().unwrap();
    assert_eq!(serde_json::to_value(spend).unwrap(), json["spend"]);
    // The parameter names the artefact reports are the model's, in its order.
    let names: Vec<&str> = json["purchase_fit"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, purchase.names());
    // The artefact's parameters written in the literature's order, as before the enum moved.
    let compact = serde_json::to_string(&purchase).unwrap();
    assert!(
        compact.starts_with(r#"{"kind":"pareto-nbd","params":{"r":"#)
            && compact.contains(r#","alpha":"#),
        "{compact}"
    );
}
