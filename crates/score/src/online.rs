//! Scoring one customer at a time, for the server: the same code paths as the CLI's batch
//! scoring (one summary through [`crate::score::Scorer`], a one-row customer
//! table through [`crate::churn_score::score_churn`]), so a customer scored over gRPC gets
//! exactly the numbers the nightly batch gives.
//!
//! Errors name the request field at fault (`summary.t_x`, `features.tenure`...), so the server
//! can hand them to the caller as they are.

use crate::ScoreError;
use crate::artefact::{Artefact, ChurnArtefact, ClvArtefact, SubscriptionArtefact};
use crate::churn_score::{DRIVERS, ScoreOptions, score_churn};
use crate::churn_value::RiskTiers;
use crate::score::{Detail, Scorer};
use crate::segments::{ChurnRanker, SegmentRules, Segmenter};
use crate::subscription_score::score_subscription;
use retain_core::features::{FeatureError, RawColumn, RawTable};
use retain_core::summary::{SummaryOptions, summarise};
use retain_core::time::{Duration, TimeUnit, iso};
use retain_core::transactions::TransactionLog;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod instant;

pub use instant::instant_day;

/// Horizon used when a request names none (CLV models): 52 weeks, as the CLI.
pub const DEFAULT_HORIZON: Duration = Duration {
    value: 52.0,
    unit: TimeUnit::Week,
};

/// Most cash-flow steps a CLV request may ask for: the one limit of the CLI and the server.
pub use retain_models::clv::MAX_CLV_STEPS;

/// An artefact loaded for serving.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// Model name: the file stem.
    pub name: String,
    /// The artefact's content version ([`crate::artefact::version_of`]), as the CLI reports it.
    pub version: String,
    /// Where it was loaded from.
    pub file: PathBuf,
    /// The file's text (for an authenticated admin `GetModel`).
    pub text: String,
    /// The artefact without what describes the training data's people and places (training
    /// command, data file name and fingerprint, reference sample of training customers): what
    /// `GetModel` shows to callers who are not an authenticated admin.
    pub public_text: String,
    /// The parsed, checked artefact.
    pub artefact: Artefact,
    /// CLV models with a reference sample, once [`LoadedModel::with_segments`] ran.
    pub segments: Option<Arc<SegmentCache>>,
}

/// Horizons whose reference distributions a served model keeps (others are computed per
/// request: about 5,000 model evaluations).
const MAX_CACHED_HORIZONS: usize = 32;

/// The segment rules of a served CLV model and, per horizon, the reference distributions
/// its customers are ranked against.
#[derive(Debug)]
pub struct SegmentCache {
    rules: SegmentRules,
    by_horizon: Mutex<HashMap<(u64, u64), Arc<Segmenter>>>,
    /// Churn classifiers with a reference: their ranker.
    churn: Option<ChurnRanker>,
}

impl SegmentCache {
    /// The segmenter for `horizon` (whose CLV settings `scorer` has resolved).
    fn for_horizon(
        &self,
        a: &ClvArtefact,
        scorer: &Scorer<'_>,
        horizon: Duration,
    ) -> Result<Arc<Segmenter>, ScoreError> {
        let key = (horizon.value.to_bits(), horizon.unit.days().to_bits());
        let cached = self
            .by_horizon
            .lock()
            .map_err(|_| ScoreError::Internal("segment cache poisoned".into()))?
            .get(&key)
            .cloned();
        if let Some(s) = cached {
            return Ok(s);
        }
        let reference = a
            .reference
            .as_ref()
            .ok_or_else(|| ScoreError::Internal("the model has no reference sample".into()))?;
        let risk = self
            .rules
            .risk_tiers_over(RiskTiers::default(), None, None)?;
        let s = Arc::new(Segmenter::new(reference, scorer, self.rules.clone(), risk)?);
        if let Ok(mut m) = self.by_horizon.lock()
            && m.len() < MAX_CACHED_HORIZONS
        {
            m.insert(key, s.clone());
        }
        Ok(s)
    }
}

