use super::*;
use retain_core::time::{DiscountRate, Duration};
use retain_models::btyd::bgnbd::BgNbd;
use retain_models::btyd::mbgnbd::MbgNbd;
use retain_models::btyd::paretonbd::ParetoNbd;

/// CDNOW fits (BG/NBD: Fader, Hardie & Lee 2005; the others: this crate's fits, rounded).
fn models() -> [PurchaseModel; 3] {
    [
        PurchaseModel::Bgnbd(BgNbd {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7929,
            b: 2.4259,
        }),
        PurchaseModel::ParetoNbd(ParetoNbd {
            r: 0.5534,
            alpha: 10.5802,
            s: 0.6061,
            beta: 11.6562,
        }),
        PurchaseModel::Mbgnbd(MbgNbd {
            r: 0.5253,
            alpha: 6.1829,
            a: 0.8910,
            b: 1.6144,
        }),
    ]
}

const SPEND: GammaGamma = GammaGamma {
    p: 6.2488,
    q: 3.7448,
    gamma: 15.4440,
};

/// 60 customers of every kind: none, few and many repeat purchases, recent and long silent.
fn base() -> Summaries {
    let mut s = Summaries::default();
    for i in 0..60u32 {
        let t = 30.0 + (i % 7) as f64 * 7.0;
        let x = (i * 7) % 13;
        s.x.push(x);
        s.t.push(t);
        s.t_x.push(if x == 0 {
            0.0
        } else {
            t * ((i % 5) as f64 + 0.5) / 5.5
        });
        s.monetary.push(if x == 0 { 0.0 } else { 10.0 + i as f64 });
    }
    s
}

fn spec() -> ClvSpec {
    ClvSpec {
        horizon: Duration::new(52.0, TimeUnit::Week),
        step: Duration::new(1.0, TimeUnit::Week),
        discount: DiscountRate {
            rate: 0.1,
            per: Duration::new(1.0, TimeUnit::Year),
        },
    }
}

fn btyd(m: &PurchaseModel) -> Btyd<'_> {
    Btyd {
        purchase: m,
        spend: Some(&SPEND),
        time_unit: TimeUnit::Week,
    }
}

#[test]
fn no_uplift_reproduces_the_baseline_exactly() {
    for m in models() {
        assert_eq!(reduce_dropout(&m, 0.0).unwrap(), m);
        for mode in [Mode::Dropout, Mode::PAlive] {
            let out = btyd_whatif(&btyd(&m), &base(), &spec(), mode, &[0.0]).unwrap();
            assert_eq!(out[0].changes.len(), 2);
            for c in &out[0].changes {
                assert_eq!(c.new, c.baseline, "{m:?} {mode:?} {c:?}");
                assert_eq!((c.change, c.change_pct), (0.0, Some(0.0)));
                assert!(c.baseline > 0.0);
            }
        }
    }
    let value = subscription_spec(Some(24));
    let out = subscription_whatif(&value, &[0.1, 0.3, 1.0], &[50.0, 20.0, 9.0], &[0.0]).unwrap();
    assert!(out[0].changes.iter().all(|c| c.new == c.baseline));
}

#[test]
fn value_rises_with_the_uplift() {
    let uplifts = [0.0, 0.01, 0.05, 0.1, 0.3, 0.6, 0.9];
    for m in models() {
        for mode in [Mode::Dropout, Mode::PAlive] {
            let out = btyd_whatif(&btyd(&m), &base(), &spec(), mode, &uplifts).unwrap();
            for k in 0..2 {
                let v: Vec<f64> = out.iter().map(|s| s.changes[k].new).collect();
                assert!(
                    v.windows(2).all(|w| w[1] > w[0]),
                    "{m:?} {mode:?} {}: {v:?}",
                    out[0].changes[k].measure
                );
            }
            let p: Vec<f64> = out.iter().map(|s| s.mean_p_alive.unwrap()).collect();
            assert!(p.windows(2).all(|w| w[1] >= w[0]), "{m:?} {mode:?}: {p:?}");
        }
    }
    let value = subscription_spec(None);
    let out = subscription_whatif(&value, &[0.1, 0.3], &[50.0, 20.0], &uplifts).unwrap();
    let v: Vec<f64> = out.iter().map(|s| s.changes[1].new).collect();
    assert!(v.windows(2).all(|w| w[1] > w[0]), "{v:?}");
}

