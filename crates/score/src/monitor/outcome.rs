//! Realised quality of an earlier score file: its predictions, matched by customer id, against
//! what the customers did afterwards — churn labels for a classifier, purchases and spend in
//! the outcome window for a CLV model — with the same figures as `retain evaluate`'s backtest
//! ([`realised`]) and the prediction-quality band.

use super::band::QualityBand;
use super::previous::PreviousScores;
use super::quality::{Realised, realised};
use crate::ScoreError;
use crate::metrics::roc_auc;
use crate::score_file::CUSTOMER_ID;
use retain_core::summary::Summaries;
use serde::Serialize;
use std::collections::HashMap;

/// How good an earlier score file's predictions turned out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealisedQuality {
    /// The score file read.
    pub scores: String,
    /// What the predictions are judged against.
    pub outcome: String,
    /// Customers with both a score and an outcome (the ones judged).
    pub customers: usize,
    /// Customers scored but without an outcome (left out).
    pub scored_without_outcome: usize,
    /// Customers with an outcome but no score, e.g. new ones (left out).
    pub outcome_without_score: usize,
    /// Churn classifiers: ROC AUC of the churn probability for the customers who churned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_roc_auc: Option<f64>,
    /// Churn classifiers: the churn probability against churned (1) or stayed (0): the
    /// predicted total is the expected number of churners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn: Option<Realised>,
    /// CLV models: expected purchases against purchase days in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchases: Option<Realised>,
    /// CLV models with a value column: the CLV (discounted, over the horizon) against the
    /// amount spent in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Realised>,
    /// The value column compared, e.g. `clv_52_weeks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_column: Option<String>,
    /// CLV models: ROC AUC of P(no purchase over the horizon) for the customers who bought
    /// nothing in the window (`None` when all or none did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_purchase_roc_auc: Option<f64>,
    /// CLV models: customers who bought nothing in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_purchase_customers: Option<usize>,
    /// The prediction-quality band.
    pub band: QualityBand,
}

/// Pairs (index in `prev`, index in `ids`) of the customers in both; an error when none is.
fn matched(
    prev: &PreviousScores,
    ids: &[String],
) -> Result<(Vec<(usize, usize)>, usize), ScoreError> {
    let index: HashMap<&str, usize> = prev
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let pairs: Vec<(usize, usize)> = ids
        .iter()
        .enumerate()
        .filter_map(|(j, id)| index.get(id.as_str()).map(|&i| (i, j)))
        .collect();
    if pairs.is_empty() {
        return Err(ScoreError::Data {
            source_name: prev.source.clone(),
            column: Some(CUSTOMER_ID.into()),
            reason: format!(
                "none of its {} customer ids is among the {} customers with an outcome: not \
                 the same customers, or ids written differently",
                prev.len(),
                ids.len()
            ),
        });
    }
    let unscored = ids.len() - pairs.len();
    Ok((pairs, unscored))
}

/// A churn classifier's earlier scores against churn labels (`churned[j]` of customer
/// `ids[j]`); `outcome` says where the labels come from.
pub fn churn_quality(
    prev: &PreviousScores,
    ids: &[String],
    churned: &[bool],
    outcome: String,
) -> Result<RealisedQuality, ScoreError> {
    let (pairs, unscored) = matched(prev, ids)?;
    let p: Vec<f64> = pairs
        .iter()
        .map(|&(i, _)| prev.churn_probability[i])
        .collect();
    let y: Vec<bool> = pairs.iter().map(|&(_, j)| churned[j]).collect();
    let actual: Vec<f64> = y.iter().map(|&c| f64::from(u8::from(c))).collect();
    let churn = realised(&p, &actual);
    let band = QualityBand::from_gini(
        churn.gini,
        "churn probability vs churned (Gini = 2·AUC − 1)",
    );
    Ok(RealisedQuality {
        scores: prev.source.clone(),
        outcome,
        customers: pairs.len(),
        scored_without_outcome: prev.len() - pairs.len(),
        outcome_without_score: unscored,
        churn_roc_auc: roc_auc(&y, &p).ok(),
        churn: Some(churn),
        purchases: None,
        value: None,
        value_column: None,
        no_purchase_roc_auc: None,
        no_purchase_customers: None,
        band,
    })
}

