//! Churn artefacts: probabilities, tiers, drivers and subscription value of every row, the value
//! against its brute-force sum, ranks, and save → load → score.

use super::*;
use retain_core::features::{FeaturePipeline, PipelineSpec, RawColumn, RawTable};
use retain_models::classifier::calibration::Calibrator;
use retain_models::classifier::logistic::Logistic;
use retain_models::classifier::model::Classifier;
use retain_score::artefact::{
    Artefact, CHURN_KIND, ChurnArtefact, ChurnData, FORMAT, FORMAT_VERSION,
};
use retain_score::churn_model::FittedChurn;
use retain_score::churn_score::{ChurnScores, ScoreOptions, score_churn, to_frame_ranked};
use retain_score::churn_value::{RiskTiers, ValueSpec};
use retain_score::segments::{ChurnRanker, ChurnReference, TIERS, ValueTiers};

const CASES: u32 = 64;

/// The margin column, also a feature.
const MARGIN: &str = "monthly_charges";

/// A small fixed training table: numeric (with gaps), categorical and yes/no columns.
fn training_table() -> RawTable {
    let n = 40;
    let mut t = RawTable::default();
    t.push(
        "tenure",
        RawColumn::Numeric(
            (0..n)
                .map(|i| (i % 7 != 3).then(|| f64::from(i * 13 % 72)))
                .collect(),
        ),
    )
    .push(
        MARGIN,
        RawColumn::Numeric(
            (0..n)
                .map(|i| Some(20.0 + f64::from(i * 37 % 100)))
                .collect(),
        ),
    )
    .push(
        "contract",
        RawColumn::Text(
            (0..n)
                .map(|i| Some(["month", "year", "two_year"][i as usize % 3].to_string()))
                .collect(),
        ),
    )
    .push(
        "paperless",
        RawColumn::Bool((0..n).map(|i| Some(i % 2 == 0)).collect()),
    );
    t
}

/// The feature pipeline fitted on [`training_table`], once.
fn pipeline() -> &'static FeaturePipeline {
    static PIPELINE: OnceLock<FeaturePipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        FeaturePipeline::fit(&training_table(), &PipelineSpec::default())
            .expect("the fixed table fits")
    })
}

/// A table to score: tenure anywhere from 0 to a billion or missing, a non-negative margin (up
/// to 10⁶), contracts seen in training or not, yes/no flags or gaps.
fn customer_table() -> impl Strategy<Value = RawTable> {
    let tenure = prop::option::weighted(
        0.9,
        prop_oneof![4 => 0.0f64..100.0, 1 => log_uniform(1e3, 1e9)],
    );
    let margin = prop_oneof![1 => Just(0.0), 4 => log_uniform(1e-2, 1e6)];
    let contract = prop::sample::select(vec!["month", "year", "two_year", "weekly"]);
    let paperless = prop::option::weighted(0.9, any::<bool>());
    prop::collection::vec((tenure, margin, contract, paperless), 1..24).prop_map(|rows| {
        let mut t = RawTable::default();
        t.push(
            "tenure",
            RawColumn::Numeric(rows.iter().map(|r| r.0).collect()),
        )
        .push(
            MARGIN,
            RawColumn::Numeric(rows.iter().map(|r| Some(r.1)).collect()),
        )
        .push(
            "contract",
            RawColumn::Text(rows.iter().map(|r| Some(r.2.to_string())).collect()),
        )
        .push(
            "paperless",
            RawColumn::Bool(rows.iter().map(|r| r.3).collect()),
        );
        t
    })
}

/// A calibration map of each kind: identity, Platt, isotonic with random non-decreasing knots.
fn calibrator() -> impl Strategy<Value = Calibrator> {
    prop_oneof![
        Just(Calibrator::Identity),
        (0.1f64..5.0, -5.0f64..5.0).prop_map(|(a, b)| Calibrator::Platt { a, b }),
        prop::collection::vec(0.0f64..=1.0, 3).prop_map(|mut y| {
            y.sort_by(f64::total_cmp);
            Calibrator::Isotonic {
                x: vec![0.2, 0.5, 0.8],
                y,
            }
        }),
    ]
}

/// Subscription value settings: monthly churn, margin share in [0, 1], 1% to 50% a year, no
/// horizon or 1 to 120 months.
fn value_spec() -> impl Strategy<Value = ValueSpec> {
    (
        0.0f64..=1.0,
        log_uniform(0.01, 0.5),
        prop::option::of(1u32..=120),
    )
        .prop_map(|(margin_rate, rate, months)| ValueSpec {
            margin_column: MARGIN.into(),
            margin_rate,
            period: Duration::new(1.0, TimeUnit::Month),
            discount: DiscountRate {
                rate,
                per: Duration::new(1.0, TimeUnit::Year),
            },
            horizon: months.map(|m| Duration::new(f64::from(m), TimeUnit::Month)),
        })
}

