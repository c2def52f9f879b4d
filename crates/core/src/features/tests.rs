//! End-to-end tests of the pipeline: fit on a small telco-like table, then transform.

use super::*;
use approx::assert_abs_diff_eq;

fn text(values: &[&str]) -> RawColumn {
    RawColumn::Text(
        values
            .iter()
            .map(|v| (!v.trim().is_empty()).then(|| v.to_string()))
            .collect(),
    )
}

fn num(values: &[Option<f64>]) -> RawColumn {
    RawColumn::Numeric(values.to_vec())
}

/// Five customers, shaped like the IBM telco churn table.
fn telco() -> RawTable {
    let mut t = RawTable::default();
    t.push(
        "tenure",
        num(&[Some(1.0), Some(34.0), Some(2.0), Some(45.0), Some(8.0)]),
    );
    // Text with a blank cell, as in telco's total_charges.
    t.push(
        "total_charges",
        text(&["29.85", "1889.5", " ", "1840.75", "820.5"]),
    );
    t.push("partner", text(&["Yes", "No", "no", "YES", "No"]));
    t.push(
        "senior",
        num(&[Some(0.0), Some(1.0), Some(0.0), Some(0.0), Some(1.0)]),
    );
    t.push(
        "contract",
        text(&[
            "Month-to-month",
            "One year",
            "Month-to-month",
            "Two year",
            "",
        ]),
    );
    t.push(
        "paperless",
        RawColumn::Bool(vec![Some(true), Some(false), Some(true), None, Some(true)]),
    );
    t.push("country", text(&["US", "US", "US", "US", "US"]));
    t
}

fn spec() -> PipelineSpec {
    PipelineSpec {
        categorical: vec!["senior".into()],
        ..PipelineSpec::default()
    }
}

fn roles(p: &FeaturePipeline) -> Vec<(String, Role)> {
    p.describe()
        .into_iter()
        .map(|d| (d.column, d.role))
        .collect()
}

#[test]
fn roles_are_inferred_from_values_and_spec() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let expected = [
        ("tenure", Role::Numeric),
        ("total_charges", Role::Numeric),
        ("partner", Role::Boolean),
        ("senior", Role::Categorical),
        ("contract", Role::Categorical),
        ("paperless", Role::Boolean),
    ];
    let expected: Vec<_> = expected.iter().map(|(n, r)| (n.to_string(), *r)).collect();
    assert_eq!(roles(&p), expected);
    assert_eq!(
        p.dropped(),
        [("country".to_string(), r#"constant value "US""#.to_string())]
    );
}

#[test]
fn outputs_have_indicators_only_where_training_had_gaps() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let names: Vec<&str> = p.feature_names().iter().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "tenure",
            "total_charges",
            "total_charges__missing",
            "partner",
            "senior=0",
            "senior=1",
            "contract=Month-to-month",
            "contract=One year",
            "contract=Two year",
            "contract__missing",
            "paperless",
            "paperless__missing",
        ]
    );
    assert_eq!(p.n_features(), 12);
}

#[test]
fn transform_imputes_and_standardises_with_training_values() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let x = p.transform(&telco()).unwrap();
    assert_eq!((x.n_rows, x.n_features, x.data.len()), (5, 12, 60));
    assert!(x.unknown.is_empty());
    // tenure [1, 34, 2, 45, 8]: mean 18, population variance
    // (289 + 256 + 256 + 729 + 100) / 5 = 326.
    let std = 326f64.sqrt();
    assert_abs_diff_eq!(x.row(0).unwrap()[0], (1.0 - 18.0) / std, epsilon = 1e-12);
    // Row 3 (0-based 2) has blank total_charges: median of the other four
    // (820.5 + 1840.75) / 2, flagged.
    let desc = &p.describe()[1];
    assert_eq!(desc.imputation, "1330.625");
    assert!(desc.missing_indicator);
    let row = x.row(2).unwrap();
    assert_eq!(row[2], 1.0);
    // partner "no" → 0; senior 0 → one-hot [1, 0]; contract month-to-month.
    assert_eq!(row[3..10], [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    // Row 5 has no contract: the most frequent level, plus the indicator.
    assert_eq!(x.row(4).unwrap()[6..10], [1.0, 0.0, 0.0, 1.0]);
    // Row 4 has no paperless value: majority true, plus the indicator.
    assert_eq!(x.row(3).unwrap()[10..12], [1.0, 1.0]);
    let sum: f64 = x.rows().map(|r| r[0]).sum();
    assert_abs_diff_eq!(sum, 0.0, epsilon = 1e-9);
}

#[test]
fn forced_categorical_integer_codes_match_across_number_and_text() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut t = telco();
    let i = t.names.iter().position(|n| n == "senior").unwrap();
    t.columns[i] = text(&["1.0", "0", "1", "0", "1"]);
    let x = p.transform(&t).unwrap();
    assert!(x.unknown.is_empty());
    assert_eq!(x.row(0).unwrap()[4..6], [0.0, 1.0]);
    assert_eq!(x.row(1).unwrap()[4..6], [1.0, 0.0]);
}