/// Keys of an artefact that describe the training data rather than the model.
const PRIVATE_KEYS: [&str; 3] = ["training_command", "reference", "feature_reference"];
/// Keys of an artefact's `data` object that name the training file.
const PRIVATE_DATA_KEYS: [&str; 2] = ["file", "fingerprint"];

/// An artefact's JSON without [`PRIVATE_KEYS`] and [`PRIVATE_DATA_KEYS`].
fn public_view(text: &str) -> Result<String, String> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if let Some(o) = v.as_object_mut() {
        for k in PRIVATE_KEYS {
            o.remove(k);
        }
        if let Some(d) = o.get_mut("data").and_then(|d| d.as_object_mut()) {
            for k in PRIVATE_DATA_KEYS {
                d.remove(k);
            }
        }
    }
    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())
}

impl LoadedModel {
    /// Reads, hashes, parses and checks an artefact file; the reason is returned on refusal.
    pub fn from_file(path: &Path) -> Result<LoadedModel, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
        let artefact = Artefact::from_json(&text)?;
        let version = artefact.version().to_string();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        Ok(LoadedModel {
            name,
            version,
            file: path.to_path_buf(),
            public_text: public_view(&text)?,
            text,
            artefact,
            segments: None,
        })
    }

    /// Segments this model's customers with `rules`: a CLV model with a reference sample of
    /// its training base gets RFM segment, value tier and percentile ranks in every score
    /// (the default horizon's reference is computed here, others on first use). Other models
    /// are returned as they are.
    pub fn with_segments(mut self, rules: &SegmentRules) -> Result<LoadedModel, String> {
        if let Artefact::Churn(a) = &self.artefact {
            // The rules' risk tiers apply to classifiers too, and their value tiers when the
            // artefact can rank customers.
            rules
                .risk_tiers_over(a.tiers, None, None)
                .map_err(|e| e.to_string())?;
            self.segments = Some(Arc::new(SegmentCache {
                rules: rules.clone(),
                by_horizon: Mutex::new(HashMap::new()),
                churn: a
                    .reference
                    .as_ref()
                    .map(|r| ChurnRanker::new(r, rules.value_tiers)),
            }));
        }
        if let Artefact::Subscription(a) = &self.artefact {
            // The rules' risk tiers apply; subscription models keep no reference to rank against.
            rules
                .risk_tiers_over(a.tiers, None, None)
                .map_err(|e| e.to_string())?;
            self.segments = Some(Arc::new(SegmentCache {
                rules: rules.clone(),
                by_horizon: Mutex::new(HashMap::new()),
                churn: None,
            }));
        }
        if let Artefact::Clv(a) = &self.artefact
            && a.reference.is_some()
        {
            let cache = SegmentCache {
                rules: rules.clone(),
                by_horizon: Mutex::new(HashMap::new()),
                churn: None,
            };
            let spec = a.clv_spec(DEFAULT_HORIZON, None, None);
            let scorer = Scorer::new(a, DEFAULT_HORIZON, &spec, Detail::Online)
                .map_err(|e| e.to_string())?;
            cache
                .for_horizon(a, &scorer, DEFAULT_HORIZON)
                .map_err(|e| format!("segment reference: {e}"))?;
            self.segments = Some(Arc::new(cache));
        }
        Ok(self)
    }

    /// `clv`, `churn` or `subscription`.
    pub fn kind(&self) -> &'static str {
        self.artefact.kind()
    }

    /// What model it is, e.g. `pareto-nbd + gamma-gamma` or `gbdt`.
    pub fn model_type(&self) -> String {
        match &self.artefact {
            Artefact::Clv(a) => {
                let purchase = serde_json::to_value(a.purchase)
                    .ok()
                    .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                    .unwrap_or_default();
                match a.spend {
                    Some(_) => format!("{purchase} + gamma-gamma"),
                    None => purchase,
                }
            }
            Artefact::Churn(a) => a.fitted.model.name().to_string(),
            Artefact::Subscription(a) => a.model_kind.clone(),
        }
    }

    /// Unit of the model's time-valued quantities: the CLV model's unit, or the churn period's.
    pub fn time_unit(&self) -> Option<TimeUnit> {
        match &self.artefact {
            Artefact::Clv(a) => Some(a.time_unit),
            Artefact::Churn(a) => a.value.as_ref().map(|v| v.period.unit),
            Artefact::Subscription(a) => Some(a.period.unit),
        }
    }

    /// RFC 3339 training time.
    pub fn trained_at(&self) -> &str {
        match &self.artefact {
            Artefact::Clv(a) => &a.trained_at,
            Artefact::Churn(a) => &a.trained_at,
            Artefact::Subscription(a) => &a.trained_at,
        }
    }
}

