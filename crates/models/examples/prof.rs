use retain_core::patterns::Patterns;
use retain_models::bgnbd::BgNbd;
use retain_models::fit::FitOptions;
use retain_models::model::{PurchaseKind, PurchaseModel};
use retain_models::simulate::simulate;
use std::time::Instant;
fn main() {
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
    let sims = simulate(&truth, &ages, 42).unwrap();
    let day = |v: f64| (v * 7.0).floor() / 7.0;
    let (mut sx, mut stx, mut st) = (vec![], vec![], vec![]);
    for c in &sims {
        let mut days: Vec<f64> = c.purchases.iter().map(|&p| day(p)).collect();
        days.dedup();
        sx.push(days.len() as u32);
        stx.push(days.last().copied().unwrap_or(0.0));
        st.push(c.t);
    }
    let kinds: Vec<PurchaseKind> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    for k in kinds {
        let t0 = Instant::now();
        let p = Patterns::compress(&sx, &stx, &st).unwrap();
        let tc = t0.elapsed();
        let (_, r) = k.fit(&p, &FitOptions::default()).unwrap();
        println!(
            "{k}: compress {:?} total {:?} iters {} evals {}",
            tc,
            t0.elapsed(),
            r.convergence.iterations,
            r.convergence.evaluations
        );
    }
}
