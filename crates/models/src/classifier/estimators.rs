//! The churn classifiers as linfa algorithms: `Fit` on a `DatasetBase<ArrayBase<D, Ix2>, T>`
//! with boolean targets (true = churned), `PredictInplace` for labels, and
//! `predict_probabilities` for P(churn), as linfa-logistic's.
//!
//! Records of any float type (`f32` or `f64`) and any memory layout are accepted; the models
//! compute in `f64` on a row-major copy (O(rows × features), small beside any fit). Labels are
//! "churned" when P(churn) ≥ 0.5, linfa-logistic's default threshold. Unlike linfa-logistic's,
//! the probability is always that of the `true` class, whichever class is the majority.
//!
//! Sample weights in the dataset are refused ([`FitError::SampleWeights`]) rather than silently
//! ignored: none of the three classifiers has a weighted fit.

use super::error::FitError;
use super::logistic::Logistic;
use super::params::{ForestValidParams, GbdtValidParams, LogisticValidParams};
use super::trees::forest::Forest;
use super::trees::gbdt::Gbdt;
use crate::ModelError;
use linfa::Float;
use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, ArrayBase, Data, Ix2};

/// The records in row-major order as `f64`.
fn row_major<F: Float, D: Data<Elem = F>>(x: &ArrayBase<D, Ix2>) -> Vec<f64> {
    // `iter` walks the logical (row-major) order whatever the memory layout; f32 and f64
    // always convert.
    x.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect()
}

/// Row-major records, their column count and the labels of a dataset, after checking shapes
/// and that it carries no sample weights other than 1.
fn training_rows<F, D, T>(
    model: &'static str,
    dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
) -> Result<(Vec<f64>, usize, Vec<bool>), FitError>
where
    F: Float,
    D: Data<Elem = F>,
    T: AsSingleTargets<Elem = bool>,
{
    let x = &dataset.records;
    let y = dataset.as_single_targets();
    if x.nrows() != y.len() {
        return Err(linfa::Error::MismatchedShapes(x.nrows(), y.len()).into());
    }
    if let Some(w) = dataset.weights()
        && let Some((i, &weight)) = w.iter().enumerate().find(|(_, w)| **w != 1.0)
    {
        return Err(FitError::SampleWeights {
            model,
            weight,
            row: i + 1,
        });
    }
    Ok((row_major(x), x.ncols(), y.to_vec()))
}

/// Row-major records for prediction, refused when the column count differs from the model's
/// or a value is not finite.
fn prediction_rows<F: Float, D: Data<Elem = F>>(
    x: &ArrayBase<D, Ix2>,
    n_features: usize,
) -> Result<Vec<f64>, ModelError> {
    if x.ncols() != n_features {
        return Err(ModelError::InvalidInput {
            field: "records",
            reason: format!(
                "{} columns, the model was fitted on {n_features} features",
                x.ncols()
            ),
        });
    }
    let rows = row_major(x);
    if let Some(i) = rows.iter().position(|v| !v.is_finite()) {
        return Err(ModelError::InvalidInput {
            field: "records",
            reason: format!(
                "row {}, feature {} is not finite",
                i / n_features + 1,
                i % n_features
            ),
        });
    }
    Ok(rows)
}