#[test]
fn beta_dropout_mean_is_scaled_with_its_total_kept() {
    for m in [models()[0], models()[2]] {
        let (a, b) = (m.values()[2], m.values()[3]);
        let s = reduce_dropout(&m, 0.1).unwrap().values();
        assert!((s[2] + s[3] - (a + b)).abs() < 1e-12);
        assert!((s[2] / (s[2] + s[3]) - 0.9 * a / (a + b)).abs() < 1e-12);
        assert_eq!(&s[..2], &m.values()[..2]);
    }
    assert!(check_uplift(1.0).is_err() && check_uplift(-0.01).is_err());
}

#[test]
fn pareto_new_customer_purchases_match_the_scaled_parameters() {
    let m = models()[1];
    let PurchaseModel::ParetoNbd(p) = m else {
        unreachable!()
    };
    for u in [0.01, 0.05, 0.1, 0.5] {
        let scaled = reduce_dropout(&m, u).unwrap();
        let beta = p.beta / (1.0 - u);
        for t in [1.0, 39.0, 78.0, 520.0] {
            // E[X(t)] = r β / (α (s − 1)) · (1 − (β / (β + t))^(s − 1)) (Schmittlein et al. 1987).
            let direct =
                p.r * beta / (p.alpha * (p.s - 1.0)) * (1.0 - (beta / (beta + t)).powf(p.s - 1.0));
            let got = scaled.expected_purchases_new(t).unwrap();
            assert!(
                (got - direct).abs() <= 1e-12 * direct,
                "u {u} t {t}: {got} vs {direct}"
            );
            assert!(got > m.expected_purchases_new(t).unwrap());
        }
    }
}

#[test]
fn p_alive_multiplies_every_prediction_of_all_three_models() {
    // Same x and T, different recency: different P(alive), the same expectation given alive.
    let steps = ClvSteps::new(&spec(), TimeUnit::Week).unwrap();
    for m in models() {
        let (x, t) = (4, 60.0);
        let ratios: Vec<(f64, f64)> = [5.0, 30.0, 58.0]
            .iter()
            .map(|&t_x| {
                let post = m.posterior(x, t_x, t);
                let p = post.p_alive();
                let e = post.expected_purchases(26.0).unwrap();
                (e / p, clv(&post, &steps, 30.0).unwrap() / p)
            })
            .collect();
        for r in &ratios[1..] {
            assert!((r.0 - ratios[0].0).abs() < 1e-10 * r.0, "{m:?}: {ratios:?}");
            assert!((r.1 - ratios[0].1).abs() < 1e-10 * r.1, "{m:?}: {ratios:?}");
        }
    }
}

fn subscription_spec(months: Option<u32>) -> ValueSpec {
    ValueSpec {
        margin_column: "margin".into(),
        margin_rate: 1.0,
        period: Duration::new(1.0, TimeUnit::Month),
        discount: "12%/year".parse().unwrap(),
        horizon: months.map(|h| Duration::new(h as f64, TimeUnit::Month)),
    }
}

#[test]
fn subscription_clv_follows_the_closed_form_with_scaled_churn() {
    let d = 1.12f64.powf(1.0 / 12.0) - 1.0;
    let (p, m) = ([0.1, 0.3, 0.02], [50.0, 20.0, 80.0]);
    let brute = |u: f64| -> f64 {
        p.iter()
            .zip(&m)
            .map(|(&p, &m)| {
                let q = (1.0 - u) * p;
                (1..=24)
                    .map(|t| m * (1.0 - q).powi(t) / (1.0 + d).powi(t))
                    .sum::<f64>()
            })
            .sum()
    };
    let uplifts = [0.01, 0.05, 0.1, 0.25];
    let out = subscription_whatif(&subscription_spec(Some(24)), &p, &m, &uplifts).unwrap();
    for (s, &u) in out.iter().zip(&uplifts) {
        let c = &s.changes[1];
        assert_eq!(c.measure, "clv");
        assert!((c.baseline - brute(0.0)).abs() < 1e-9 * c.baseline);
        assert!(
            (c.new - brute(u)).abs() < 1e-9 * c.new,
            "u {u}: {} vs {}",
            c.new,
            brute(u)
        );
        assert!((c.change_pct.unwrap() - 100.0 * (brute(u) / brute(0.0) - 1.0)).abs() < 1e-6);
    }
}
