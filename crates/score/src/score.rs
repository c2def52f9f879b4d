//! Scoring customers with a CLV artefact: P(alive), churn probability, expected purchases,
//! expected spend, discounted CLV and value at risk, per customer.

use crate::ScoreError;
use crate::artefact::ClvArtefact;
use rayon::prelude::*;
use retain_core::summary::Summaries;
use retain_core::time::Duration;
use retain_models::btyd::NextPurchase;
use retain_models::clv::{ClvSpec, ClvSteps, clv};

/// One score table, column-wise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreTable {
    /// Customer ids.
    pub ids: Vec<String>,
    /// Repeat purchases.
    pub x: Vec<u32>,
    /// Recency in the model's unit.
    pub t_x: Vec<f64>,
    /// Age in the model's unit.
    pub t: Vec<f64>,
    /// Mean repeat spend (the input, kept for the monetary RFM score).
    pub monetary: Vec<f64>,
    /// P(alive) at the as-of date.
    pub p_alive: Vec<f64>,
    /// 1 − P(alive).
    pub churn_probability: Vec<f64>,
    /// Expected purchases over the horizon.
    pub expected_purchases: Vec<f64>,
    /// P(no purchase over the horizon).
    pub p_no_purchase: Vec<f64>,
    /// Expected spend per purchase (Gamma-Gamma), if a spend model exists.
    pub expected_spend: Option<Vec<f64>>,
    /// Discounted CLV over the horizon, if a spend model exists.
    pub clv: Option<Vec<f64>>,
    /// CLV given alive × churn probability (see [`CustomerScore::value_at_risk`]).
    pub value_at_risk: Option<Vec<f64>>,
    /// P(alive at the as-of date + horizon).
    pub p_alive_after: Vec<f64>,
    /// P(at least one purchase over the horizon) = 1 − P(no purchase).
    pub p_any_purchase: Vec<f64>,
    /// P(exactly k purchases over the horizon) for k = 1..=K ([`Extra::pmf_max`]), one
    /// vector per k (k = 0 is [`Self::p_no_purchase`]).
    pub pmf: Vec<Vec<f64>>,
    /// Time to the next purchase if the customer stays alive, mean (`None`: infinite) and
    /// median, in the model's unit.
    pub next_mean_if_alive: Vec<Option<f64>>,
    /// See [`Self::next_mean_if_alive`].
    pub next_median_if_alive: Vec<f64>,
    /// Time to the next purchase given it comes within the horizon, mean and median, in the
    /// model's unit (`None` when no purchase can come).
    pub next_mean_within: Vec<Option<f64>>,
    /// See [`Self::next_mean_within`].
    pub next_median_within: Vec<Option<f64>>,
    /// The as-of day + [`Self::next_mean_within`] (days since 1970-01-01), when the as-of
    /// day is known ([`Extra::dates`]).
    pub next_purchase_day: Option<Vec<Option<i32>>>,
    /// Pareto/NBD only: discounted expected residual transactions over the whole remaining
    /// lifetime (Fader, Hardie & Shang 2010), continuous discounting at the CLV discount rate.
    pub dert: Option<Vec<f64>>,
}

/// Optional outputs of [`score_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extra {
    /// The conditional PMF P(k purchases over the horizon) for k = 1..=pmf_max (at most
    /// [`MAX_PMF`]).
    pub pmf_max: u32,
    /// Whether the first-purchase days are real (a transaction log), so that the next purchase
    /// can be dated; summaries from a file have none.
    pub dates: bool,
}

/// The largest `pmf_max` of [`Extra`] (`retain score --pmf`).
pub const MAX_PMF: u32 = 100;

/// What [`score_customer`] computes beyond P(alive), expected purchases and CLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything the batch score table has: also P(no purchase) and (Pareto/NBD) DERT.
    Full,
    /// What the server returns.
    Online,
}

/// A score request resolved against one artefact, once per batch or request: horizon and
/// CLV steps in the model's time unit, and the continuous discount rate for DERT.
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    artefact: &'a ClvArtefact,
    horizon: f64,
    steps: Option<ClvSteps>,
    delta: f64,
    detail: Detail,
}

