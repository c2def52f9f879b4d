//! `retain train subscription`: the sBG retention model on a subscriber table, pooled and per
//! cohort, with DERL-based subscription value.

use anyhow::{Context, Result};
use clap::Args;
use retain_core::time::{DiscountRate, Duration};
use retain_io::overwrite::{Output, named, refuse_overwrite};
use retain_io::table::read_table;
use retain_score::artefact::subscription::{RenewalColumns, RenewalData, SbgFit};
use retain_score::artefact::{FORMAT, FORMAT_VERSION, SUBSCRIPTION_KIND, SubscriptionArtefact};
use retain_score::churn_value::{RiskTiers, ValueSpec};
use retain_train::subscription_train::{MIN_COHORT, train_sbg};
use std::path::PathBuf;

/// The long help of `retain train subscription`, with the model and value formulas.
pub const LONG_ABOUT: &str = "\
Fits the shifted-beta-geometric (sBG) retention model (Fader & Hardie 2007) on a subscriber
table: one row per customer, --tenure-col the period in which the customer churned when
--churned-col is true (1, yes, true), else the number of periods observed so far.

Each customer churns with a probability θ per period that stays constant over their life;
θ ~ Beta(alpha, beta) across customers. Survival S(t) = B(alpha, beta+t)/B(alpha, beta);
the retention rate of period t is (beta+t-1)/(alpha+beta+t-1), rising with t. With
--cohort-col, each cohort of at least 30 customers also gets its own fit; other cohorts, and
cohorts unknown at training, are scored with the fit on all customers.

SCORING (retain score --data TABLE, one row per active customer with its tenure)
  churn probability of the coming period = alpha/(alpha+beta+n) after n periods;
  DERL = sum_{k=1..H} q^k S(n+k)/S(n), q = 1/(1+d), d = --discount per --period;
  CLV = margin × DERL (with --margin: the column × --margin-rate, earned at the end of every
  period survived); value at risk = p × the value if this period's churn is averted;
  retention elasticity = d ln CLV / d ln retention rate.";

/// Flags of `retain train subscription`.
#[derive(Debug, Args)]
pub struct SubscriptionArgs {
    /// Subscriber table: one row per customer (CSV with a header, or Parquet).
    #[arg(long)]
    data: PathBuf,
    /// Column with the period of churn (churned customers) or the periods observed (others).
    #[arg(long, default_value = "tenure")]
    tenure_col: String,
    /// Column saying whether the customer churned: 1/0, true/false or yes/no.
    #[arg(long, default_value = "churned")]
    churned_col: String,
    /// Column with the acquisition cohort: one fit per cohort of at least 30 customers.
    #[arg(long)]
    cohort_col: Option<String>,
    /// Customer id column (used to name scored rows).
    #[arg(long)]
    id_col: Option<String>,
    /// Model: sbg (the shifted-beta-geometric).
    #[arg(long, default_value = "sbg")]
    model: String,
    /// Length of one period (tenure is counted in periods), e.g. 1mo, 1y.
    #[arg(long, default_value = "1mo")]
    period: Duration,
    /// Column with the revenue or margin per period; enables CLV and value at risk in money.
    #[arg(long)]
    margin: Option<String>,
    /// Share of the --margin column that is margin, e.g. 0.3 for a 30% margin on revenue.
    #[arg(long, default_value_t = 1.0, requires = "margin")]
    margin_rate: f64,
    /// Discount rate with its period, e.g. 10%/year or 1%/month.
    #[arg(long, default_value = "10%/year")]
    discount: DiscountRate,
    /// Cap on the future valued, e.g. 36mo (default: the whole remaining lifetime; a 0%
    /// discount needs one).
    #[arg(long)]
    horizon: Option<Duration>,
    /// Churn probability at or above which a customer is high risk.
    #[arg(long, default_value_t = 0.5)]
    high_risk: f64,
    /// Churn probability at or above which a customer is medium risk (below: low).
    #[arg(long, default_value_t = 0.2)]
    medium_risk: f64,
    /// Field delimiter of text files.
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Where to write the artefact (`.json` appended when missing).
    #[arg(long)]
    out: PathBuf,
    /// Print the artefact as JSON instead of the report.
    #[arg(long)]
    json: bool,
}

