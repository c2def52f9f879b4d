//! `retain whatif`: the value a base gains if dropout falls by u% ("+5% retention").

use super::base_input::SummarySource;
use super::data::{self, DataArgs};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use polars::prelude::{Column, DataFrame};
use retain_core::summary::Summaries;
use retain_core::time::{DiscountRate, Duration, TimeUnit};
use retain_io::overwrite::{Output, named, optional, refuse_overwrite};
use retain_io::table::read_table;
use retain_io::write::write_frame;
use retain_score::artefact::ChurnArtefact;
use retain_score::artefact::{Artefact, ClvArtefact};
use retain_score::churn_score::{ScoreOptions, score_churn};
use retain_score::whatif::{self, Btyd, Mode, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Flags of `retain whatif`.
#[derive(Debug, Args)]
#[command(
    after_long_help = "What \"reduce dropout by u\" means, in each model's own \
parameters (the whole base is then re-scored with the changed model, so P(alive) at the as-of \
date rises too: a silent customer is more likely still alive when dropout is rarer):

  BG/NBD, MBG/NBD: the dropout probability after each purchase, p ~ Beta(a, b), has mean
    a/(a+b); it becomes (1-u)·a/(a+b) with a+b fixed: a' = (1-u)a, b' = b + u·a.
  Pareto/NBD: the dropout rate mu ~ Gamma(s, beta) has mean s/beta; it becomes (1-u)·s/beta:
    beta' = beta/(1-u).
  --mode p-alive (BTYD models): keep the model, raise each customer's P(alive) at the as-of
    date by u relative, p' = min(1, (1+u)p); expected purchases and CLV are P(alive) times an
    expectation given alive, so they scale by p'/p.
  Churn classifiers with a margin: the per-period churn probability becomes p' = (1-u)p and
    CLV = sum over t of m (1-p')^t / (1+d)^t (see `retain train churn --help`).

Each uplift is reported against the fitted model: baseline, new, change and change % of the \
base's total expected purchases (expected lifetime for churn classifiers) and CLV over the \
horizon."
)]
pub struct WhatifArgs {
    /// The model artefact: a CLV model (BG/NBD, Pareto/NBD, MBG/NBD) or a churn classifier
    /// trained with a margin.
    #[arg(long)]
    model: PathBuf,
    /// CLV models: transaction log of the base (with --as-of).
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// CLV models: per-customer summaries instead of a log (as `retain score` reads them).
    #[arg(long, conflicts_with = "transactions")]
    summaries: Option<PathBuf>,
    /// Time unit of --summaries' recency and T columns (day, week, month, year).
    #[arg(long)]
    summary_unit: Option<TimeUnit>,
    /// Churn classifiers: the customer table (CSV with a header, or Parquet).
    #[arg(long = "data")]
    data_file: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// CLV models: the as-of day of --transactions (YYYY-MM-DD, inclusive).
    #[arg(long)]
    as_of: Option<String>,
    /// Horizon of expected purchases and CLV, with its unit [default: 52w for CLV models, the
    /// artefact's for churn classifiers]. Limit: at most 10,000 CLV steps, as `score`.
    #[arg(long)]
    horizon: Option<Duration>,
    /// CLV models: step of the CLV cash-flow sum [default: the model's].
    #[arg(long)]
    clv_step: Option<Duration>,
    /// CLV models: discount rate with its period, e.g. 10%/year [default: the model's].
    #[arg(long)]
    discount: Option<DiscountRate>,
    /// Reductions of dropout to evaluate, comma-separated: 1%,5%,10% (or 0.01,0.05,0.1).
    #[arg(long, required = true, value_delimiter = ',', value_parser = parse_uplift)]
    uplift: Vec<f64>,
    /// How the uplift is applied to a CLV model.
    #[arg(long, value_enum, default_value_t = ModeArg::Dropout)]
    mode: ModeArg,
    /// Also write the table to this file (.csv or .parquet).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    /// Scale the model's dropout parameters.
    Dropout,
    /// Raise each customer's P(alive) by u relative (capped at 1).
    PAlive,
}

/// An uplift: `5%` or `0.05`, at least 0 and below 100%.
fn parse_uplift(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 0.01),
        None => (t, 1.0),
    };
    let u = number.parse::<f64>().map_err(|_| {
        format!("{s:?} is not a percentage such as 5% (or a fraction such as 0.05)")
    })? * scale;
    whatif::check_uplift(u).map_err(|e| e.to_string())?;
    Ok(u)
}

#[derive(Serialize)]
struct Report {
    model: String,
    kind: String,
    mode: &'static str,
    definition: &'static str,
    customers: usize,
    horizon: String,
    baseline_parameters: BTreeMap<String, f64>,
    scenarios: Vec<Scenario>,
}

/// Runs `retain whatif`.
pub fn run(a: WhatifArgs) -> Result<()> {
    if let Some(out) = &a.output {
        refuse_overwrite(
            &[
                Some(named("--model", &a.model)),
                optional("--transactions", a.transactions.as_deref()),
                optional("--summaries", a.summaries.as_deref()),
                optional("--data", a.data_file.as_deref()),
            ],
            &[Output::File(named("--output", out))],
        )?;
        super::data_goes_to(out);
    }
    let report = match Artefact::load(&a.model)? {
        Artefact::Churn(art) => churn(&a, &art)?,
        Artefact::Clv(art) => btyd(&a, &art)?,
        Artefact::Subscription(art) => anyhow::bail!(
            "{} is a subscription (sBG) model: its score file's retention_elasticity column \
             gives the % change of CLV per 1% of retention; what-if covers CLV models and \
             churn classifiers",
            art.name
        ),
    };
    if let Some(out) = &a.output {
        write_table(&report, out)?;
    }
    if a.json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
        if let Some(out) = &a.output {
            say!("  wrote {}", out.display());
        }
    }
    Ok(())
}