/// One customer's scores (see [`ScoreTable`] for the meaning of each).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerScore {
    /// P(alive) at the as-of date.
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// P(no purchase over the horizon) ([`Detail::Full`] only).
    pub p_no_purchase: Option<f64>,
    /// Expected spend per purchase, with a spend model.
    pub expected_spend: Option<f64>,
    /// Discounted CLV over the horizon, with a spend model: P(alive) × [`Self::clv_if_alive`].
    pub clv: Option<f64>,
    /// Discounted CLV over the horizon of the customer if alive now (what a retained customer
    /// is worth), with a spend model.
    pub clv_if_alive: Option<f64>,
    /// Pareto/NBD, [`Detail::Full`] only.
    pub dert: Option<f64>,
}

impl CustomerScore {
    /// 1 − P(alive).
    pub fn churn_probability(&self) -> f64 {
        1.0 - self.p_alive
    }

    /// Value at risk: what the customer is worth if retained (CLV given alive) × the
    /// probability of having lost them (1 − P(alive)). CLV already includes P(alive), so
    /// CLV × churn probability would count the churn risk twice and rank the customers most
    /// likely lost last.
    pub fn value_at_risk(&self) -> Option<f64> {
        self.clv_if_alive.map(|v| v * self.churn_probability())
    }
}

impl<'a> Scorer<'a> {
    /// Checks the horizon (positive; at most [`retain_models::clv::MAX_CLV_STEPS`] CLV steps,
    /// the server's limit and message) and resolves `spec` (whose horizon is `horizon`).
    pub fn new(
        artefact: &'a ClvArtefact,
        horizon: Duration,
        spec: &ClvSpec,
        detail: Detail,
    ) -> Result<Self, ScoreError> {
        let unit = artefact.time_unit;
        let h = horizon.in_unit(unit);
        if !(h.is_finite() && h > 0.0) {
            return Err(ScoreError::setting(
                "horizon",
                format!("must be positive, got {horizon}"),
            ));
        }
        if let Some(reason) = spec.too_many_steps() {
            return Err(ScoreError::setting("horizon", reason));
        }
        let steps = match artefact.spend {
            Some(_) => Some(ClvSteps::new(spec, unit)?),
            None => None,
        };
        Ok(Scorer {
            artefact,
            horizon: h,
            steps,
            // Continuous rate per model time unit equivalent to the stated discount rate.
            delta: spec.discount.over(Duration::new(1.0, unit)).ln_1p(),
            detail,
        })
    }

    /// Whether scores carry DERT: full detail, a model that has it, and a discount > 0.
    pub fn has_dert(&self) -> bool {
        self.detail == Detail::Full && self.artefact.purchase.has_dert() && self.delta > 0.0
    }

    /// Scores one customer; times in the model's unit, `monetary` the mean repeat spend.
    pub fn score(
        &self,
        x: u32,
        t_x: f64,
        t: f64,
        monetary: f64,
    ) -> Result<CustomerScore, ScoreError> {
        let a = self.artefact;
        let post = a.purchase.posterior(x, t_x, t);
        let full = self.detail == Detail::Full;
        let (expected_spend, clv, clv_if_alive) = match (&a.spend, &self.steps) {
            (Some(gg), Some(steps)) => {
                let e = gg.expected_spend(x, monetary);
                // Every model's expected purchases are P(alive) × those given alive, so one
                // sum gives both values.
                let if_alive = clv(&post.if_alive(), steps, e)?;
                let value = post.p_alive() * if_alive;
                (Some(e), Some(value), Some(if_alive))
            }
            _ => (None, None, None),
        };
        Ok(CustomerScore {
            p_alive: post.p_alive(),
            expected_purchases: post.expected_purchases(self.horizon)?,
            p_no_purchase: full.then(|| post.p_no_purchase(self.horizon)),
            expected_spend,
            clv,
            clv_if_alive,
            // DERT discounts over an unbounded lifetime: undefined without a discount, so an
            // undiscounted run (--discount 0%/year) scores everything else and leaves it out.
            dert: if self.has_dert() {
                post.dert(self.delta).transpose()?
            } else {
                None
            },
        })
    }
}

/// Scores every customer of `s` over `horizon`; CLV uses `spec` (whose horizon is `horizon`).
/// The summaries are consumed: their ids and times move into the table (no copies of 10M ids).
pub fn score(
    a: &ClvArtefact,
    s: Summaries,
    horizon: Duration,
    spec: &ClvSpec,
) -> Result<ScoreTable, ScoreError> {
    score_with(a, s, horizon, spec, &Extra::default())
}

/// The window predictions of one customer beyond [`CustomerScore`].
struct Window {
    p_alive_after: f64,
    p_any_purchase: f64,
    pmf: Vec<f64>,
    next: NextPurchase,
}