/// Runs `retain train subscription`.
pub fn run(a: SubscriptionArgs) -> Result<()> {
    let started = std::time::Instant::now();
    if !a.model.eq_ignore_ascii_case("sbg") {
        anyhow::bail!("--model {:?}: the subscription models are: sbg", a.model);
    }
    let out = if a.out.extension().is_some_and(|e| e == "json") {
        a.out.clone()
    } else {
        a.out.with_extension("json")
    };
    refuse_overwrite(
        &[Some(named("--data", &a.data))],
        &[Output::File(named("--out", &out))],
    )?;
    if !a.delimiter.is_ascii() {
        anyhow::bail!("--delimiter must be a single ASCII character");
    }
    let tiers = RiskTiers::new(a.high_risk, a.medium_risk)?;
    let value = ValueSpec {
        margin_column: a.margin.clone().unwrap_or_default(),
        margin_rate: a.margin_rate,
        period: a.period,
        discount: a.discount,
        horizon: a.horizon,
    };
    value.subscription()?;
    let table = read_table(&a.data, a.delimiter as u8)?;
    if a.margin.is_some() {
        value
            .margins(&table)
            .with_context(|| format!("reading {}", a.data.display()))?;
    }
    let columns = RenewalColumns {
        tenure: a.tenure_col.clone(),
        churned: a.churned_col.clone(),
        cohort: a.cohort_col.clone(),
        id: a.id_col.clone(),
    };
    let trained =
        train_sbg(&table, &columns).with_context(|| format!("reading {}", a.data.display()))?;
    let mut art = SubscriptionArtefact {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        kind: SUBSCRIPTION_KIND.into(),
        name: out
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        // Set from the content by `save`.
        version: String::new(),
        retain_version: env!("CARGO_PKG_VERSION").into(),
        trained_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        training_command: std::env::args().collect::<Vec<_>>().join(" "),
        model_kind: "sbg".into(),
        pooled: trained.pooled,
        cohorts: trained.cohorts,
        columns,
        period: a.period,
        data: RenewalData {
            file: a
                .data
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            fingerprint: retain_io::fingerprint::of_file(&a.data)?,
            rows: trained.rows,
            churned: trained.churned,
        },
        tiers,
        discount: a.discount,
        horizon: a.horizon,
        value: a.margin.is_some().then_some(value),
    };
    art.save(&out)
        .with_context(|| format!("saving {}", out.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&art)?);
        return Ok(());
    }
    print!("{}", describe(&art));
    if !trained.small_cohorts.is_empty() {
        println!(
            "{} cohorts with fewer than {MIN_COHORT} customers are scored with the fit on all \
             customers",
            trained.small_cohorts.len()
        );
    }
    println!(
        "saved {} in {:.2} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The fits and the survival curves, as `train` and `inspect` print them.
pub fn describe(art: &SubscriptionArtefact) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "subscription model {} (sBG, retain {}, trained {})\ndata  {}: {} customers, {} churned; \
         tenure in periods of {}",
        art.name,
        art.retain_version,
        art.trained_at,
        art.data.file,
        art.data.rows,
        art.data.churned,
        art.period
    );
    let _ = writeln!(
        s,
        "\n{:<16} {:>9} {:>17} {:>17} {:>14} {:>8}",
        "cohort", "customers", "alpha (se)", "beta (se)", "log-lik", "churned"
    );
    let fits: Vec<&SbgFit> = std::iter::once(&art.pooled).chain(&art.cohorts).collect();
    for f in &fits {
        let p = |i: usize| {
            f.params.get(i).map_or(String::new(), |p| {
                format!(
                    "{:.4} ({})",
                    p.value,
                    p.std_error.map_or("-".into(), |e| format!("{e:.4}"))
                )
            })
        };
        let _ = writeln!(
            s,
            "{:<16} {:>9} {:>17} {:>17} {:>14.2} {:>8}",
            f.cohort.as_deref().unwrap_or("(all)"),
            f.customers,
            p(0),
            p(1),
            f.log_likelihood,
            f.churned
        );
    }
    let _ = writeln!(
        s,
        "\nsurvival S(t) and retention rate r(t) by period t (all customers):"
    );
    let _ = writeln!(s, "{:>6} {:>9} {:>9}", "t", "S(t) %", "r(t) %");
    let m = &art.pooled.model;
    for t in 1..=12u32 {
        let _ = writeln!(
            s,
            "{t:>6} {:>9.2} {:>9.2}",
            100.0 * m.survival(t),
            100.0 * m.retention_rate(t)
        );
    }
    let _ = writeln!(
        s,
        "risk tiers: high ≥ {}, medium ≥ {}; discount {}; horizon {}{}",
        art.tiers.high,
        art.tiers.medium,
        art.discount,
        art.horizon.map_or("none".to_string(), |h| h.to_string()),
        art.value.as_ref().map_or(String::new(), |v| format!(
            "; margin = {} × {} per period",
            v.margin_column, v.margin_rate
        ))
    );
    s
}