/// A CLV model's earlier scores against the outcome window of `s` (summaries whose holdout is
/// the window after the day the scores were written as of).
pub fn clv_quality(
    prev: &PreviousScores,
    s: &Summaries,
    outcome: String,
) -> Result<RealisedQuality, ScoreError> {
    let Some(expected) = &prev.expected_purchases else {
        return Err(ScoreError::Data {
            source_name: prev.source.clone(),
            column: Some(crate::score_file::EXPECTED_PURCHASES.into()),
            reason: "no expected purchases: not the score file of a CLV model".into(),
        });
    };
    let (pairs, unscored) = matched(prev, &s.ids)?;
    let pick = |v: &[f64]| pairs.iter().map(|&(i, _)| v[i]).collect::<Vec<f64>>();
    let bought: Vec<f64> = pairs
        .iter()
        .map(|&(_, j)| f64::from(s.holdout_x[j]))
        .collect();
    let spent: Vec<f64> = pairs.iter().map(|&(_, j)| s.holdout_spend[j]).collect();
    let none: Vec<bool> = bought.iter().map(|&x| x == 0.0).collect();
    let purchases = realised(&pick(expected), &bought);
    let band = QualityBand::from_gini(
        purchases.gini,
        "expected purchases vs purchases in the window",
    );
    Ok(RealisedQuality {
        scores: prev.source.clone(),
        outcome,
        customers: pairs.len(),
        scored_without_outcome: prev.len() - pairs.len(),
        outcome_without_score: unscored,
        churn_roc_auc: None,
        churn: None,
        purchases: Some(purchases),
        value: prev.clv.as_deref().map(|c| realised(&pick(c), &spent)),
        value_column: prev.clv.as_ref().and(prev.clv_column.clone()),
        no_purchase_roc_auc: prev
            .p_no_purchase
            .as_deref()
            .and_then(|p| roc_auc(&none, &pick(p)).ok()),
        no_purchase_customers: Some(none.iter().filter(|&&b| b).count()),
        band,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn prev(ids: &[&str], churn: &[f64]) -> PreviousScores {
        PreviousScores {
            source: "scores.csv".into(),
            ids: ids.iter().map(|s| s.to_string()).collect(),
            churn_probability: churn.to_vec(),
            ..PreviousScores::default()
        }
    }

    #[test]
    fn churn_quality_matches_by_id_and_its_gini_is_two_auc_minus_one() {
        // Scores of a..f; outcomes of f..a in reverse order plus a new customer g.
        let p = prev(
            &["a", "b", "c", "d", "e", "f"],
            &[0.9, 0.8, 0.8, 0.3, 0.2, 0.1],
        );
        let ids: Vec<String> = ["g", "f", "e", "d", "c", "b", "a"]
            .map(String::from)
            .to_vec();
        let churned = [true, false, true, false, false, true, true];
        let q = churn_quality(&p, &ids, &churned, "labels".into()).unwrap();
        assert_eq!(
            (
                q.customers,
                q.outcome_without_score,
                q.scored_without_outcome
            ),
            (6, 1, 0)
        );
        // Churners a (0.9), b (0.8), e (0.2) against stayers c (0.8), d (0.3), f (0.1): a
        // outranks all 3, b outranks d and f and ties c (2.5), e outranks f (1): 6.5 of 9.
        let auc = q.churn_roc_auc.unwrap();
        assert_abs_diff_eq!(auc, 6.5 / 9.0, epsilon = 1e-12);
        let churn = q.churn.as_ref().unwrap();
        assert_abs_diff_eq!(churn.gini.unwrap(), 2.0 * auc - 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(churn.actual_total, 3.0);
        assert_abs_diff_eq!(churn.predicted_total, 3.1, epsilon = 1e-12);
        // Gini 0.444… → 44.4, Good.
        assert_abs_diff_eq!(q.band.score, 44.4, epsilon = 1e-9);
        assert_eq!(q.band.band, super::super::band::Band::Good);
    }

    #[test]
    fn scores_of_other_customers_are_an_error_naming_the_file() {
        let p = prev(&["a", "b"], &[0.5, 0.5]);
        let e = churn_quality(&p, &["x".to_string()], &[true], "labels".into()).unwrap_err();
        assert!(e.to_string().contains("scores.csv"), "{e}");
    }
}