/// [`score`] with the optional outputs of `extra`.
pub fn score_with(
    a: &ClvArtefact,
    s: Summaries,
    horizon: Duration,
    spec: &ClvSpec,
    extra: &Extra,
) -> Result<ScoreTable, ScoreError> {
    if extra.pmf_max > MAX_PMF {
        return Err(ScoreError::setting(
            "pmf",
            format!("at most {MAX_PMF} purchase counts, got {}", extra.pmf_max),
        ));
    }
    let scorer = Scorer::new(a, horizon, spec, Detail::Full)?;
    let h = horizon.in_unit(a.time_unit);
    let window = |i: usize| -> Result<Window, ScoreError> {
        let post = a.purchase.posterior(s.x[i], s.t_x[i], s.t[i]);
        Ok(Window {
            p_alive_after: post.p_alive_later(h)?,
            p_any_purchase: post.p_any_purchase(h),
            pmf: (1..=extra.pmf_max)
                .map(|k| post.pmf(h, k))
                .collect::<Result<_, _>>()?,
            next: post.next_purchase(h)?,
        })
    };
    let unit_days = a.time_unit.days();
    // Chunks of a summary file leave the ids in polars: count the customers by x.
    let n = s.x.len();
    // Full detail fills every optional output its model has, for every customer.
    let optional = |present: bool| present.then(|| Vec::with_capacity(n));
    let (spend, pareto) = (a.spend.is_some(), scorer.has_dert());
    let mut out = ScoreTable {
        p_alive: Vec::with_capacity(n),
        churn_probability: Vec::with_capacity(n),
        expected_purchases: Vec::with_capacity(n),
        p_no_purchase: Vec::with_capacity(n),
        expected_spend: optional(spend),
        clv: optional(spend),
        value_at_risk: optional(spend),
        dert: optional(pareto),
        pmf: (0..extra.pmf_max).map(|_| Vec::with_capacity(n)).collect(),
        // Chunks of a summary file carry no first-purchase days.
        next_purchase_day: optional(extra.dates && s.first_purchase.len() == n)
            .map(|_: Vec<f64>| Vec::with_capacity(n)),
        ..Default::default()
    };
    // Customers are independent: each block is spread over the cores (in order); blocks
    // bound the per-customer intermediate to a few MB whatever the number of customers.
    const BLOCK: usize = 1 << 18;
    let push = |v: &mut Option<Vec<f64>>, x: Option<f64>| {
        if let (Some(v), Some(x)) = (v.as_mut(), x) {
            v.push(x);
        }
    };
    for start in (0..n).step_by(BLOCK) {
        let block = (start..(start + BLOCK).min(n))
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                Ok((
                    scorer.score(s.x[i], s.t_x[i], s.t[i], s.monetary[i])?,
                    window(i)?,
                ))
            })
            .collect::<Result<Vec<_>, ScoreError>>()?;
        for (j, (c, w)) in block.iter().enumerate() {
            let i = start + j;
            out.p_alive_after.push(w.p_alive_after);
            out.p_any_purchase.push(w.p_any_purchase);
            for (col, p) in out.pmf.iter_mut().zip(&w.pmf) {
                col.push(*p);
            }
            out.next_mean_if_alive.push(w.next.mean_if_alive);
            out.next_median_if_alive.push(w.next.median_if_alive);
            out.next_mean_within.push(w.next.mean_within);
            out.next_median_within.push(w.next.median_within);
            if let Some(days) = out.next_purchase_day.as_mut() {
                // The as-of day is the first purchase + T; the date is rounded to a day.
                days.push(
                    w.next
                        .mean_within
                        .map(|m| s.first_purchase[i] + ((s.t[i] + m) * unit_days).round() as i32),
                );
            }
            out.p_alive.push(c.p_alive);
            out.churn_probability.push(c.churn_probability());
            out.expected_purchases.push(c.expected_purchases);
            if let Some(p) = c.p_no_purchase {
                out.p_no_purchase.push(p);
            }
            push(&mut out.expected_spend, c.expected_spend);
            push(&mut out.clv, c.clv);
            push(&mut out.value_at_risk, c.value_at_risk());
            push(&mut out.dert, c.dert);
        }
    }
    out.ids = s.ids;
    out.x = s.x;
    out.t_x = s.t_x;
    out.t = s.t;
    out.monetary = s.monetary;
    Ok(out)
}