#[test]
fn unknown_levels_are_all_zeros_and_counted_by_default() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut t = telco();
    let i = t.names.iter().position(|n| n == "contract").unwrap();
    t.columns[i] = text(&["Weekly", "One year", "Weekly", "Daily", ""]);
    let x = p.transform(&t).unwrap();
    assert_eq!(x.row(0).unwrap()[6..10], [0.0, 0.0, 0.0, 0.0]);
    assert_eq!(
        x.unknown,
        [
            ("contract".to_string(), "Weekly".to_string(), 2),
            ("contract".to_string(), "Daily".to_string(), 1)
        ]
    );
}

#[test]
fn unknown_levels_are_refused_under_the_error_policy() {
    let strict = PipelineSpec {
        unknown: UnknownPolicy::Error,
        ..spec()
    };
    let p = FeaturePipeline::fit(&telco(), &strict).unwrap();
    let mut t = telco();
    let i = t.names.iter().position(|n| n == "contract").unwrap();
    t.columns[i] = text(&["One year", "Weekly", "One year", "Two year", ""]);
    assert_eq!(
        p.transform(&t),
        Err(FeatureError::UnknownLevel {
            column: "contract".into(),
            row: Some(2),
            value: "Weekly".into()
        })
    );
    let mut lenient = p.clone();
    lenient.set_unknown_policy(UnknownPolicy::AllZeros);
    assert!(lenient.transform(&t).is_ok());
}

#[test]
fn levels_beyond_max_categories_are_pooled() {
    let mut t = RawTable::default();
    t.push("city", text(&["a", "a", "a", "b", "b", "c", "d"]));
    let spec = PipelineSpec {
        max_categories: 2,
        ..PipelineSpec::default()
    };
    let p = FeaturePipeline::fit(&t, &spec).unwrap();
    assert_eq!(p.feature_names(), ["city=a", "city=b", "city=__other__"]);
    assert_eq!(p.describe()[0].pooled_levels, 2);
    let x = p.transform(&t).unwrap();
    assert_eq!(x.row(6).unwrap(), [0.0, 0.0, 1.0]);
    assert!(x.unknown.is_empty(), "pooled levels were seen in training");
}

#[test]
fn an_all_missing_column_is_an_error_naming_it() {
    let mut t = telco();
    t.push("notes", text(&["", " ", "", "", ""]));
    assert_eq!(
        FeaturePipeline::fit(&t, &spec()),
        Err(FeatureError::AllMissing {
            column: "notes".into()
        })
    );
    let mut t = telco();
    t.push("score", text(&["NaN", "nan", "", "NaN", "NaN"]));
    assert_eq!(
        FeaturePipeline::fit(&t, &spec()),
        Err(FeatureError::AllMissing {
            column: "score".into()
        })
    );
}

#[test]
fn an_empty_table_transforms_to_no_rows() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut t = telco();
    for c in &mut t.columns {
        *c = match c {
            RawColumn::Numeric(_) => RawColumn::Numeric(vec![]),
            RawColumn::Text(_) => RawColumn::Text(vec![]),
            RawColumn::Bool(_) => RawColumn::Bool(vec![]),
        };
    }
    let x = p.transform(&t).unwrap();
    assert_eq!((x.n_rows, x.n_features, x.data.len()), (0, 12, 0));
    assert_eq!(FeaturePipeline::fit(&t, &spec()), Err(FeatureError::Empty));
}

#[test]
fn spec_names_must_exist_and_max_categories_be_positive() {
    let bad = PipelineSpec {
        drop: vec!["churn".into()],
        ..spec()
    };
    assert_eq!(
        FeaturePipeline::fit(&telco(), &bad),
        Err(FeatureError::UnknownSpecColumn {
            list: "drop",
            column: "churn".into()
        })
    );
    let bad = PipelineSpec {
        max_categories: 0,
        ..spec()
    };
    assert!(matches!(
        FeaturePipeline::fit(&telco(), &bad),
        Err(FeatureError::InvalidSpec { .. })
    ));
    let drop = PipelineSpec {
        drop: vec!["tenure".into()],
        ..spec()
    };
    let p = FeaturePipeline::fit(&telco(), &drop).unwrap();
    assert_eq!(
        p.dropped()[0],
        ("tenure".to_string(), "listed in spec.drop".to_string())
    );
    assert!(!p.input_names().any(|n| n == "tenure"));
}

#[test]
fn a_training_column_absent_at_transform_is_an_error_naming_it() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut t = telco();
    let i = t.names.iter().position(|n| n == "partner").unwrap();
    t.names.remove(i);
    t.columns.remove(i);
    assert_eq!(
        p.transform(&t),
        Err(FeatureError::MissingColumn {
            column: "partner".into()
        })
    );
}