/// A churn feature value as a client sends it.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureInput {
    /// A number.
    Number(f64),
    /// A text (category, or a number or flag written as text).
    Text(String),
    /// A boolean.
    Flag(bool),
    /// Missing: imputed as in training.
    Missing,
}

/// What a request gives about the customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A ready summary (CLV models), times in `unit`.
    Summary {
        /// Repeat purchases.
        x: u32,
        /// Time of the last purchase since the first.
        t_x: f64,
        /// Time from the first purchase to the as-of date.
        t: f64,
        /// Mean repeat purchase value.
        monetary: f64,
        /// Unit of `t_x` and `t`.
        unit: TimeUnit,
    },
    /// A purchase history (CLV models): (instant, amount) pairs and the as-of instant, in
    /// seconds since 1970-01-01T00:00:00Z. Each instant counts on its calendar day in the
    /// model's time zone (see [`LoadedModel::day_of`]).
    History {
        /// Purchases.
        transactions: Vec<(i64, f64)>,
        /// Score as of this instant's day (inclusive).
        as_of: i64,
    },
    /// A customer-table row (churn classifiers).
    Features(Vec<(String, FeatureInput)>),
}

/// One customer's scores.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OnlineScore {
    /// P(churn): 1 − P(alive) for CLV models, the calibrated classifier probability otherwise.
    pub churn_probability: f64,
    /// CLV models.
    pub p_alive: Option<f64>,
    /// CLV models, over the horizon.
    pub expected_purchases: Option<f64>,
    /// CLV models with a spend model.
    pub expected_spend: Option<f64>,
    /// Discounted CLV (over the horizon; lifetime for churn models without a horizon).
    pub clv: Option<f64>,
    /// Value if retained × churn probability (CLV given alive × (1 − P(alive)) for CLV models).
    pub value_at_risk: Option<f64>,
    /// Churn models with a margin: expected remaining lifetime in `time_unit`; subscription
    /// models: the same (absent when infinite).
    pub expected_lifetime: Option<f64>,
    /// Subscription models: d ln CLV / d ln retention rate.
    pub retention_elasticity: Option<f64>,
    /// Unit of time-valued outputs.
    pub time_unit: Option<TimeUnit>,
    /// The horizon used (None: the whole remaining lifetime).
    pub horizon: Option<Duration>,
    /// Risk tier.
    pub risk_tier: &'static str,
    /// Top drivers (churn classifiers): input column, log-odds contribution.
    pub drivers: Vec<(String, f64)>,
    /// Segment and ranks against the training base (CLV models with a reference sample).
    pub segment: Option<OnlineSegment>,
    /// Churn classifiers: request features the model does not use (sorted), so a caller
    /// learns about a misspelt column instead of having it silently ignored.
    pub ignored_features: Vec<String>,
}

/// A customer's segment and ranks in a served score.
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineSegment {
    /// RFM scores 1..=5: recency, frequency, monetary (CLV models).
    pub rfm: Option<[u8; 3]>,
    /// Named RFM segment (CLV models).
    pub name: Option<String>,
    /// Value tier (with a spend model).
    pub value_tier: Option<&'static str>,
    /// Percentile ranks (0–100) of churn probability, CLV and value at risk.
    pub churn_percentile: f64,
    /// CLV percentile (with a spend model).
    pub clv_percentile: Option<f64>,
    /// Value-at-risk percentile (with a spend model).
    pub value_at_risk_percentile: Option<f64>,
}