/// `Fit`, `PredictInplace` and `predict_probabilities` for one classifier, whose crate-internal
/// `fit_rows` runs on checked params and whose `predict_batch` fills P(churn).
macro_rules! linfa_classifier {
    ($model:ident, $valid:ident, $name:literal, $n_features:expr) => {
        impl<F, D, T> Fit<ArrayBase<D, Ix2>, T, FitError> for $valid
        where
            F: Float,
            D: Data<Elem = F>,
            T: AsSingleTargets<Elem = bool>,
        {
            type Object = $model;

            /// Fits on records (rows × features, finite) and churn labels (true = churned;
            /// both classes needed).
            fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<$model, FitError> {
                let (x, n_features, y) = training_rows($name, dataset)?;
                Ok($model::fit_rows(&x, n_features, &y, self)?)
            }
        }

        impl $model {
            /// P(churn) of every row (uncalibrated), as linfa-logistic's
            /// `predict_probabilities`; refuses records with another column count than the
            /// model was fitted on, or a value that is not finite.
            pub fn predict_probabilities<F: Float, D: Data<Elem = F>>(
                &self,
                x: &ArrayBase<D, Ix2>,
            ) -> Result<Array1<F>, ModelError> {
                let get_n = $n_features;
                let rows = prediction_rows(x, get_n(self))?;
                let mut p = vec![0.0; x.nrows()];
                self.predict_batch(&rows, &mut p);
                Ok(p.into_iter().map(F::cast).collect())
            }
        }

        impl<F: Float, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<bool>>
            for $model
        {
            /// Churned (true) when P(churn) ≥ 0.5.
            ///
            /// # Panics
            /// The trait has no error path: panics, as linfa's own models do, when `y` has
            /// another length than `x` has rows, or `x` has another column count than the model
            /// was fitted on or a value that is not finite. Use
            #[doc = concat!("[`", stringify!($model), "::predict_probabilities`]")]
            /// for an error instead.
            fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<bool>) {
                assert_eq!(
                    x.nrows(),
                    y.len(),
                    "The number of data points must match the number of output targets."
                );
                let p = self
                    .predict_probabilities::<F, D>(x)
                    .unwrap_or_else(|e| panic!("{}: {e}", $name));
                for (label, p) in y.iter_mut().zip(p) {
                    *label = p >= F::cast(0.5);
                }
            }

            fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<bool> {
                Array1::from_elem(x.nrows(), false)
            }
        }
    };
}

linfa_classifier!(
    Logistic,
    LogisticValidParams,
    "logistic regression",
    |m: &Logistic| m.coefficients.len()
);
linfa_classifier!(
    Gbdt,
    GbdtValidParams,
    "gradient-boosted trees",
    |m: &Gbdt| m.n_features
);
linfa_classifier!(Forest, ForestValidParams, "random forest", |m: &Forest| m
    .n_features);

