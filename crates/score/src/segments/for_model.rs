//! The segmenter of a CLV scoring run, chosen once for the CLI, partitioned runs and the
//! Python package: customers are ranked against the artefact's reference sample of its
//! training base or, for an artefact trained before references existed, against the scored
//! base itself (a partitioned run, which has no whole base, then goes without segments).

use super::assign::Segmenter;
use super::reference::ReferenceBase;
use super::rules::SegmentRules;
use crate::ScoreError;
use crate::artefact::ClvArtefact;
use crate::churn_value::RiskTiers;
use crate::score::{Detail, Scorer};
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_models::clv::ClvSpec;

/// How a CLV run segments its customers.
#[derive(Debug, Clone)]
pub struct SegmentSettings {
    /// The rules (RFM segments, value tiers, optional risk tiers).
    pub rules: SegmentRules,
    /// High-risk cut-off over the rules' and the default's.
    pub high_risk: Option<f64>,
    /// Medium-risk cut-off over the rules' and the default's.
    pub medium_risk: Option<f64>,
}

impl Segmenter {
    /// The segmenter for scoring `art` over `horizon` with `spec`; `fallback` is the whole
    /// base being scored (a single-file or in-memory run), ranked against when the artefact
    /// has no reference sample. `None` (with a warning) when there is neither; `model` names
    /// the artefact in the warning.
    pub fn for_clv(
        art: &ClvArtefact,
        horizon: Duration,
        spec: &ClvSpec,
        settings: SegmentSettings,
        fallback: Option<&Summaries>,
        model: &str,
    ) -> Result<Option<Segmenter>, ScoreError> {
        let risk = settings.rules.risk_tiers_over(
            RiskTiers::default(),
            settings.high_risk,
            settings.medium_risk,
        )?;
        let sampled;
        let reference = match (&art.reference, fallback) {
            (Some(r), _) => r,
            (None, Some(s)) => {
                tracing::warn!(
                    model,
                    "the model has no reference sample of its training base (trained before \
                     segments): ranking against the scored customers; retrain to rank against \
                     the training base"
                );
                sampled = ReferenceBase::sample(s, "the scored base".into());
                &sampled
            }
            (None, None) => {
                tracing::warn!(
                    model,
                    "the model has no reference sample of its training base (trained before \
                     segments): partitions are scored without segments; retrain to add them"
                );
                return Ok(None);
            }
        };
        let scorer = Scorer::new(art, horizon, spec, Detail::Online)?;
        Ok(Some(Segmenter::new(
            reference,
            &scorer,
            settings.rules,
            risk,
        )?))
    }
}