#[test]
fn a_wrong_type_names_column_row_and_value() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut t = telco();
    let i = t.names.iter().position(|n| n == "total_charges").unwrap();
    t.columns[i] = text(&["1", "2", "3", "abc", "5"]);
    assert_eq!(
        p.transform(&t),
        Err(FeatureError::WrongType {
            column: "total_charges".into(),
            row: Some(4),
            value: "abc".into(),
            expected: "a finite number",
        })
    );
    let i = t.names.iter().position(|n| n == "partner").unwrap();
    t.columns[i] = text(&["Yes", "maybe", "No", "No", "No"]);
    let i = t.names.iter().position(|n| n == "total_charges").unwrap();
    t.columns[i] = telco().columns[i].clone();
    assert!(matches!(
        p.transform(&t),
        Err(FeatureError::WrongType { column, row: Some(2), value, .. }) if column == "partner" && value == "maybe"
    ));
}

fn customer(t: &RawTable, row: usize) -> Vec<(String, RawValue)> {
    t.names
        .iter()
        .zip(&t.columns)
        .map(|(name, column)| {
            let value = match column {
                RawColumn::Numeric(v) => v[row].map_or(RawValue::Missing, RawValue::Number),
                RawColumn::Text(v) => v[row].clone().map_or(RawValue::Missing, RawValue::Text),
                RawColumn::Bool(v) => v[row].map_or(RawValue::Missing, RawValue::Bool),
            };
            (name.clone(), value)
        })
        .collect()
}

#[test]
fn transform_row_equals_transform_for_the_same_customer() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let t = telco();
    let x = p.transform(&t).unwrap();
    for row in 0..t.len() {
        let one = p.transform_row(&customer(&t, row)).unwrap();
        assert_eq!(one.n_rows, 1);
        assert_eq!(one.row(0), x.row(row), "row {row}");
    }
}

#[test]
fn transform_row_names_the_missing_or_mistyped_field() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut values = customer(&telco(), 0);
    values.retain(|(n, _)| n != "tenure");
    assert_eq!(
        p.transform_row(&values),
        Err(FeatureError::MissingColumn {
            column: "tenure".into()
        })
    );
    let mut values = customer(&telco(), 0);
    values[0].1 = RawValue::Text("ten".into());
    assert_eq!(
        p.transform_row(&values),
        Err(FeatureError::WrongType {
            column: "tenure".into(),
            row: None,
            value: "ten".into(),
            expected: "a finite number",
        })
    );
    let mut values = customer(&telco(), 0);
    values.push(("tenure".into(), RawValue::Number(3.0)));
    assert_eq!(
        p.transform_row(&values),
        Err(FeatureError::DuplicateColumn {
            column: "tenure".into()
        })
    );
}

#[test]
fn serde_round_trip_keeps_the_transforms() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    let back: FeaturePipeline = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    assert_eq!(
        back.transform(&telco()).unwrap(),
        p.transform(&telco()).unwrap()
    );
}

#[test]
fn an_artefact_with_shifted_feature_names_is_refused() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let json = serde_json::to_string(&p)
        .unwrap()
        .replace(r#""partner","senior=0""#, r#""senior=0","partner""#);
    let err = serde_json::from_str::<FeaturePipeline>(&json).unwrap_err();
    assert!(err.to_string().contains("feature names"), "{err}");
}

#[test]
fn pipeline_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<FeaturePipeline>();
}

#[test]
fn a_number_or_flag_for_a_text_category_is_a_wrong_type_not_an_unseen_level() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut t = telco();
    let at = t.names.iter().position(|n| n == "contract").unwrap();
    for wrong in [
        RawColumn::Numeric(vec![Some(3.0); 5]),
        RawColumn::Bool(vec![Some(true); 5]),
    ] {
        t.columns[at] = wrong;
        match p.transform(&t) {
            Err(FeatureError::WrongType {
                column, expected, ..
            }) => {
                assert_eq!(column, "contract");
                assert_eq!(expected, "a text category");
            }
            other => panic!("{other:?}"),
        }
    }
    // A category of numeric codes still takes numbers.
    let mut t = telco();
    let at = t.names.iter().position(|n| n == "senior").unwrap();
    t.columns[at] = num(&[Some(1.0); 5]);
    assert!(p.transform(&t).is_ok());
}

#[test]
fn a_stored_standard_deviation_of_zero_or_below_is_refused() {
    let p = FeaturePipeline::fit(&telco(), &spec()).unwrap();
    let mut v = serde_json::to_value(&p).unwrap();
    let text = v.to_string();
    assert!(text.contains("\"std\""), "{text}");
    // Find the first numeric transform and break its std, as a hand edit could.
    fn break_std(v: &mut serde_json::Value, to: f64) -> bool {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(s) = o.get_mut("std") {
                    *s = serde_json::json!(to);
                    return true;
                }
                o.values_mut().any(|x| break_std(x, to))
            }
            serde_json::Value::Array(a) => a.iter_mut().any(|x| break_std(x, to)),
            _ => false,
        }
    }
    for bad in [0.0, -1.0] {
        let mut broken = v.clone();
        assert!(break_std(&mut broken, bad));
        let e = serde_json::from_value::<FeaturePipeline>(broken).unwrap_err();
        assert!(e.to_string().contains("standard deviation"), "{e}");
    }
    assert!(break_std(&mut v, 2.0));
    assert!(serde_json::from_value::<FeaturePipeline>(v).is_ok());
}
