use super::*;

/// Fader & Hardie (2007) "regular" customers: 1,000 customers of one cohort, churned per year
/// 1..7 and still active after year 7, from the published survival curve 100, 63.1, 46.8,
/// 38.2, 32.6, 28.9, 26.2, 24.1 % (the same customers as ../shared/data/sbg_regular.csv).
fn regular() -> Renewals {
    let mut r = Renewals::new();
    for (t, n) in [369, 163, 86, 56, 37, 27, 21].into_iter().enumerate() {
        for _ in 0..n {
            r.add(t as u32 + 1, true).unwrap();
        }
    }
    for _ in 0..241 {
        r.add(7, false).unwrap();
    }
    r
}

fn spec(d: f64, h: Option<u32>) -> SubscriptionSpec {
    SubscriptionSpec {
        discount_per_period: d,
        horizon_periods: h,
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

#[test]
fn sbg_recovers_fader_hardie_2007_regular_customers() {
    // Fader & Hardie (2007), "How to project customer retention", regular segment:
    // alpha 0.704, beta 1.182, LL -1680.27. mpmath (30 digits, findroot on the score) gives
    // alpha 0.70407730, beta 1.18204303, LL -1680.265188.
    let data = regular();
    assert_eq!((data.customers(), data.churned()), (1000.0, 759.0));
    let (m, res) = Sbg::fit(&data, &FitOptions::default()).unwrap();
    assert!((m.alpha - 0.704).abs() < 5e-4, "{m:?}");
    assert!((m.beta - 1.182).abs() < 5e-4, "{m:?}");
    assert!(
        (res.log_likelihood + 1680.27).abs() < 5e-3,
        "{}",
        res.log_likelihood
    );
    assert!(close(m.alpha, 0.704_077_298_473_516, 1e-7), "{m:?}");
    assert!(close(m.beta, 1.182_043_026_209_476, 1e-7), "{m:?}");
    assert!((res.log_likelihood - -1_680.265_188_463_287).abs() < 1e-6);
    assert!((m.log_likelihood(&data) - res.log_likelihood).abs() < 1e-9);
    // Standard errors from the exact Hessian are finite and smaller than the estimates.
    for (se, v) in res.std_errors.iter().zip(m.values()) {
        let se = se.unwrap();
        assert!(se > 0.0 && se < 0.5 * v, "{se} for {v}");
    }
    // The fitted curve goes through the published survival (within a point) and the
    // retention rate rises with tenure.
    for (t, s) in [63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]
        .into_iter()
        .enumerate()
    {
        let fitted = 100.0 * m.survival(t as u32 + 1);
        assert!((fitted - s).abs() < 1.0, "t {}: {fitted} vs {s}", t + 1);
    }
    assert!((1..12).all(|t| m.retention_rate(t + 1) > m.retention_rate(t)));
    assert_eq!(m.survival(0), 1.0);
    assert!((m.retention_rate(3) - m.survival(3) / m.survival(2)).abs() < 1e-12);
}

#[test]
fn the_gradient_and_hessian_are_the_likelihoods_derivatives() {
    let data = regular();
    let ll = Ll { data: &data };
    let th = [(-0.3f64), 0.2];
    let (mut g, mut h) = ([0.0; 2], [0.0; 4]);
    ll.value_grad_hess(&th, &mut g, &mut h);
    // Central differences, step 1e-5: truncation error ~1e-10 × the third derivative.
    let step = 1e-5;
    for j in 0..2 {
        let (mut up, mut down) = (th, th);
        up[j] += step;
        down[j] -= step;
        let (mut gu, mut gd) = ([0.0; 2], [0.0; 2]);
        let (vu, vd) = (ll.value_grad(&up, &mut gu), ll.value_grad(&down, &mut gd));
        let fd = (vu - vd) / (2.0 * step);
        assert!(
            (fd - g[j]).abs() < 1e-5 * (1.0 + g[j].abs()),
            "grad {j}: {fd} vs {}",
            g[j]
        );
        for i in 0..2 {
            let fd = (gu[i] - gd[i]) / (2.0 * step);
            let exact = h[i * 2 + j];
            assert!(
                (fd - exact).abs() < 1e-5 * (1.0 + exact.abs()),
                "hess {i}{j}: {fd} vs {exact}"
            );
        }
    }
}

#[test]
fn values_match_mpmath() {
    // Golden values from mpmath 1.3 (30 digits): DERL = q (b+n)/(a+b+n) hyp2f1(1, b+n+1,
    // a+b+n+1, q); elasticity = nsum(k s_k q^k)/nsum(s_k q^k); value at risk per unit of
    // margin = p/(1 - p) * DERL, with s_k = B(a, b+n+k)/B(a, b+n), p = a/(a+b+n).
    let cases = [
        (
            0.704,
            1.182,
            0,
            0.1,
            2.695_147_405_574_574,
            6.459_659_936_652_004,
            1.605_231_618_887_056,
        ),
        (
            0.704,
            1.182,
            4,
            0.1,
            5.358_566_236_221_964,
            7.744_497_240_421_44,
            0.727_987_385_237_411,
        ),
        (
            0.704,
            1.182,
            7,
            0.01,
            26.414_635_017_577_04,
            52.689_252_902_625_64,
            2.272_782_089_021_539,
        ),
        (
            3.8,
            15.2,
            2,
            0.1,
            3.260_494_233_222_078,
            4.752_738_602_462_29,
            0.720_341_749_200_227,
        ),
    ];
    for (a, b, n, d, derl, elasticity, var) in cases {
        let m = Sbg::new(a, b).unwrap();
        let v = m.unit_value(n, &spec(d, None)).unwrap();
        assert!(close(v.derl, derl, 1e-12), "{a} {b} {n} {d}: {v:?}");
        assert!(close(v.retention_elasticity, elasticity, 1e-12), "{v:?}");
        assert!(close(v.value_at_risk, var, 1e-12), "{v:?}");
        assert_eq!(v.survival_to_horizon, None);
        // 40 per period of margin: CLV and value at risk scale.
        let w = m.value(n, 40.0, &spec(d, None)).unwrap();
        assert!(close(w.clv, 40.0 * derl, 1e-12) && close(w.value_at_risk, 40.0 * var, 1e-12));
    }
    // α ≤ 1: the expected lifetime is infinite (None); α > 1: (β + n)/(α − 1).
    let v = Sbg::new(0.704, 1.182)
        .unwrap()
        .unit_value(3, &spec(0.1, None))
        .unwrap();
    assert_eq!(v.expected_lifetime_periods, None);
    let v = Sbg::new(3.8, 15.2)
        .unwrap()
        .unit_value(2, &spec(0.1, None))
        .unwrap();
    assert!(close(
        v.expected_lifetime_periods.unwrap(),
        17.2 / 2.8,
        1e-14
    ));
}

#[test]
fn horizon_sums_match_brute_force() {
    let m = Sbg::new(0.704, 1.182).unwrap();
    for (n, d, h) in [(0, 0.1, 1), (3, 0.0, 12), (10, 0.02, 60), (0, 0.5, 5)] {
        let v = m.unit_value(n, &spec(d, Some(h))).unwrap();
        let s = |k: u32| m.survival(n + k) / m.survival(n);
        let q = 1.0 / (1.0 + d);
        let derl: f64 = (1..=h).map(|k| s(k) * q.powi(k as i32)).sum();
        let life: f64 = (1..=h).map(&s).sum();
        let weighted: f64 = (1..=h)
            .map(|k| f64::from(k) * s(k) * q.powi(k as i32))
            .sum();
        assert!(close(v.derl, derl, 1e-12), "{n} {d} {h}: {v:?} vs {derl}");
        assert!(close(v.expected_lifetime_periods.unwrap(), life, 1e-12));
        assert!(close(v.survival_to_horizon.unwrap(), s(h), 1e-12));
        assert!(close(v.retention_elasticity, weighted / derl, 1e-12));
        // The value if this period's churn is averted: margin at n + 1 plus what follows.
        let p = m.churn_probability(n);
        let retained: f64 = (1..=h).map(|k| q.powi(k as i32) * s(k) / s(1)).sum();
        assert!(close(v.value_at_risk, p * retained, 1e-12));
    }
}

#[test]
fn bad_inputs_and_data_are_errors() {
    assert!(Sbg::new(0.0, 1.0).is_err() && Sbg::new(1.0, f64::NAN).is_err());
    let m = Sbg::new(0.7, 1.2).unwrap();
    assert!(m.value(1, f64::INFINITY, &spec(0.1, None)).is_err());
    assert!(m.unit_value(1, &spec(0.0, None)).is_err());
    // A discount too small to converge without a horizon is refused, not truncated.
    let e = m.unit_value(1, &spec(1e-9, None)).unwrap_err().to_string();
    assert!(e.contains("give a horizon"), "{e}");
    let mut r = Renewals::new();
    assert!(r.add(0, true).is_err());
    r.add(3, false).unwrap();
    assert!(
        Sbg::fit(&r, &FitOptions::default()).is_err(),
        "nobody churned"
    );
    let mut r = Renewals::new();
    r.add(1, true).unwrap();
    r.add(0, false).unwrap();
    let e = Sbg::fit(&r, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("beyond the first period"), "{e}");
}