/// A churn artefact around the fixed pipeline: a logistic model with coefficients up to ±20
/// per standardised feature (probabilities that saturate at 0 and 1), any calibration, and a
/// subscription value or none.
fn churn_artefact() -> impl Strategy<Value = ChurnArtefact> {
    let n = pipeline().n_features();
    (
        -20.0f64..20.0,
        prop::collection::vec(-20.0f64..20.0, n),
        calibrator(),
        prop::option::weighted(0.8, value_spec()),
    )
        .prop_map(
            |(intercept, coefficients, calibrator, value)| ChurnArtefact {
                format: FORMAT.into(),
                format_version: FORMAT_VERSION,
                kind: CHURN_KIND.into(),
                name: "properties".into(),
                version: String::new(),
                retain_version: env!("CARGO_PKG_VERSION").into(),
                trained_at: "2026-01-01T00:00:00Z".into(),
                training_command: "proptest".into(),
                fitted: FittedChurn {
                    pipeline: pipeline().clone(),
                    model: Classifier::Logistic(Logistic {
                        intercept,
                        coefficients,
                        alpha: 1.0,
                    }),
                    calibrator,
                },
                cv: Vec::new(),
                selection: "fixed by the test".into(),
                data: ChurnData {
                    file: "properties.csv".into(),
                    fingerprint: "sha256:0".into(),
                    rows: 40,
                    positives: 10,
                    target: "churn".into(),
                    positive: "yes".into(),
                    id: None,
                },
                seed: 1,
                tiers: RiskTiers::default(),
                value,
                reference: None,
                feature_reference: None,
            },
        )
}

fn options() -> ScoreOptions {
    ScoreOptions {
        tiers: RiskTiers::default(),
        drivers: 3,
    }
}

