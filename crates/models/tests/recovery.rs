//! Parameter recovery: simulate customers from known parameters (seeded), fit, and get the
//! parameters back.

use retain_core::patterns::Patterns;
use retain_models::btyd::PurchaseModel;
use retain_models::btyd::mbgnbd::MbgNbd;
use retain_models::btyd::simulate::simulate;
use retain_models::btyd::{bgnbd::BgNbd, paretonbd::ParetoNbd};
use retain_models::fit::FitOptions;

fn recover(truth: PurchaseModel, n: usize, seed: u64, tol: f64) {
    // Ages spread over a year at day resolution, in weeks, like a real acquisition window.
    let ages: Vec<f64> = (0..n)
        .map(|i| 26.0 + ((i * 7919) % 365) as f64 / 7.0)
        .collect();
    let sims = simulate(&truth, &ages, seed).unwrap();
    let (mut x, mut t_x, mut t) = (vec![], vec![], vec![]);
    for s in &sims {
        let (a, b, c) = s.summary();
        x.push(a);
        t_x.push(b);
        t.push(c);
    }
    let p = Patterns::compress(&x, &t_x, &t).unwrap();
    let (fitted, _) = truth.kind().fit(&p, &FitOptions::default()).unwrap();
    for ((name, want), got) in truth
        .names()
        .iter()
        .zip(truth.values())
        .zip(fitted.values())
    {
        let rel = (got - want).abs() / want;
        assert!(
            rel < tol,
            "{} {name}: true {want}, fitted {got} ({:.1}% off)",
            truth.kind(),
            rel * 100.0
        );
    }
}

#[test]
fn bgnbd_recovers_simulated_parameters_within_five_percent() {
    recover(
        PurchaseModel::Bgnbd(BgNbd {
            r: 0.25,
            alpha: 4.0,
            a: 0.8,
            b: 2.5,
        }),
        50_000,
        42,
        0.05,
    );
}

#[test]
fn paretonbd_recovers_simulated_parameters() {
    // Pareto/NBD's dropout parameters are less sharply identified than BG/NBD's; 10% at 50k.
    recover(
        PurchaseModel::ParetoNbd(ParetoNbd {
            r: 0.55,
            alpha: 10.0,
            s: 0.6,
            beta: 12.0,
        }),
        50_000,
        7,
        0.10,
    );
}

#[test]
fn mbgnbd_recovers_simulated_parameters() {
    recover(
        PurchaseModel::Mbgnbd(MbgNbd {
            r: 0.5,
            alpha: 6.0,
            a: 0.9,
            b: 1.6,
        }),
        50_000,
        3,
        0.10,
    );
}

#[test]
fn simulation_is_reproducible_by_seed() {
    let m = PurchaseModel::Bgnbd(BgNbd {
        r: 0.25,
        alpha: 4.0,
        a: 0.8,
        b: 2.5,
    });
    let a = simulate(&m, &[30.0; 100], 1).unwrap();
    let b = simulate(&m, &[30.0; 100], 1).unwrap();
    let c = simulate(&m, &[30.0; 100], 2).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(
        a.iter()
            .all(|s| s.purchases.iter().all(|&p| p > 0.0 && p <= 30.0))
    );
}
