//! linfa-logistic beside retain's Newton logistic regression on the standardised, one-hot telco
//! features: ROC AUC and fit time, side by side, on the same 5 stratified folds (seed 42) as
//! `retain train churn`, the pipeline refitted inside each fold.
//!
//! `cargo bench --bench linfa_logistic` (release), or with `--profile dev` on a machine
//! without a release build (retain's crates, linfa-logistic, ndarray and argmin are optimised in
//! the dev profile too).
//!
//! Both minimise the same objective (summed log-loss + α/2 ‖w‖², α = 1, intercept free), so
//! their AUCs can only differ by how far each solver gets; the question is the time.
//! linfa-logistic's solver is argmin's L-BFGS with a Moré–Thuente line search; the settings
//! tried are its defaults (100 iterations, gradient tolerance 1e-4), a tight setting (1,000
//! iterations, 1e-8) and the tight setting warm-started at the base-rate intercept.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Ix1};
use retain_core::features::{FeaturePipeline, PipelineSpec};
use retain_io::table::read_table;
use retain_models::classifier::logistic::Logistic;
use retain_score::metrics::Metrics;
use retain_train::churn_train::{Labelled, churn_dataset, split_label, take_rows};
use retain_train::cv::stratified_folds;
use std::path::Path;
use std::time::Instant;

/// A fitted model's P(churn) on held-out records.
type Predictor = Box<dyn Fn(&ndarray::Array2<f64>) -> Array1<f64>>;
/// A boxed error.
type Error = Box<dyn std::error::Error>;

/// One fold's standardised training set and held-out rows.
struct Fold {
    train: Dataset<f64, bool, Ix1>,
    test_x: ndarray::Array2<f64>,
    test_y: Vec<bool>,
}

fn folds(data: &Labelled, k: usize, seed: u64) -> Result<Vec<Fold>, Box<dyn std::error::Error>> {
    let fold = stratified_folds(&data.y, k, seed)?;
    let spec = PipelineSpec::default();
    let mut out = Vec::with_capacity(k);
    for f in 0..k {
        let (test, train): (Vec<usize>, Vec<usize>) =
            (0..data.y.len()).partition(|&i| fold[i] == f);
        let table = take_rows(&data.features, &train);
        let pipeline = FeaturePipeline::fit(&table, &spec)?;
        let x = pipeline.transform(&table)?;
        let y: Vec<bool> = train.iter().map(|&i| data.y[i]).collect();
        let train_ds = churn_dataset(x.data, x.n_features, y)?;
        let xt = pipeline.transform(&take_rows(&data.features, &test))?;
        let test_x = ndarray::Array2::from_shape_vec((test.len(), xt.n_features), xt.data)?;
        out.push(Fold {
            train: train_ds,
            test_x,
            test_y: test.iter().map(|&i| data.y[i]).collect(),
        });
    }
    Ok(out)
}

/// Mean held-out ROC AUC and total fit seconds of one way of fitting.
fn run(
    folds: &[Fold],
    fit: impl Fn(
        &Dataset<f64, bool, Ix1>,
    ) -> Result<
        Box<dyn Fn(&ndarray::Array2<f64>) -> Array1<f64>>,
        Box<dyn std::error::Error>,
    >,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let mut auc = 0.0;
    let mut seconds = 0.0;
    for f in folds {
        let t = Instant::now();
        let predict = fit(&f.train)?;
        seconds += t.elapsed().as_secs_f64();
        let p = predict(&f.test_x);
        auc += Metrics::compute(&f.test_y, p.as_slice().unwrap_or(&p.to_vec()))?.roc_auc;
    }
    Ok((auc / folds.len() as f64, seconds))
}

/// linfa-logistic with the given solver settings, oriented to P(churn): its positive class is
/// the larger label (`true`), but check rather than assume.
fn linfa_fit(
    max_iterations: u64,
    gradient_tolerance: f64,
    warm: bool,
) -> impl Fn(&Dataset<f64, bool, Ix1>) -> Result<Predictor, Error> {
    move |ds| {
        let mut params = LogisticRegression::default()
            .alpha(1.0)
            .max_iterations(max_iterations)
            .gradient_tolerance(gradient_tolerance);
        if warm {
            let y = ds.targets();
            let rate = y.iter().filter(|&&c| c).count() as f64 / y.len() as f64;
            let mut init = Array1::zeros(ds.nfeatures() + 1);
            init[ds.nfeatures()] = (rate / (1.0 - rate)).ln();
            params = params.initial_params(init);
        }
        let m = params.fit(ds)?;
        let churn_is_pos = m.labels().pos.class;
        Ok(Box::new(move |x: &ndarray::Array2<f64>| {
            let p = m.predict_probabilities(x);
            if churn_is_pos { p } else { p.mapv(|v| 1.0 - v) }
        }))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/telco_churn.csv");
    let data = split_label(read_table(&path, b',')?, "churn", "Yes", None)?;
    let folds = folds(&data, 5, 42)?;
    println!(
        "telco: {} rows, {} features after the pipeline, 5 stratified folds (seed 42); fit seconds are summed over folds",
        data.y.len(),
        folds[0].train.nfeatures()
    );
    let (ours_auc, ours_s) = run(&folds, |ds| {
        let m = Logistic::params().alpha(1.0).fit(ds)?;
        Ok(Box::new(move |x: &ndarray::Array2<f64>| {
            m.predict_probabilities(x).unwrap_or_else(|e| panic!("{e}"))
        }))
    })?;
    println!(
        "{:<44} ROC AUC {ours_auc:.6}  fit {:>8.4} s  (1.00x)",
        "retain Newton (alpha 1)", ours_s
    );
    for (name, iters, tol, warm) in [
        (
            "linfa-logistic defaults (100 it, tol 1e-4)",
            100,
            1e-4,
            false,
        ),
        (
            "linfa-logistic tight (1000 it, tol 1e-8)",
            1000,
            1e-8,
            false,
        ),
        ("linfa-logistic tight, warm intercept", 1000, 1e-8, true),
    ] {
        let (auc, s) = run(&folds, linfa_fit(iters, tol, warm))?;
        println!(
            "{name:<44} ROC AUC {auc:.6}  fit {s:>8.4} s  ({:.2}x retain's time; AUC {:+.6})",
            s / ours_s,
            auc - ours_auc
        );
    }
    Ok(())
}
