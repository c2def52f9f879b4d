//! Fit-time benchmark: each model on the CDNOW sample and on 1,000,000 simulated customers
//! (summary → compressed patterns → fitted). Run with `cargo bench -p retain-models --bench fit`.
//! Prints medians of several runs; lifetimes 0.11.3 on the same machine needs 88 ms (BG/NBD),
//! 720 ms (Pareto/NBD), 79 ms (MBG/NBD), 44 ms (Gamma-Gamma) on CDNOW and 12.6 s for BG/NBD on
//! 1M customers (`bench/peer_reference.py`); on 1M simulated customers lifetimes needs 274 s
//! for Pareto/NBD and 2.45 s for Gamma-Gamma (`bench/peer_fit_1m.py --pareto`, one run each).
//! The ratios printed use those figures.

use retain_core::patterns::Patterns;
use retain_models::btyd::PurchaseProcess;
use retain_models::btyd::bgnbd::BgNbd;
use retain_models::btyd::simulate::simulate;
use retain_models::btyd::{PurchaseKind, PurchaseModel};
use retain_models::fit::FitOptions;
use retain_models::spend::gammagamma::GammaGamma;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/cdnow_customers_summary_with_transactions.csv"
    );
    let text = std::fs::read_to_string(path).expect("tests/data CDNOW summary");
    let (mut x, mut t_x, mut t, mut z) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line
            .split(',')
            .map(|v| v.trim().parse().expect("number"))
            .collect();
        x.push(f[1] as u32);
        t_x.push(f[2]);
        t.push(f[3]);
        z.push(f[4]);
    }
    let opts = FitOptions::default();
    // `RETAIN_FIT_BREAKDOWN_ONLY=1`: only the BG/NBD 1M breakdown at the end (for profiling).
    let breakdown_only = std::env::var_os("RETAIN_FIT_BREAKDOWN_ONLY").is_some();
    println!(
        "{:<34} {:>12} {:>14} {:>10}",
        "case", "retain", "lifetimes", "speed-up"
    );
    let peer = [
        (PurchaseKind::Bgnbd, 0.0881),
        (PurchaseKind::ParetoNbd, 0.7205),
        (PurchaseKind::Mbgnbd, 0.0791),
    ];
    for (kind, peer_s) in peer.into_iter().filter(|_| !breakdown_only) {
        let s = time(21, || {
            let p = Patterns::compress(&x, &t_x, &t).expect("valid");
            kind.fit(&p, &opts).expect("fit")
        });
        println!(
            "{:<34} {:>9.2} ms {:>11.1} ms {:>9.0}x",
            format!("{} CDNOW (2,357)", kind.display_name()),
            s * 1e3,
            peer_s * 1e3,
            peer_s / s
        );
    }
    let s = time(if breakdown_only { 1 } else { 21 }, || {
        GammaGamma::fit(&x, &z, &opts).expect("fit")
    });
    println!(
        "{:<34} {:>9.2} ms {:>11.1} ms {:>9.0}x",
        "Gamma-Gamma CDNOW (946)",
        s * 1e3,
        43.5,
        0.0435 / s
    );

    // 1M customers: ages spread over a year at day resolution, in weeks.
    let n: usize = 1_000_000;
    let truth = PurchaseModel::Bgnbd(BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    });
    let ages: Vec<f64> = (0..n)
        .map(|i| 13.0 + ((i * 7919) % 365) as f64 / 7.0)
        .collect();
    let sims = simulate(&truth, &ages, 42).expect("simulate");
    // Purchase times at day resolution, as a summary of a real log would have them.
    let day = |v: f64| (v * 7.0).floor() / 7.0;
    let (mut sx, mut stx, mut st) = (vec![], vec![], vec![]);
    for c in &sims {
        let mut days: Vec<f64> = c.purchases.iter().map(|&p| day(p)).collect();
        days.dedup();
        sx.push(days.len() as u32);
        stx.push(days.last().copied().unwrap_or(0.0));
        st.push(c.t);
    }
    for (kind, peer_s) in [
        (PurchaseKind::Bgnbd, Some(12.62)),
        (PurchaseKind::ParetoNbd, Some(274.0)),
        (PurchaseKind::Mbgnbd, None),
    ]
    .into_iter()
    .filter(|_| !breakdown_only)
    {
        let mut patterns = 0;
        let s = time(5, || {
            let p = Patterns::compress(&sx, &stx, &st).expect("valid");
            patterns = p.len();
            kind.fit(&p, &opts).expect("fit")
        });
        let (peer, ratio) = match peer_s {
            Some(p) => (format!("{:.0} ms", p * 1e3), format!("{:.0}x", p / s)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{:<34} {:>9.1} ms {:>14} {:>10}   ({patterns} patterns)",
            format!("{} 1M simulated", kind.display_name()),
            s * 1e3,
            peer,
            ratio
        );
    }
    // Gamma-Gamma on the same customers: mean repeat spend of x purchases, each Gamma(p, ν)
    // with ν ~ Gamma(q, γ) per customer (CDNOW-like p 6.25, q 3.74, γ 15.44).
    if !breakdown_only {
        use rand::{RngExt, SeedableRng};
        use rand_distr::Gamma;
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
        let (p, q, g) = (6.25, 3.74, 15.44);
        let nu_dist = Gamma::new(q, 1.0 / g).expect("gamma");
        let spend: Vec<f64> = sx
            .iter()
            .map(|&x| {
                if x == 0 {
                    return 0.0;
                }
                let nu: f64 = rng.sample(nu_dist);
                let total: f64 = rng.sample(Gamma::new(p * x as f64, 1.0 / nu).expect("gamma"));
                total / x as f64
            })
            .collect();
        let mut fitted = None;
        let s = time(5, || {
            let r = GammaGamma::fit(&sx, &spend, &opts).expect("fit");
            fitted = Some((r.0, r.2));
            r
        });
        let (m, buyers) = fitted.expect("ran");
        println!(
            "{:<34} {:>9.1} ms {:>11.0} ms {:>9.0}x   ({buyers} repeat buyers; p {:.3} q {:.3} gamma {:.3})",
            "Gamma-Gamma 1M simulated",
            s * 1e3,
            2450.0,
            2.45 / s,
            m.p,
            m.q,
            m.gamma
        );
    }
    // Where the BG/NBD time goes: compression, then the fit (iterations, evaluations).
    let runs = if breakdown_only { 21 } else { 5 };
    let compress = time(runs, || Patterns::compress(&sx, &stx, &st).expect("valid"));
    let p = Patterns::compress(&sx, &stx, &st).expect("valid");
    let mut conv = None;
    let fit = time(runs, || {
        let (m, res) = BgNbd::fit(&p, &opts).expect("fit");
        conv = Some(res.convergence.clone());
        m
    });
    let (m, _) = BgNbd::fit(&p, &opts).expect("fit");
    let group = time(runs, || retain_models::data::GroupedPatterns::new(&p));
    let one = time(runs, || m.log_likelihood(&p)) - group;
    println!(
        "BG/NBD 1M: compress {:.1} ms, fit {:.1} ms (grouping {:.1} ms, one evaluation {:.2} ms; {:?}); r {:.10} alpha {:.10} a {:.10} b {:.10}",
        compress * 1e3,
        fit * 1e3,
        group * 1e3,
        one * 1e3,
        conv,
        m.r,
        m.alpha,
        m.a,
        m.b
    );
}