/// A dataset from a row-major matrix and churn labels (tests).
#[cfg(test)]
pub(crate) fn dataset(
    x: &[f64],
    n_features: usize,
    y: &[bool],
) -> linfa::Dataset<f64, bool, ndarray::Ix1> {
    let records = ndarray::Array2::from_shape_vec((y.len(), n_features), x.to_vec())
        .expect("test data has rows × features values");
    linfa::Dataset::new(records, Array1::from_vec(y.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::error::ParamError;
    use crate::classifier::params::{ForestParams, GbdtParams, LogisticParams};
    use linfa::prelude::*;

    fn has_autotraits<T: Send + Sync + Sized + Unpin>() {}

    #[test]
    fn models_and_params_are_send_and_sync() {
        has_autotraits::<Logistic>();
        has_autotraits::<Gbdt>();
        has_autotraits::<Forest>();
        has_autotraits::<LogisticParams>();
        has_autotraits::<LogisticValidParams>();
        has_autotraits::<GbdtParams>();
        has_autotraits::<GbdtValidParams>();
        has_autotraits::<ForestParams>();
        has_autotraits::<ForestValidParams>();
        has_autotraits::<ParamError>();
        has_autotraits::<FitError>();
    }

    /// Every refused setting's message starts with its name.
    #[test]
    fn check_errors_name_the_parameter() {
        let cases: Vec<(ParamError, &str)> = vec![
            (Logistic::params().alpha(-1.0).check().unwrap_err(), "alpha"),
            (
                Logistic::params().alpha(f64::NAN).check().unwrap_err(),
                "alpha",
            ),
            (
                Logistic::params().max_iterations(0).check().unwrap_err(),
                "max_iterations",
            ),
            (
                Gbdt::params().learning_rate(1.5).check().unwrap_err(),
                "learning_rate",
            ),
            (
                Gbdt::params().max_leaves(1).check().unwrap_err(),
                "max_leaves",
            ),
            (
                Gbdt::params().min_data_in_leaf(-1.0).check().unwrap_err(),
                "min_data_in_leaf",
            ),
            (
                Gbdt::params()
                    .min_hessian_in_leaf(f64::INFINITY)
                    .check()
                    .unwrap_err(),
                "min_hessian_in_leaf",
            ),
            (
                Gbdt::params().lambda_l2(-0.1).check().unwrap_err(),
                "lambda_l2",
            ),
            (
                Gbdt::params().max_rounds(0).check().unwrap_err(),
                "max_rounds",
            ),
            (
                Gbdt::params().validation_fraction(0.5).check().unwrap_err(),
                "validation_fraction",
            ),
            (Gbdt::params().max_bins(1).check().unwrap_err(), "max_bins"),
            (Forest::params().n_trees(0).check().unwrap_err(), "n_trees"),
            (
                Forest::params().min_samples_leaf(0.5).check().unwrap_err(),
                "min_samples_leaf",
            ),
            (
                Forest::params().max_features(Some(0)).check().unwrap_err(),
                "max_features",
            ),
            (
                Forest::params().max_depth(Some(0)).check().unwrap_err(),
                "max_depth",
            ),
            (
                Forest::params().max_bins(257).check().unwrap_err(),
                "max_bins",
            ),
        ];
        for (e, name) in cases {
            assert_eq!(e.param(), name);
            assert!(e.to_string().starts_with(name), "{e}");
        }
        // The defaults pass, and fitting unchecked params checks them first.
        assert!(Logistic::params().check().is_ok());
        assert!(Gbdt::params().check().is_ok());
        assert!(Forest::params().check().is_ok());
        let ds = dataset(&[0.0, 1.0, 2.0, 3.0], 1, &[false, true, false, true]);
        let e = Forest::params().n_trees(0).fit(&ds).unwrap_err();
        assert!(matches!(e, FitError::Param(ParamError::NTrees(0))), "{e}");
        assert!(e.to_string().contains("n_trees"), "{e}");
    }

    fn data() -> (Vec<f64>, Vec<bool>) {
        let x: Vec<f64> = (0..900).map(|i| ((i * 37) % 101) as f64 / 100.0).collect();
        let y: Vec<bool> = x.chunks(3).map(|r| r[0] + 0.5 * r[1] > 0.8).collect();
        (x, y)
    }

    #[test]
    fn labels_are_probabilities_over_one_half_and_f32_records_fit() {
        let (x, y) = data();
        let ds = dataset(&x, 3, &y);
        let m = Gbdt::params().fit(&ds).unwrap();
        let p = m.predict_probabilities(ds.records()).unwrap();
        let labels: Array1<bool> = m.predict(ds.records());
        assert_eq!(labels.len(), y.len());
        for (l, p) in labels.iter().zip(&p) {
            assert_eq!(*l, *p >= 0.5);
        }
        let accuracy = labels.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / 300.0;
        assert!(accuracy > 0.9, "{accuracy}");
        // The same model from f32 records (exactly representable values: same fit).
        let ds32 = DatasetBase::new(ds.records().mapv(|v| v as f32), ds.targets().clone());
        let m32 = Gbdt::params().fit(&ds32).unwrap();
        let p32 = m32.predict_probabilities(ds32.records()).unwrap();
        for (a, b) in p.iter().zip(&p32) {
            assert!((a - f64::from(*b)).abs() < 1e-6, "{a} vs {b}");
        }
        // A column-major view gives the same probabilities as the row-major records.
        let fortran = ds.records().t().to_owned();
        let p_t = m.predict_probabilities(&fortran.t()).unwrap();
        assert_eq!(p, p_t);
    }

    #[test]
    fn bad_records_and_weights_are_errors_not_panics() {
        let (x, y) = data();
        let ds = dataset(&x, 3, &y);
        let m = Logistic::params().fit(&ds).unwrap();
        let two_columns = ndarray::Array2::<f64>::zeros((4, 2));
        let e = m.predict_probabilities(&two_columns).unwrap_err();
        assert!(e.to_string().contains("2 columns"), "{e}");
        let mut nan = ds.records().clone();
        nan[[5, 1]] = f64::NAN;
        let e = m.predict_probabilities(&nan).unwrap_err();
        assert!(e.to_string().contains("row 6, feature 1"), "{e}");
        let mut weights = Array1::from_elem(y.len(), 1.0f32);
        weights[7] = 2.0;
        let weighted = dataset(&x, 3, &y).with_weights(weights);
        let e = Forest::params().fit(&weighted).unwrap_err();
        assert!(matches!(e, FitError::SampleWeights { row: 8, .. }), "{e}");
        // Unit weights are no weights.
        let unit = dataset(&x, 3, &y).with_weights(Array1::from_elem(y.len(), 1.0f32));
        assert_eq!(Logistic::params().fit(&unit).unwrap(), m);
    }
}