/// The base's summaries: a log summarised as of a day, or a summaries file, read as
/// `retain score` reads them.
fn load_summaries(a: &WhatifArgs, art: &ClvArtefact) -> Result<Summaries> {
    let (path, source) = SummarySource::from_flags(
        a.transactions.as_ref(),
        a.summaries.as_ref(),
        a.summary_unit,
        a.as_of.as_deref(),
        &a.data,
        art,
    )?;
    Ok(source.load(path)?.0)
}

fn btyd(a: &WhatifArgs, art: &ClvArtefact) -> Result<Report> {
    let summaries = load_summaries(a, art)?;
    let horizon = a.horizon.unwrap_or(Duration::new(52.0, TimeUnit::Week));
    let spec = art.clv_spec(horizon, a.clv_step, a.discount);
    let mode = match a.mode {
        ModeArg::Dropout => Mode::Dropout,
        ModeArg::PAlive => Mode::PAlive,
    };
    let scenarios = whatif::btyd_whatif(&Btyd::from(art), &summaries, &spec, mode, &a.uplift)?;
    let p = &art.purchase;
    Ok(Report {
        model: art.name.clone(),
        kind: p.kind().display_name().to_string(),
        mode: match mode {
            Mode::Dropout => "dropout",
            Mode::PAlive => "p-alive",
        },
        definition: whatif::definition(p, mode),
        customers: summaries.len(),
        horizon: horizon.to_string(),
        baseline_parameters: p
            .names()
            .iter()
            .map(|n| n.to_string())
            .zip(p.values())
            .collect(),
        scenarios,
    })
}

fn churn(a: &WhatifArgs, art: &ChurnArtefact) -> Result<Report> {
    if a.mode == ModeArg::PAlive {
        bail!("--mode p-alive is for CLV models; a churn classifier scales its churn probability");
    }
    let mut value = art.value.clone().with_context(|| {
        format!(
            "{} has no margin: train it with --margin to value customers",
            a.model.display()
        )
    })?;
    if let Some(h) = a.horizon {
        value.horizon = Some(h);
    }
    let path = a
        .data_file
        .as_ref()
        .context("a churn model needs its base: give --data (the customer table)")?;
    let delimiter = data::single_byte_delimiter(a.data.delimiter.as_deref().unwrap_or(","))?;
    let table = read_table(path, delimiter)?;
    let margins = value.margins(&table)?;
    let options = ScoreOptions {
        tiers: art.tiers,
        drivers: 0,
    };
    let scores = score_churn(art, table, &options)?;
    let scenarios =
        whatif::subscription_whatif(&value, &scores.churn_probability, &margins, &a.uplift)?;
    Ok(Report {
        model: art.name.clone(),
        kind: format!("churn classifier ({})", art.fitted.model.name()),
        mode: "churn-probability",
        definition: "per-period churn probability p' = (1-u)p; \
                     CLV = sum_t m (1-p')^t / (1+d)^t",
        customers: margins.len(),
        horizon: value
            .horizon
            .map_or_else(|| "lifetime".to_string(), |h| h.to_string()),
        baseline_parameters: BTreeMap::new(),
        scenarios,
    })
}

fn measure_label(m: &str, horizon: &str) -> String {
    match m {
        "expected_purchases" => format!("expected purchases ({horizon})"),
        "expected_lifetime" => "expected lifetime (periods)".into(),
        "clv" => format!("CLV ({horizon})"),
        other => other.to_string(),
    }
}

fn print(r: &Report) {
    say!(
        "what-if for {} ({}), {} customers, horizon {}",
        r.model,
        r.kind,
        r.customers,
        r.horizon
    );
    say!("  reduce dropout by u: {}", r.definition);
    say!(
        "  {:>7}  {:<28} {:>14} {:>14} {:>12} {:>9}",
        "uplift",
        "measure",
        "baseline",
        "new",
        "change",
        "change %"
    );
    for s in &r.scenarios {
        for c in &s.changes {
            say!(
                "  {:>6}%  {:<28} {:>14.2} {:>14.2} {:>12.2} {:>9}",
                format_pct(100.0 * s.uplift),
                measure_label(c.measure, &r.horizon),
                c.baseline,
                c.new,
                c.change,
                c.change_pct
                    .map_or_else(|| "-".to_string(), |p| format!("{p:.2}%"))
            );
        }
    }
}

/// 5 → "5", 2.5 → "2.5".
fn format_pct(p: f64) -> String {
    let r = (p * 1e6).round() / 1e6;
    format!("{r}")
}

fn write_table(r: &Report, out: &std::path::Path) -> Result<()> {
    let rows: Vec<_> = r
        .scenarios
        .iter()
        .flat_map(|s| s.changes.iter().map(move |c| (s.uplift, c)))
        .collect();
    let mut df = DataFrame::new_infer_height(vec![
        Column::new(
            "uplift".into(),
            rows.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
        ),
        Column::new(
            "measure".into(),
            rows.iter().map(|(_, c)| c.measure).collect::<Vec<_>>(),
        ),
        Column::new(
            "baseline".into(),
            rows.iter().map(|(_, c)| c.baseline).collect::<Vec<_>>(),
        ),
        Column::new(
            "new".into(),
            rows.iter().map(|(_, c)| c.new).collect::<Vec<_>>(),
        ),
        Column::new(
            "change".into(),
            rows.iter().map(|(_, c)| c.change).collect::<Vec<_>>(),
        ),
        Column::new(
            "change_pct".into(),
            rows.iter().map(|(_, c)| c.change_pct).collect::<Vec<_>>(),
        ),
    ])?;
    write_frame(&mut df, out)?;
    Ok(())
}
