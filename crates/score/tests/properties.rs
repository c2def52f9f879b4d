//! Property tests of the scoring layer's invariants over random valid customers and every
//! purchase model with plausible parameters (issue 13): every scored column finite,
//! probabilities in [0, 1], CLV ≥ 0 and value at risk ≤ CLV, the fast formulas equal to the
//! naive ones wherever the naive ones are finite, and fit → save → load → score identical.
//!
//! The models' own invariants (P(alive), P(X(t) = x), likelihood, Gamma-Gamma) are tested in
//! `crates/models/tests/properties.rs`; these are what the score table, the score file, the
//! segments and the churn scores add on top.
//!
//! Artefacts are built from the shipped `models/cdnow.json` (its envelope, metadata, CLV
//! defaults and reference base are real) with each case's parameters swapped in, and churn
//! artefacts from a pipeline fitted on a small fixed table: the score crate cannot depend on
//! `retain-train`, which depends on it. Each property says in a comment what would make it fail.
//!
//! Case counts are moderate (the crate is built at opt-level 3 in dev, so this binary runs in
//! seconds); proptest seeds from its own RNG and records failures for replay.

#[path = "properties/churn.rs"]
mod churn;
#[path = "properties/clv.rs"]
mod clv;

use polars::prelude::{DataFrame, DataType};
use proptest::prelude::*;
use retain_core::summary::Summaries;
use retain_core::time::{DiscountRate, Duration, TimeUnit};
use retain_models::btyd::{PurchaseKind, PurchaseModel};
use retain_models::spend::gammagamma::GammaGamma;
use retain_score::artefact::ClvArtefact;
use std::sync::OnceLock;

/// A value on a log scale over [lo, hi].
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..hi.ln()).prop_map(f64::exp)
}

/// A model parameter over [0.05, 30]: every model here takes positive parameters, and this
/// range spans the fits seen in practice (CDNOW's r 0.24 to α 11.7) with margin.
fn param() -> impl Strategy<Value = f64> {
    log_uniform(0.05, 30.0)
}

/// A purchase model of any kind in `PurchaseKind::ALL`, so a new model is covered as soon as it
/// is in the dispatch list.
fn purchase_model() -> impl Strategy<Value = PurchaseModel> {
    prop::sample::select(PurchaseKind::ALL.to_vec()).prop_flat_map(|kind| {
        prop::collection::vec(param(), kind.param_names().len()).prop_map(move |values| {
            kind.from_values(&values)
                .expect("positive finite parameters are valid")
        })
    })
}

/// A Gamma-Gamma spend model (q > 1: a finite population mean spend, as validation demands).
fn spend_model() -> impl Strategy<Value = GammaGamma> {
    (param(), log_uniform(1.05, 30.0), param()).prop_map(|(p, q, gamma)| GammaGamma { p, q, gamma })
}

/// One customer's summary in the model's unit (weeks).
#[derive(Debug, Clone, Copy)]
struct Customer {
    x: u32,
    t_x: f64,
    t: f64,
    monetary: f64,
}

/// A valid summary: x ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 and monetary = 0 when x = 0, monetary ≥ 0.
/// Mostly ordinary customers, and the extremes: thousands of repeat purchases, the last one at T
/// or a hair before it, T of a minute and of up to ~100 years, zero spend. (Older customers make
/// Pareto/NBD's DERT fail: see `clv::pareto_nbd_scores_customers_of_centuries`.)
fn customer() -> impl Strategy<Value = Customer> {
    let x = prop_oneof![4 => 0u32..60, 1 => 1000u32..5000];
    let age = prop_oneof![
        4 => log_uniform(0.5, 200.0),
        1 => log_uniform(1e-4, 0.1),
        1 => log_uniform(1e3, 5e3),
    ];
    let recency = prop_oneof![3 => 0.0f64..=1.0, 1 => Just(1.0), 1 => (1.0 - 1e-9)..1.0];
    let monetary = prop_oneof![1 => Just(0.0), 4 => log_uniform(0.01, 1e4)];
    (x, age, recency, monetary).prop_map(|(x, t, u, m)| match x {
        0 => Customer {
            x,
            t_x: 0.0,
            t,
            monetary: 0.0,
        },
        _ => Customer {
            x,
            t_x: u * t,
            t,
            monetary: m,
        },
    })
}

/// The customers as summaries (ids `c0`, `c1`, ...).
fn summaries(customers: &[Customer]) -> Summaries {
    Summaries {
        ids: (0..customers.len()).map(|i| format!("c{i}")).collect(),
        x: customers.iter().map(|c| c.x).collect(),
        t_x: customers.iter().map(|c| c.t_x).collect(),
        t: customers.iter().map(|c| c.t).collect(),
        monetary: customers.iter().map(|c| c.monetary).collect(),
        ..Default::default()
    }
}

/// A scoring horizon as users give them: whole steps of the artefact's default step (months),
/// or not (weeks, days), in and out of the model's unit.
fn horizon() -> impl Strategy<Value = Duration> {
    prop::sample::select(vec![
        Duration::new(1.0, TimeUnit::Week),
        Duration::new(13.0, TimeUnit::Week),
        Duration::new(52.0, TimeUnit::Week),
        Duration::new(30.0, TimeUnit::Day),
        Duration::new(6.0, TimeUnit::Month),
        Duration::new(1.0, TimeUnit::Year),
        Duration::new(2.0, TimeUnit::Year),
    ])
}

/// An annual discount rate from 0.5% to 50%.
fn discount() -> impl Strategy<Value = DiscountRate> {
    log_uniform(0.005, 0.5).prop_map(|rate| DiscountRate {
        rate,
        per: Duration::new(1.0, TimeUnit::Year),
    })
}

/// The shipped CDNOW artefact, parsed once.
fn shipped() -> &'static ClvArtefact {
    static SHIPPED: OnceLock<ClvArtefact> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/cdnow.json");
        let text = std::fs::read_to_string(path).expect("models/cdnow.json is in the repository");
        ClvArtefact::from_json(&text).expect("the shipped artefact loads")
    })
}

/// The shipped artefact with `purchase` and `spend` in place of its own models.
fn clv_artefact(purchase: PurchaseModel, spend: Option<GammaGamma>) -> ClvArtefact {
    let mut a = shipped().clone();
    a.purchase = purchase;
    if spend.is_none() {
        a.spend_fit = None;
    }
    a.spend = spend;
    a
}

/// Fails unless every floating-point cell of `df` is present and finite; the next-purchase
/// columns may be empty (documented: an infinite mean, or no purchase possible within the
/// horizon), but what they hold is finite.
fn frame_is_finite(df: &DataFrame) -> Result<(), TestCaseError> {
    for c in df.columns() {
        if c.dtype() != &DataType::Float64 {
            continue;
        }
        let may_be_empty = c
            .name()
            .starts_with(retain_score::score_file::NEXT_PURCHASE);
        let values = c.f64().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (row, v) in values.iter().enumerate() {
            prop_assert!(
                v.map_or(may_be_empty, f64::is_finite),
                "column {} row {row}: {v:?}",
                c.name()
            );
        }
    }
    Ok(())
}

/// Whether two columns hold the same bits (NaN equal to itself, −0 unequal to 0).
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Whether `p` is a probability.
fn is_probability(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}