/// Why a request (scoring a customer, or a page of a campaign list) could not be served.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    /// The request is wrong; `field` names the part at fault.
    #[error("{field}: {message}")]
    Invalid {
        /// Request field, e.g. `summary.t_x`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Something failed inside (not the caller's fault).
    #[error("internal error: {0}")]
    Internal(String),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> OnlineError {
    OnlineError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn feature_error(e: FeatureError) -> OnlineError {
    let message = e.to_string();
    match e {
        FeatureError::MissingColumn { column }
        | FeatureError::WrongType { column, .. }
        | FeatureError::UnknownLevel { column, .. } => {
            invalid(format!("features.{column}"), message)
        }
        _ => invalid("features", message),
    }
}

/// Maps a domain error: input problems become `Invalid` on `field`.
fn domain(field: &str, e: ScoreError) -> OnlineError {
    match e {
        ScoreError::Feature(f) => feature_error(f),
        ScoreError::Model(m) => invalid(field, m.to_string()),
        ScoreError::Core(c) => invalid(field, c.to_string()),
        ScoreError::Setting { reason, .. } => invalid(field, reason),
        ScoreError::Data {
            column: Some(c),
            reason,
            ..
        } => invalid(format!("features.{c}"), reason),
        ScoreError::Data {
            column: None,
            reason,
            ..
        } => invalid(field, reason),
        ScoreError::Io(_)
        | ScoreError::Metric(_)
        | ScoreError::Artefact { .. }
        | ScoreError::Frame(_)
        | ScoreError::Internal(_) => OnlineError::Internal(e.to_string()),
    }
}

/// Scores one customer with a loaded model.
pub fn score_one(
    m: &LoadedModel,
    customer_id: &str,
    horizon: Option<Duration>,
    input: Input,
) -> Result<OnlineScore, OnlineError> {
    match (&m.artefact, input) {
        (
            Artefact::Clv(a),
            Input::Summary {
                x,
                t_x,
                t,
                monetary,
                unit,
            },
        ) => {
            for (field, v) in [("summary.t_x", t_x), ("summary.t", t)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(invalid(field, format!("must be finite and >= 0, got {v}")));
                }
            }
            if t_x > t {
                return Err(invalid(
                    "summary.t_x",
                    format!("the last purchase (t_x = {t_x}) is after the as-of time (t = {t})"),
                ));
            }
            if x > 0 && t_x == 0.0 {
                return Err(invalid(
                    "summary.t_x",
                    format!("{x} repeat purchases need t_x > 0"),
                ));
            }
            if x == 0 && t_x != 0.0 {
                return Err(invalid(
                    "summary.t_x",
                    format!("t_x = {t_x} with 0 repeat purchases (must be 0)"),
                ));
            }
            if !(monetary.is_finite() && monetary >= 0.0) {
                return Err(invalid(
                    "summary.monetary_value",
                    format!("must be finite and >= 0, got {monetary}"),
                ));
            }
            let k = unit.days() / a.time_unit.days();
            let monetary = if x > 0 { monetary } else { 0.0 };
            clv_scores(m, a, (x, t_x * k, t * k, monetary), horizon, "summary")
        }
        (
            Artefact::Clv(a),
            Input::History {
                transactions,
                as_of,
            },
        ) => {
            if transactions.is_empty() {
                return Err(invalid("history.transactions", "no transactions"));
            }
            let as_of = m.day_of(as_of, 0, "history.as_of")?;
            let mut log = TransactionLog::with_capacity(transactions.len());
            for (i, &(time, amount)) in transactions.iter().enumerate() {
                let day = m.day_of(time, 0, &format!("history.transactions[{i}].time"))?;
                if !amount.is_finite() {
                    return Err(invalid(
                        format!("history.transactions[{i}].amount"),
                        format!("must be finite, got {amount}"),
                    ));
                }
                if day > as_of {
                    return Err(invalid(
                        format!("history.transactions[{i}].time"),
                        format!("{} is after as_of {}", iso(day), iso(as_of)),
                    ));
                }
                log.push(customer_id, day, amount);
            }
            let s = summarise(&log, &SummaryOptions::new(a.time_unit, as_of))
                .map_err(|e| invalid("history", e.to_string()))?;
            if s.is_empty() {
                return Err(invalid(
                    "history.transactions",
                    "no purchase on or before as_of",
                ));
            }
            clv_scores(
                m,
                a,
                (s.x[0], s.t_x[0], s.t[0], s.monetary[0]),
                horizon,
                "history",
            )
        }
        (Artefact::Clv(_), Input::Features(_)) => Err(invalid(
            "features",
            format!(
                "model {:?} is a CLV model: send a summary or a transaction history",
                m.name
            ),
        )),
        (Artefact::Churn(a), Input::Features(values)) => churn_scores(m, a, customer_id, values),
        (Artefact::Churn(_), _) => Err(invalid(
            "input",
            format!("model {:?} is a churn classifier: send features", m.name),
        )),
        (Artefact::Subscription(a), Input::Features(values)) => subscription_scores(m, a, values),
        (Artefact::Subscription(_), _) => Err(invalid(
            "input",
            format!(
                "model {:?} is a subscription model: send features with the tenure column",
                m.name
            ),
        )),
    }
}

/// Scores one summary (x, t_x, T in the model's unit, mean repeat spend).
fn clv_scores(
    m: &LoadedModel,
    a: &ClvArtefact,
    (x, t_x, t, monetary): (u32, f64, f64, f64),
    horizon: Option<Duration>,
    input_field: &str,
) -> Result<OnlineScore, OnlineError> {
    let horizon = horizon.unwrap_or(DEFAULT_HORIZON);
    if !(horizon.value.is_finite() && horizon.value > 0.0) {
        return Err(invalid(
            "horizon.value",
            format!("must be positive, got {}", horizon.value),
        ));
    }
    let spec = a.clv_spec(horizon, None, None);
    // The CLV sum costs one model evaluation per step: bound it, so no request can hold a
    // worker for minutes.
    if let Some(reason) = spec.too_many_steps() {
        return Err(invalid("horizon.value", reason));
    }
    let scorer =
        Scorer::new(a, horizon, &spec, Detail::Online).map_err(|e| domain("horizon", e))?;
    let c = scorer.score(x, t_x, t, monetary).map_err(|e| {
        // The horizon was checked above: the customer's own numbers are at fault. Blame the
        // spend when the same customer scores with an ordinary one (monetary_value 1e308 makes
        // CLV overflow), else the whole summary or history.
        let field = if input_field == "summary"
            && monetary != 1.0
            && scorer.score(x, t_x, t, 1.0).is_ok()
        {
            "summary.monetary_value"
        } else {
            input_field
        };
        domain(field, e)
    })?;
    let p = c.churn_probability();
    let mut risk_tier = RiskTiers::default().tier(p);
    let segment = match &m.segments {
        Some(cache) => {
            let seg = cache
                .for_horizon(a, &scorer, horizon)
                .map_err(|e| OnlineError::Internal(e.to_string()))?;
            let s = seg.customer(x, t_x, t, monetary, p, c.clv, c.value_at_risk());
            risk_tier = s.risk_tier;
            Some(OnlineSegment {
                rfm: Some([s.r, s.f, s.m]),
                name: Some(seg.rules().name(s.segment).to_owned()),
                value_tier: s.value_tier,
                churn_percentile: s.churn_percentile,
                clv_percentile: s.clv_percentile,
                value_at_risk_percentile: s.value_at_risk_percentile,
            })
        }
        None => None,
    };
    let out = OnlineScore {
        churn_probability: p,
        p_alive: Some(c.p_alive),
        expected_purchases: Some(c.expected_purchases),
        expected_spend: c.expected_spend,
        clv: c.clv,
        value_at_risk: c.value_at_risk(),
        expected_lifetime: None,
        retention_elasticity: None,
        time_unit: Some(a.time_unit),
        horizon: Some(horizon),
        risk_tier,
        drivers: Vec::new(),
        segment,
        ignored_features: Vec::new(),
    };
    check_finite(&out)?;
    Ok(out)
}

fn churn_scores(
    m: &LoadedModel,
    a: &ChurnArtefact,
    customer_id: &str,
    values: Vec<(String, FeatureInput)>,
) -> Result<OnlineScore, OnlineError> {
    let used: Vec<String> = a
        .fitted
        .pipeline
        .describe()
        .into_iter()
        .map(|d| d.column)
        .chain(a.value.as_ref().map(|v| v.margin_column.clone()))
        .collect();
    let mut ignored: Vec<String> = values
        .iter()
        .filter(|(name, _)| !used.contains(name))
        .map(|(name, _)| name.clone())
        .collect();
    ignored.sort();
    let table = feature_table(values)?;
    let tiers = match &m.segments {
        Some(c) => c
            .rules
            .risk_tiers_over(a.tiers, None, None)
            .map_err(|e| OnlineError::Internal(e.to_string()))?,
        None => a.tiers,
    };
    let options = ScoreOptions {
        tiers,
        drivers: DRIVERS,
    };
    // A missing or bad margin column is a Data error naming it: `features.<margin column>`.
    let s = score_churn(a, table, &options).map_err(|e| domain("features", e))?;
    let value = s.value.as_ref().map(|v| v[0]);
    let segment = m
        .segments
        .as_ref()
        .and_then(|c| c.churn.as_ref())
        .map(|ranker| {
            let r = ranker.ranks(&s);
            OnlineSegment {
                rfm: None,
                name: None,
                value_tier: r.value_tier.map(|v| v[0]),
                churn_percentile: r.churn_percentile[0],
                clv_percentile: r.clv_percentile.map(|v| v[0]),
                value_at_risk_percentile: r.value_at_risk_percentile.map(|v| v[0]),
            }
        });
    let out = OnlineScore {
        churn_probability: s.churn_probability[0],
        p_alive: None,
        expected_purchases: None,
        expected_spend: None,
        clv: value.map(|v| v.clv),
        value_at_risk: value.map(|v| v.value_at_risk),
        expected_lifetime: value.map(|v| v.expected_lifetime_periods),
        retention_elasticity: None,
        time_unit: a.value.as_ref().map(|v| v.period.unit),
        horizon: a.value.as_ref().and_then(|v| v.horizon),
        risk_tier: s.tier[0],
        drivers: s.drivers.into_iter().next().unwrap_or_default(),
        segment,
        ignored_features: ignored,
    };
    let _ = customer_id;
    check_finite(&out)?;
    Ok(out)
}

/// A request's features as a one-row table (a name given twice or a non-finite number is
/// refused, naming `features.<name>`).
fn feature_table(values: Vec<(String, FeatureInput)>) -> Result<RawTable, OnlineError> {
    let mut table = RawTable::default();
    for (name, v) in values {
        if table.names.contains(&name) {
            return Err(invalid(format!("features.{name}"), "given twice"));
        }
        let column = match v {
            FeatureInput::Number(x) if x.is_finite() => RawColumn::Numeric(vec![Some(x)]),
            FeatureInput::Number(x) => {
                return Err(invalid(
                    format!("features.{name}"),
                    format!("{x} is not a finite number (send `missing` for a gap)"),
                ));
            }
            FeatureInput::Text(s) => RawColumn::Text(vec![Some(s)]),
            FeatureInput::Flag(b) => RawColumn::Bool(vec![Some(b)]),
            FeatureInput::Missing => RawColumn::Text(vec![None]),
        };
        table.names.push(name);
        table.columns.push(column);
    }
    Ok(table)
}

fn subscription_scores(
    m: &LoadedModel,
    a: &SubscriptionArtefact,
    values: Vec<(String, FeatureInput)>,
) -> Result<OnlineScore, OnlineError> {
    let c = &a.columns;
    let used: Vec<&str> = [Some(&c.tenure), c.cohort.as_ref(), c.id.as_ref()]
        .into_iter()
        .flatten()
        .chain(a.value.as_ref().map(|v| &v.margin_column))
        .map(String::as_str)
        .collect();
    let mut ignored: Vec<String> = values
        .iter()
        .filter(|(name, _)| !used.contains(&name.as_str()))
        .map(|(name, _)| name.clone())
        .collect();
    ignored.sort();
    // The id is the request's customer_id: the artefact's id column is not required.
    let mut table = feature_table(values)?;
    if let Some(id) = &c.id
        && table.column(id).is_none()
    {
        table.push(id.clone(), RawColumn::Text(vec![Some("request".into())]));
    }
    let tiers = match &m.segments {
        Some(cache) => cache
            .rules
            .risk_tiers_over(a.tiers, None, None)
            .map_err(|e| OnlineError::Internal(e.to_string()))?,
        None => a.tiers,
    };
    // A missing or bad tenure, cohort or margin is a Data error naming `features.<column>`.
    let s = score_subscription(a, &table, &tiers).map_err(|e| domain("features", e))?;
    let v = s.values[0];
    let out = OnlineScore {
        churn_probability: v.churn_probability,
        p_alive: None,
        expected_purchases: None,
        expected_spend: None,
        clv: s.has_margin.then_some(v.clv),
        value_at_risk: s.has_margin.then_some(v.value_at_risk),
        expected_lifetime: v.expected_lifetime_periods,
        retention_elasticity: Some(v.retention_elasticity),
        time_unit: Some(a.period.unit),
        horizon: a.horizon,
        risk_tier: s.tier[0],
        drivers: Vec::new(),
        segment: None,
        ignored_features: ignored,
    };
    check_finite(&out)?;
    Ok(out)
}

/// No NaN or infinity reaches a caller: a non-finite output is an internal error.
fn check_finite(s: &OnlineScore) -> Result<(), OnlineError> {
    let all = [
        Some(s.churn_probability),
        s.p_alive,
        s.expected_purchases,
        s.expected_spend,
        s.clv,
        s.value_at_risk,
        s.expected_lifetime,
        s.retention_elasticity,
    ];
    if all.iter().flatten().all(|v| v.is_finite()) && s.drivers.iter().all(|(_, v)| v.is_finite()) {
        Ok(())
    } else {
        Err(OnlineError::Internal("a score was not finite".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cdnow() -> LoadedModel {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/cdnow.json");
        LoadedModel::from_file(&path).unwrap()
    }

    fn summary(x: u32, t_x: f64, t: f64, monetary: f64) -> Input {
        Input::Summary {
            x,
            t_x,
            t,
            monetary,
            unit: TimeUnit::Week,
        }
    }

    fn field_of(r: Result<OnlineScore, OnlineError>) -> (String, String) {
        match r {
            Err(OnlineError::Invalid { field, message }) => (field, message),
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn a_summary_with_recency_but_no_repeat_purchase_is_refused() {
        let m = cdnow();
        let (field, message) = field_of(score_one(&m, "c", None, summary(0, 5.0, 30.0, 0.0)));
        assert_eq!(field, "summary.t_x");
        assert!(message.contains("0 repeat purchases"), "{message}");
        score_one(&m, "c", None, summary(0, 0.0, 30.0, 0.0)).unwrap();
    }

    #[test]
    fn an_overflowing_spend_is_blamed_on_monetary_value_not_the_horizon() {
        let m = cdnow();
        let (field, _) = field_of(score_one(&m, "c", None, summary(3, 10.0, 30.0, 1e308)));
        assert_eq!(field, "summary.monetary_value");
    }

    #[test]
    fn the_server_refuses_the_same_clv_step_count_as_the_cli() {
        let m = cdnow();
        let horizon = Duration::new(1_000_000.0, TimeUnit::Year);
        let (field, message) = field_of(score_one(
            &m,
            "c",
            Some(horizon),
            summary(1, 2.0, 30.0, 20.0),
        ));
        assert_eq!(field, "horizon.value");
        assert!(message.contains("at most 10000 are allowed"), "{message}");
    }
}
