use super::{cdnow_log, cdnow_model, cdnow_options};
use crate::clv_data::{ClvData, clv_data};
use crate::cohorts::cohort_retention;
use crate::value_risk::{RISK_TIERS, value_risk};
use approx::assert_relative_eq;
use retain_core::engagement::{Period, engagement};
use retain_core::summary::{SummaryOptions, summarise};
use retain_score::churn_value::RiskTiers;
use retain_score::score::{Detail, Scorer, score};
use retain_score::segments::{SegmentRules, Segmenter};
use std::sync::OnceLock;

fn data() -> &'static ClvData {
    static D: OnceLock<ClvData> = OnceLock::new();
    D.get_or_init(|| clv_data(&cdnow_model(), cdnow_log(), &cdnow_options()).unwrap())
}

#[test]
fn period_transaction_bars_sum_to_the_customer_count() {
    let d = data();
    let p = &d.period_transactions;
    assert_eq!(p.customers, 2357);
    assert_eq!(p.labels, ["0", "1", "2", "3", "4", "5", "6", "7+"]);
    let total: f64 = p.model.iter().sum();
    assert_relative_eq!(total, 2357.0, max_relative = 1e-6);
    assert_eq!(p.actual.iter().sum::<f64>(), 2357.0);
    // Actual bars are a direct count of the calibration frequencies.
    for (k, &a) in p.actual.iter().enumerate() {
        let direct = d
            .summaries
            .x
            .iter()
            .filter(|&&x| (x as usize).min(7) == k)
            .count();
        assert_eq!(a, direct as f64, "bar {k}");
    }
    // CDNOW: 1,411 customers made no repeat purchase; the fitted model agrees within 3 %.
    assert_eq!(p.actual[0], 1411.0);
    assert!(
        (p.model[0] / p.actual[0] - 1.0).abs() < 0.03,
        "{:?}",
        p.model
    );
}

#[test]
fn holdout_means_equal_a_direct_group_by() {
    let d = data();
    let s = &d.summaries;
    let model = cdnow_model().purchase;
    let h = d.holdout.as_ref().unwrap();
    assert_relative_eq!(h.length, 39.0, max_relative = 1e-12);
    // Fader, Hardie & Lee (2005): 1,882 holdout purchases.
    assert_eq!(h.actual_total, 1882.0);
    for row in &h.by_frequency {
        let members: Vec<usize> = (0..s.len()).filter(|&i| s.x[i].min(7) == row.x).collect();
        assert_eq!(row.customers, members.len());
        let n = members.len() as f64;
        let actual: f64 = members
            .iter()
            .map(|&i| f64::from(s.holdout_x[i]))
            .sum::<f64>()
            / n;
        let predicted: f64 = members
            .iter()
            .map(|&i| {
                model
                    .expected_purchases(h.length, s.x[i], s.t_x[i], s.t[i])
                    .unwrap()
            })
            .sum::<f64>()
            / n;
        assert_relative_eq!(row.actual, actual, max_relative = 1e-12);
        assert_relative_eq!(row.predicted, predicted, max_relative = 1e-9);
    }
}

#[test]
fn tracking_ends_at_the_total_repeat_purchases_and_meets_the_summaries_at_calibration_end() {
    let d = data();
    let (t, s) = (&d.tracking, &d.summaries);
    let model = cdnow_model().purchase;
    let repeats: u64 =
        s.x.iter()
            .zip(&s.holdout_x)
            .map(|(&x, &h)| u64::from(x + h))
            .sum();
    assert_eq!(*t.actual_cumulative.last().unwrap(), repeats as f64);
    assert_eq!(t.actual.iter().sum::<f64>(), repeats as f64);
    // 1997-01-01 to 1998-06-30: 546 days = 78 weeks; calibration ends after 273 days = 39 weeks.
    assert_eq!(t.period_end.len(), 78);
    assert_relative_eq!(t.calibration_end, 39.0, max_relative = 1e-12);
    let k = 38;
    assert_relative_eq!(t.period_end[k], 39.0, max_relative = 1e-12);
    let calibration_repeats: u64 = s.x.iter().map(|&x| u64::from(x)).sum();
    assert_eq!(t.actual_cumulative[k], calibration_repeats as f64);
    let expected: f64 =
        s.t.iter()
            .map(|&age| model.expected_purchases_new(age).unwrap())
            .sum();
    assert_relative_eq!(t.model_cumulative[k], expected, max_relative = 1e-9);
    let per_period: f64 = t.model.iter().sum();
    assert_relative_eq!(
        per_period,
        *t.model_cumulative.last().unwrap(),
        max_relative = 1e-12
    );
}

