//! The prediction-quality band: one 0–100 score of how well a model ranked the outcomes it
//! predicted, and a name for it, in the spirit of Braze's "prediction quality" (thresholds are
//! ours, stated here and in the README).
//!
//! Score = 100 × the normalised Gini of the ranking, rounded to 0.1 and clamped to 0–100. For a churn
//! probability against churned / stayed that Gini is 2 · ROC AUC − 1, so AUC 0.5 (random)
//! scores 0, AUC 0.8 scores 60 and a perfect ranking 100; for expected purchases or CLV it is
//! the share of the perfect ordering's Gini the model reaches (Lorenz / CAP curve), so a model
//! as good as random scores 0 whatever the kind of outcome.
//!
//! | band       | score        | ROC AUC (churn) |
//! |------------|--------------|-----------------|
//! | Excellent  | 60 – 100     | ≥ 0.80          |
//! | Good       | 40 – < 60    | 0.70 – 0.80     |
//! | Fair       | 20 – < 40    | 0.60 – 0.70     |
//! | Poor       | 10 – < 20    | 0.55 – 0.60     |
//! | Not usable | < 10, or no outcome to rank | < 0.55 |

use serde::{Deserialize, Serialize};

/// Score from which a ranking is Excellent.
pub const EXCELLENT: f64 = 60.0;
/// Score from which a ranking is Good.
pub const GOOD: f64 = 40.0;
/// Score from which a ranking is Fair.
pub const FAIR: f64 = 20.0;
/// Score from which a ranking is Poor (below: not usable).
pub const POOR: f64 = 10.0;

/// The name of a quality score's band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Score ≥ 60.
    Excellent,
    /// 40 ≤ score < 60.
    Good,
    /// 20 ≤ score < 40.
    Fair,
    /// 10 ≤ score < 20.
    Poor,
    /// Score < 10, or nothing to rank (every customer had the same outcome).
    NotUsable,
}

impl Band {
    /// The band of a 0–100 score.
    pub fn of(score: f64) -> Band {
        if score >= EXCELLENT {
            Band::Excellent
        } else if score >= GOOD {
            Band::Good
        } else if score >= FAIR {
            Band::Fair
        } else if score >= POOR {
            Band::Poor
        } else {
            Band::NotUsable
        }
    }

    /// The band's name as shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Band::Excellent => "Excellent",
            Band::Good => "Good",
            Band::Fair => "Fair",
            Band::Poor => "Poor",
            Band::NotUsable => "Not usable",
        }
    }
}

/// A prediction-quality score, its band, and what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityBand {
    /// 0–100: 100 × the normalised Gini rounded to 0.1, clamped (0 when there was nothing to
    /// rank).
    pub score: f64,
    /// The band of the score.
    pub band: Band,
    /// The prediction and outcome the Gini is of, e.g. "churn probability vs churned".
    pub basis: String,
}

impl QualityBand {
    /// The band of a normalised Gini (`None`: nothing to rank, not usable).
    pub fn from_gini(gini: Option<f64>, basis: impl Into<String>) -> QualityBand {
        let score = gini
            .filter(|g| g.is_finite())
            // Rounded to 0.1 so that AUC 0.7 (Gini 0.3999…98 in floating point) is Good.
            .map_or(0.0, |g| ((1000.0 * g).round() / 10.0).clamp(0.0, 100.0));
        QualityBand {
            score,
            band: if gini.is_some_and(f64::is_finite) {
                Band::of(score)
            } else {
                Band::NotUsable
            },
            basis: basis.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_change_exactly_at_their_thresholds() {
        assert_eq!(Band::of(100.0), Band::Excellent);
        assert_eq!(Band::of(60.0), Band::Excellent);
        assert_eq!(Band::of(59.999), Band::Good);
        assert_eq!(Band::of(40.0), Band::Good);
        assert_eq!(Band::of(39.999), Band::Fair);
        assert_eq!(Band::of(20.0), Band::Fair);
        assert_eq!(Band::of(19.999), Band::Poor);
        assert_eq!(Band::of(10.0), Band::Poor);
        assert_eq!(Band::of(9.999), Band::NotUsable);
        assert_eq!(Band::of(0.0), Band::NotUsable);
    }

    #[test]
    fn the_score_is_the_gini_in_percent_clamped() {
        let b = QualityBand::from_gini(Some(0.6), "x");
        assert!((b.score - 60.0).abs() < 1e-9);
        assert_eq!(b.band, Band::Excellent);
        // AUC 0.7 → Gini 0.4 → Good; a worse-than-random ranking scores 0.
        assert_eq!(
            QualityBand::from_gini(Some(2.0 * 0.7 - 1.0), "x").band,
            Band::Good
        );
        let worse = QualityBand::from_gini(Some(-0.3), "x");
        assert_eq!((worse.score, worse.band), (0.0, Band::NotUsable));
        let none = QualityBand::from_gini(None, "x");
        assert_eq!((none.score, none.band), (0.0, Band::NotUsable));
        assert_eq!(
            QualityBand::from_gini(Some(f64::NAN), "x").band,
            Band::NotUsable
        );
        assert_eq!(QualityBand::from_gini(Some(1.2), "x").score, 100.0);
    }
}