fn score(a: &ChurnArtefact, table: &RawTable) -> Result<ChurnScores, TestCaseError> {
    score_churn(a, table.clone(), &options()).map_err(|e| TestCaseError::fail(e.to_string()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Fails if a saturated log-odds or a calibration map gives a probability outside [0, 1] or
    /// NaN, if a tier disagrees with its cut-offs, if drivers are unsorted or non-finite, if
    /// the subscription value can be negative for a non-negative margin or exceed the
    /// undiscounted margin × lifetime, or if a rank leaves [0, 100].
    #[test]
    fn churn_scores_are_probabilities_with_bounded_values(
        a in churn_artefact(),
        table in customer_table(),
    ) {
        let s = score(&a, &table)?;
        let n = table.len();
        prop_assert_eq!(s.churn_probability.len(), n);
        let margins = a.value.as_ref().map(|v| v.margins(&table)).transpose()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for i in 0..n {
            let p = s.churn_probability[i];
            prop_assert!(is_probability(p), "{:?}: {p}", a.fitted.calibrator);
            prop_assert_eq!(s.tier[i], a.tiers.tier(p));
            let d = &s.drivers[i];
            prop_assert!(d.len() <= 3);
            prop_assert!(d.iter().all(|(_, c)| c.is_finite()), "{d:?}");
            prop_assert!(d.windows(2).all(|w| w[0].1.abs() >= w[1].1.abs()), "{d:?}");
            if let (Some(spec), Some(values), Some(m)) = (&a.value, &s.value, &margins) {
                let v = values[i];
                let margin = m[i] * spec.margin_rate;
                prop_assert!(v.expected_lifetime_periods.is_finite() && v.expected_lifetime_periods >= 0.0);
                if let Some(h) = spec.horizon {
                    prop_assert!(v.expected_lifetime_periods <= h.value * (1.0 + 1e-12), "{v:?}");
                }
                prop_assert!(v.clv.is_finite() && v.clv >= 0.0, "{v:?}");
                prop_assert!(
                    v.clv <= margin * v.expected_lifetime_periods * (1.0 + 1e-12),
                    "{v:?} margin {margin}"
                );
                // Value at risk = p × the value if retained this period, at most one period's
                // margin plus the CLV of a customer who renews (CLV / (1 − p)).
                prop_assert!(v.value_at_risk >= 0.0, "{v:?}");
                // With no horizon P(churn) is floored at 1e-9 (see `subscription_value`).
                let pf = if spec.horizon.is_none() { p.max(1e-9) } else { p };
                prop_assert!(
                    (v.value_at_risk * (1.0 - pf) - v.clv * pf).abs()
                        <= 1e-9 * (v.clv * pf + v.value_at_risk * (1.0 - pf)) + 1e-300,
                    "{v:?} p {p}"
                );
            }
        }
        let ranks = ChurnRanker::new(&ChurnReference::of(&s), ValueTiers::default()).ranks(&s);
        let mut percentiles = ranks.churn_percentile.clone();
        percentiles.extend(ranks.clv_percentile.iter().flatten());
        percentiles.extend(ranks.value_at_risk_percentile.iter().flatten());
        prop_assert!(percentiles.iter().all(|p| (0.0..=100.0).contains(p)), "{percentiles:?}");
        prop_assert!(ranks.value_tier.iter().flatten().all(|t| TIERS.contains(t)));
        let df = to_frame_ranked(&s, Some(&ranks)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(df.height(), n);
        frame_is_finite(&df)?;
    }

    /// The closed forms (with `ln_1p` and `expm1`) equal the brute-force sums over a horizon,
    /// L = Σ (1 − p)^t and CLV = Σ m (1 − p)^t / (1 + d)^t with d the monthly equivalent of the
    /// annual rate, wherever those are finite. Fails if the discount is converted to the churn
    /// period wrongly, the horizon is off by one period, or the margin share is not applied.
    #[test]
    fn subscription_value_equals_the_brute_force_sum(
        spec in value_spec(),
        months in 1u32..=120,
        p in prop_oneof![Just(0.0), Just(1.0), log_uniform(1e-12, 1.0)],
        column in prop_oneof![Just(0.0), log_uniform(1e-2, 1e6)],
    ) {
        let spec = ValueSpec { horizon: Some(Duration::new(f64::from(months), TimeUnit::Month)), ..spec };
        let sub = spec.subscription().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let v = spec.value(&sub, p, column).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let d = (1.0 + spec.discount.rate).powf(1.0 / 12.0) - 1.0;
        let margin = column * spec.margin_rate;
        let (mut life, mut clv) = (0.0, 0.0);
        for t in 1..=months as i32 {
            life += (1.0 - p).powi(t);
            clv += margin * ((1.0 - p) / (1.0 + d)).powi(t);
        }
        prop_assert!((v.expected_lifetime_periods - life).abs() <= 1e-9 * life.max(1.0), "{v:?} vs {life}");
        prop_assert!((v.clv - clv).abs() <= 1e-9 * clv.max(1e-300), "{v:?} vs {clv}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Fails if the JSON loses a bit of a coefficient, a calibration knot or a pipeline mean
    /// or scale, or if loading re-fits or re-orders anything the scores depend on.
    #[test]
    fn a_saved_and_loaded_churn_artefact_scores_bit_identically(
        a in churn_artefact(),
        table in customer_table(),
    ) {
        let before = score(&a, &table)?;
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("churn.json");
        let mut saved = a.clone();
        saved.reference = Some(ChurnReference::of(&before));
        saved.save(&path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = match Artefact::load(&path) {
            Ok(Artefact::Churn(a)) => *a,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(&loaded.version, &saved.version);
        prop_assert_eq!(&loaded, &saved);
        let after = score(&loaded, &table)?;
        prop_assert!(same_bits(&before.churn_probability, &after.churn_probability));
        prop_assert_eq!(&before.tier, &after.tier);
        prop_assert_eq!(before.drivers.len(), after.drivers.len());
        for (x, y) in before.drivers.iter().zip(&after.drivers) {
            prop_assert_eq!(x.len(), y.len());
            for ((nx, cx), (ny, cy)) in x.iter().zip(y) {
                prop_assert!(nx == ny && cx.to_bits() == cy.to_bits(), "{x:?} vs {y:?}");
            }
        }
        let flat = |s: &ChurnScores| -> Vec<f64> {
            s.value.iter().flatten()
                .flat_map(|v| [v.expected_lifetime_periods, v.clv, v.value_at_risk])
                .collect()
        };
        prop_assert!(same_bits(&flat(&before), &flat(&after)));
        let ranks = |a: &ChurnArtefact, s: &ChurnScores| {
            a.reference.as_ref().map(|r| ChurnRanker::new(r, ValueTiers::default()).ranks(s))
        };
        prop_assert_eq!(ranks(&saved, &before), ranks(&loaded, &after));
    }
}
