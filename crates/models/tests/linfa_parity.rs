//! The classifiers fitted through linfa's traits give, bit for bit, what the slice API they
//! replaced gave with the same seeds. Reference values: printed by the slice API at commit
//! 109e684 (`Logistic::fit(&x, 4, &y, 1.0, 500)`, `Gbdt::fit(&x, 4, &y, GbdtParams::default(),
//! 42)`, `Forest::fit(&x, 4, &y, ForestParams::default(), 42)`, probabilities by
//! `predict` / `predict_batch`) on the data below, as `f64::to_bits`.

use linfa::prelude::*;
use ndarray::{Array1, Array2, Ix1};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use retain_models::classifier::logistic::{Logistic, sigmoid};
use retain_models::classifier::model::Classifier;
use retain_models::classifier::trees::forest::Forest;
use retain_models::classifier::trees::gbdt::Gbdt;

/// Churn from an XOR of two features, a linear term and a threshold-free feature, with noise.
fn data(n: usize, seed: u64) -> (Vec<f64>, Vec<bool>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n * 4);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let a: f64 = rng.random::<f64>() * 2.0 - 1.0;
        let b: f64 = rng.random::<f64>() * 2.0 - 1.0;
        let c: f64 = rng.random();
        let d: f64 = rng.random();
        let z = if (a > 0.0) ^ (b > 0.0) { 1.5 } else { -1.5 } + 0.8 * a + c;
        x.extend([a, b, c, d]);
        y.push(rng.random::<f64>() < sigmoid(z - 0.9));
    }
    (x, y)
}

fn training() -> Dataset<f64, bool, Ix1> {
    let (x, y) = data(3000, 11);
    Dataset::new(
        Array2::from_shape_vec((3000, 4), x).unwrap(),
        Array1::from_vec(y),
    )
}

fn held_out() -> Array2<f64> {
    Array2::from_shape_vec((700, 4), data(700, 12).0).unwrap()
}

/// Σ P(churn) over the held-out rows, through linfa's `predict_probabilities` and through the
/// artefact's `Classifier::predict_batch` (the scoring path): both must give `expected`.
fn assert_sum_bits(model: Classifier, p: &Array1<f64>, expected: u64) {
    // A sequential sum, as the reference was taken (ndarray's `sum` adds in another order).
    let sum: f64 = p.iter().sum();
    assert_eq!(sum.to_bits(), expected, "sum {sum}");
    let x = held_out();
    let mut batch = vec![0.0; 700];
    model.predict_batch(x.as_slice().unwrap(), 4, &mut batch);
    assert_eq!(batch.iter().sum::<f64>().to_bits(), expected);
}

#[test]
fn logistic_regression_through_linfa_equals_the_slice_api_bit_for_bit() {
    let m = Logistic::params().alpha(1.0).fit(&training()).unwrap();
    assert_eq!(m.intercept.to_bits(), LOGISTIC_INTERCEPT);
    let bits: Vec<u64> = m.coefficients.iter().map(|c| c.to_bits()).collect();
    assert_eq!(bits, LOGISTIC_COEFFICIENTS);
    let p = m.predict_probabilities(&held_out()).unwrap();
    assert_sum_bits(Classifier::Logistic(m), &p, LOGISTIC_SUM);
}

#[test]
fn boosted_trees_through_linfa_equal_the_slice_api_bit_for_bit() {
    let m = Gbdt::params().seed(42).fit(&training()).unwrap();
    assert_eq!(m.trees.len(), GBDT_TREES);
    assert_eq!(m.validated_rounds, GBDT_ROUNDS);
    assert_eq!(m.base_score.to_bits(), GBDT_BASE);
    let p = m.predict_probabilities(&held_out()).unwrap();
    assert_eq!(p[0].to_bits(), GBDT_P0);
    assert_sum_bits(Classifier::Gbdt(m), &p, GBDT_SUM);
}

#[test]
fn random_forest_through_linfa_equals_the_slice_api_bit_for_bit() {
    let m = Forest::params().seed(42).fit(&training()).unwrap();
    assert_eq!(m.trees.len(), 200);
    assert_eq!(
        m.trees.iter().map(|t| t.nodes.len()).sum::<usize>(),
        FOREST_NODES
    );
    let p = m.predict_probabilities(&held_out()).unwrap();
    assert_eq!(p[0].to_bits(), FOREST_P0);
    assert_sum_bits(Classifier::Forest(m), &p, FOREST_SUM);
}

// Reference values (commit 109e684, see the file comment).
const LOGISTIC_INTERCEPT: u64 = 0xbfe35759f23eb523;
const LOGISTIC_COEFFICIENTS: [u64; 4] = [
    0x3fdb55d9604da4f0,
    0xbfbf6cf978a6ef6f,
    0x3fe6ffefe5dde1fb,
    0x3fc390efaac7bc28,
];
const LOGISTIC_SUM: u64 = 0x407419a0451b3670;
const GBDT_TREES: usize = 22;
const GBDT_ROUNDS: Option<usize> = Some(22);
const GBDT_BASE: u64 = 0xbfc50a0baf746ccb;
const GBDT_P0: u64 = 0x3fc48dfb1f16edb4;
const GBDT_SUM: u64 = 0x40731c8e388ab3a2;
const FOREST_NODES: usize = 119126;
const FOREST_P0: u64 = 0x3fc31af2f6dd8254;
const FOREST_SUM: u64 = 0x4073064ade742fe0;