#[test]
fn heat_map_cells_equal_direct_model_calls() {
    let d = data();
    let model = cdnow_model().purchase;
    let m = &d.p_alive;
    let age = d.summaries.t.iter().copied().fold(0.0, f64::max);
    assert_eq!(m.age, age);
    assert_eq!(
        m.frequency.len() as u32,
        d.summaries.x.iter().max().unwrap() + 1
    );
    assert_eq!(*m.recency.last().unwrap(), age);
    let mut cells = 0;
    for (r, &x) in m.frequency.iter().enumerate() {
        for (c, &t_x) in m.recency.iter().enumerate() {
            match (m.values[r][c], d.expected_next.values[r][c]) {
                (Some(p), Some(e)) => {
                    assert_eq!(p, model.p_alive(x, t_x, age));
                    assert_eq!(e, model.expected_purchases(1.0, x, t_x, age).unwrap());
                    cells += 1;
                }
                (None, None) => assert!((x == 0) != (t_x == 0.0), "x {x} t_x {t_x}"),
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(cells > 1000);
}

#[test]
fn cohort_matrix_matches_engagement() {
    let log = cdnow_log();
    let c = cohort_retention(log).unwrap();
    let e = engagement(log, Period::Month, 90).unwrap().unwrap();
    // The CDNOW sample acquired all its customers in the first quarter of 1997.
    assert_eq!(c.cohorts, ["1997-01-01", "1997-02-01", "1997-03-01"]);
    assert_eq!(c.sizes.iter().sum::<usize>(), 2357);
    for (i, label) in c.cohorts.iter().enumerate() {
        let j = e.cohorts.iter().position(|l| l == label).unwrap();
        assert_eq!(c.sizes[i], e.cohort_sizes[j]);
        assert_eq!(c.retention[i], e.retention[j]);
    }
    assert_eq!(c.retention[0].len(), 18);
    assert_eq!(c.retention[0][0], 1.0);
}

#[test]
fn value_risk_grid_counts_every_customer_once() {
    let g = data().value_risk.as_ref().unwrap();
    let total: usize = g.counts.iter().flatten().sum();
    assert_eq!(total, 2357);
    // The grid `retain score` reports: the same customers in the same cells.
    let model = cdnow_model();
    let opts = cdnow_options();
    let now = summarise(
        cdnow_log(),
        &SummaryOptions::new(model.time_unit, opts.observation_end),
    )
    .unwrap();
    let spec = model.clv_spec(opts.horizon, None, None);
    let table = score(&model, now.clone(), opts.horizon, &spec).unwrap();
    let scorer = Scorer::new(&model, opts.horizon, &spec, Detail::Online).unwrap();
    let reference = model
        .reference
        .as_ref()
        .expect("the shipped model has a reference");
    let rules = SegmentRules::builtin();
    let segmenter = Segmenter::new(reference, &scorer, rules, RiskTiers::default()).unwrap();
    let cols = segmenter.table(&table);
    let clv = table.clv.as_ref().unwrap();
    for (v, tier) in ["high", "medium", "low"].iter().enumerate() {
        for (r, risk) in RISK_TIERS.iter().enumerate() {
            let members: Vec<usize> = (0..clv.len())
                .filter(|&i| {
                    cols.value_tier.as_ref().unwrap()[i] == *tier && cols.risk_tier[i] == *risk
                })
                .collect();
            assert_eq!(g.counts[v][r], members.len(), "{tier} × {risk}");
            let sum: f64 = members.iter().map(|&i| clv[i]).sum();
            assert_relative_eq!(g.clv[v][r], sum, max_relative = 1e-9);
            // Risk tiers are the default cut-offs of 1 − P(alive).
            for &i in &members {
                assert_eq!(RiskTiers::default().tier(1.0 - table.p_alive[i]), *risk);
            }
        }
    }
    // A small case by hand: values 5 > 4 > 3 > 2 > 1, churn from low to high risk.
    let g = value_risk(
        &[1.0, 2.0, 3.0, 4.0, 5.0],
        &[0.9, 0.6, 0.3, 0.1, 0.55],
        &[9.0, 3.0, 1.3, 0.4, 6.1],
        RiskTiers::default(),
        "CLV",
    )
    .unwrap();
    assert_eq!(RISK_TIERS, ["high", "medium", "low"]);
    // Top 20 % = {5 (high)}; next 30 % = ⌈2.5⌉ − 1 = 2 customers {4 (low), 3 (medium)}.
    assert_eq!(g.counts, [[1, 0, 0], [0, 1, 1], [2, 0, 0]]);
    assert_relative_eq!(g.value_at_risk[0][0], 6.1);
}
