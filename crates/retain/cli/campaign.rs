//! `retain campaign`: the customers a retention campaign should contact, from a score file.

use anyhow::{Context, Result, bail};
use clap::Args;
use polars::prelude::{Column, DataFrame};
use retain_core::features::{RawColumn, RawTable};
use retain_io::overwrite::{Output, named, optional, refuse_overwrite};
use retain_io::table::read_table;
use retain_io::write::write_frame_with;
use retain_score::campaign::{
    CampaignPlan, CampaignRates, Contact, SegmentLine, check_budget, check_cost, check_rate,
    plan_campaign, segment_lines,
};
use retain_score::score_file;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Flags of `retain campaign`.
#[derive(Debug, Args)]
#[command(
    after_long_help = "Each contact of customer i costs c_i and keeps them with \
probability s_i, saving their value at risk v_i: the expected net value of the contact is \
v_i × s_i − c_i. The list maximises the total expected net value within the budget; nobody is \
contacted at a loss or at break-even.

With one cost per contact (no costs in --rates) the list is exactly optimal: the largest net \
values, as many as the budget pays for. With per-segment costs it is a knapsack; the list is \
the standard greedy approximation (decreasing net value per unit cost, skipping a customer \
the rest of the budget cannot pay for, or the single best customer if that is worth more), and \
the report gives an upper bound on the optimum (the LP relaxation): the gap is at most one \
customer's net value.

Rates file (--rates, TOML):

  default = 0.2          # rate for segments not listed (else --success-rate)
  [segments]
  \"Champions\" = 0.35
  \"At Risk\" = { rate = 0.25, cost = 4.0 }   # cost: else --cost-per-contact

Segment names are those of the rfm_segment column written by `retain score`; rates must be in \
(0, 1] and costs > 0, other keys are refused, and names that do not occur in the scores are \
reported as a warning."
)]
pub struct CampaignArgs {
    /// A score file written by `retain score` (CSV or Parquet), with a customer_id column and a
    /// value_at_risk_* column.
    #[arg(long)]
    scores: PathBuf,
    /// Total campaign budget (same currency as the values).
    #[arg(long)]
    budget: f64,
    /// Cost of contacting one customer (for segments without a cost in --rates).
    #[arg(long)]
    cost_per_contact: f64,
    /// Probability that a contacted customer is kept, 0 to 1 (for segments without a rate in
    /// --rates; required unless the rates file has a default).
    #[arg(long)]
    success_rate: Option<f64>,
    /// Per-segment success rates and costs (TOML; see below).
    #[arg(long)]
    rates: Option<PathBuf>,
    /// Only customers of this RFM segment (the rfm_segment column); repeatable.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Only customers of this risk tier (high, medium, low); repeatable.
    #[arg(long = "risk-tier", visible_alias = "tier", value_name = "TIER")]
    risk_tiers: Vec<String>,
    /// Only customers of this value tier (high, medium, low); repeatable.
    #[arg(long = "value-tier", value_name = "TIER")]
    value_tiers: Vec<String>,
    /// Target list: .csv or .parquet. With --profile crm, the rows are the CRM export's (in
    /// campaign order) followed by campaign_rank and expected_net_value.
    #[arg(long)]
    output: PathBuf,
    #[command(flatten)]
    out: super::output::OutputArgs,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

/// What `--json` prints: the plan, and what it adds up to per segment.
#[derive(Serialize)]
struct Report<'a> {
    customers: usize,
    eligible: usize,
    #[serde(flatten)]
    plan: &'a CampaignPlan,
    segments_by: Option<&'a str>,
    segments: Vec<SegmentLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unmapped_ids: Option<usize>,
    output: String,
}

fn texts(c: &RawColumn) -> Vec<String> {
    match c {
        RawColumn::Text(v) => v.iter().map(|s| s.clone().unwrap_or_default()).collect(),
        RawColumn::Numeric(v) => v
            .iter()
            .map(|x| x.map(|x| x.to_string()).unwrap_or_default())
            .collect(),
        RawColumn::Bool(v) => v
            .iter()
            .map(|b| b.map(|b| b.to_string()).unwrap_or_default())
            .collect(),
    }
}

/// A text column by name, if present.
fn column(table: &RawTable, name: &str) -> Option<Vec<String>> {
    let k = table.names.iter().position(|n| n == name)?;
    Some(texts(&table.columns[k]))
}

/// The distinct values of a column, for messages.
fn distinct(values: &[String]) -> BTreeSet<&str> {
    values.iter().map(String::as_str).collect()
}

/// Checks a repeatable filter against its column: the column must exist and every wanted value
/// occur in it. Returns the column when the filter is in use.
fn filter(
    file: &Path,
    table: &RawTable,
    flag: &str,
    name: &str,
    wanted: &[String],
) -> Result<Option<Vec<String>>> {
    if wanted.is_empty() {
        return Ok(None);
    }
    let Some(values) = column(table, name) else {
        bail!(
            "{flag} needs the {name} column in {} (columns: {})",
            file.display(),
            table.names.join(", ")
        );
    };
    let present = distinct(&values);
    if let Some(w) = wanted.iter().find(|w| !present.contains(w.as_str())) {
        let list: Vec<String> = present.iter().map(|s| format!("{s:?}")).collect();
        bail!(
            "{flag} {w:?} does not occur in the {name} column of {} (it has {})",
            file.display(),
            list.join(", ")
        );
    }
    Ok(Some(values))
}

/// Runs `retain campaign`.
pub fn run(a: CampaignArgs) -> Result<()> {
    refuse_overwrite(
        &[
            Some(named("--scores", &a.scores)),
            optional("--rates", a.rates.as_deref()),
            optional("--id-map", a.out.id_map()),
        ],
        &[Output::File(named("--output", &a.output))],
    )?;
    super::data_goes_to(&a.output);
    let shape = super::output::Shape::new(
        &a.out,
        retain_io::format::OutputFormat::from_path(&a.output)?,
        &a.output,
    )?;
    check_budget(a.budget)?;
    check_cost("--cost-per-contact", a.cost_per_contact)?;
    if let Some(s) = a.success_rate {
        check_rate("--success-rate", s)?;
    }
    let rates = match &a.rates {
        Some(p) => CampaignRates::load(p)?,
        None => CampaignRates::default(),
    };
    if a.success_rate.is_none() && rates.default.is_none() {
        bail!("give --success-rate, or a rates file (--rates) with a `default` rate");
    }
    let table = read_table(&a.scores, b',')?;
    let find = |pred: &dyn Fn(&str) -> bool, what: &str| {
        table.names.iter().position(|n| pred(n)).with_context(|| {
            format!(
                "{}: no {what} column (columns: {})",
                a.scores.display(),
                table.names.join(", ")
            )
        })
    };
    let id_col = find(&|n| n == score_file::CUSTOMER_ID, score_file::CUSTOMER_ID)?;
    // By name, never by column order: `value_at_risk_percentile` is not the value at risk.
    let var_name = score_file::horizon_column(&table.names, score_file::VALUE_AT_RISK);
    let var_col = find(&|n| Some(n) == var_name, "value_at_risk_<horizon>")?;
    let var_name = table.names[var_col].clone();
    let ids = texts(&table.columns[id_col]);
    let values: Vec<f64> = texts(&table.columns[var_col])
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.trim().parse::<f64>().with_context(|| {
                format!(
                    "{}: line {}, column {var_name:?}: {t:?} is not a number",
                    a.scores.display(),
                    i + 2
                )
            })
        })
        .collect::<Result<_>>()?;
    let filters = [
        filter(
            &a.scores,
            &table,
            "--segment",
            score_file::RFM_SEGMENT,
            &a.segments,
        )?
        .map(|c| (c, &a.segments)),
        filter(
            &a.scores,
            &table,
            "--risk-tier",
            score_file::RISK_TIER,
            &a.risk_tiers,
        )?
        .map(|c| (c, &a.risk_tiers)),
        filter(
            &a.scores,
            &table,
            "--value-tier",
            score_file::VALUE_TIER,
            &a.value_tiers,
        )?
        .map(|c| (c, &a.value_tiers)),
    ];
    let rfm = column(&table, score_file::RFM_SEGMENT);
    if !rates.segments.is_empty() {
        let Some(rfm) = &rfm else {
            bail!(
                "{}: per-segment rates need an rfm_segment column in {} (score a CLV model \
                 with `retain score` to get one)",
                a.rates.as_deref().unwrap_or(Path::new("")).display(),
                a.scores.display()
            );
        };
        let unknown = rates.unknown_segments(&distinct(rfm));
        if !unknown.is_empty() {
            tracing::warn!(
                "{}: segments not in {}: {} (present: {})",
                a.rates.as_deref().unwrap_or(Path::new("")).display(),
                a.scores.display(),
                unknown.join(", "),
                distinct(rfm).into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    // The customers the filters keep, and each one's rate and cost.
    let rows: Vec<usize> = (0..values.len())
        .filter(|&i| {
            filters
                .iter()
                .flatten()
                .all(|(col, wanted)| wanted.contains(&col[i]))
        })
        .collect();
    let contacts: Vec<Contact> = rows
        .iter()
        .map(|&i| {
            let segment = rfm.as_ref().map(|s| s[i].as_str());
            let (success_rate, cost) =
                rates.resolve(segment, a.success_rate, a.cost_per_contact)?;
            Ok(Contact {
                value_at_risk: values[i],
                success_rate,
                cost,
            })
        })
        .collect::<Result<_, retain_train::TrainError>>()?;
    let plan = plan_campaign(a.budget, &contacts)?;
    // Per-segment totals by RFM segment, else by risk tier (churn classifiers' scores).
    let (segments_by, groups) = match (&rfm, column(&table, score_file::RISK_TIER)) {
        (Some(s), _) => (Some(score_file::RFM_SEGMENT), Some(s.clone())),
        (None, Some(t)) => (Some(score_file::RISK_TIER), Some(t)),
        (None, None) => (None, None),
    };
    let segments = match &groups {
        Some(g) => {
            let labels: Vec<&str> = rows.iter().map(|&i| g[i].as_str()).collect();
            segment_lines(&plan, &contacts, &labels)
        }
        None => Vec::new(),
    };
    let list = List {
        plan: &plan,
        contacts: &contacts,
        rows: &rows,
        ids: &ids,
        var_name: &var_name,
        table: &table,
    };
    let unmapped = write_list(&a.output, &list, &shape)?;
    let report = Report {
        customers: values.len(),
        eligible: rows.len(),
        plan: &plan,
        segments_by,
        segments,
        unmapped_ids: a.out.id_map().map(|_| unmapped),
        output: a.output.display().to_string(),
    };
    if a.json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report, &var_name);
    }
    Ok(())
}

/// A plan and the score rows it ranks.
struct List<'a> {
    plan: &'a CampaignPlan,
    contacts: &'a [Contact],
    rows: &'a [usize],
    ids: &'a [String],
    var_name: &'a str,
    table: &'a RawTable,
}

/// The ranked list: who, their segment and tiers when the scores have them, value at risk,
/// rate, cost, expected retained and net value, and the running net value; with the CRM
/// profile, the targets' CRM rows, rank and expected net value. Returns the targets left out
/// for want of a CRM id.
fn write_list(output: &Path, list: &List<'_>, shape: &super::output::Shape) -> Result<usize> {
    let List {
        plan,
        contacts,
        rows,
        ids,
        var_name,
        table,
    } = *list;
    let t = &plan.targets;
    if shape.is_crm() {
        let scores = retain_score::crm::frame_of_table(table)?;
        let take: Vec<polars::prelude::IdxSize> = t
            .iter()
            .map(|&i| rows[i] as polars::prelude::IdxSize)
            .collect();
        let take = polars::prelude::IdxCa::from_vec("take".into(), take);
        let targets = scores.take(&take)?;
        let extra = vec![
            Column::new(
                "campaign_rank".into(),
                (1..=t.len() as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                "expected_net_value".into(),
                t.iter()
                    .map(|&i| contacts[i].net_value())
                    .collect::<Vec<_>>(),
            ),
        ];
        let (mut df, unmapped) = shape.apply_with(targets, extra)?;
        write_frame_with(&mut df, output, shape.precision)?;
        return Ok(unmapped);
    }
    let f = |g: &dyn Fn(&Contact) -> f64| t.iter().map(|&i| g(&contacts[i])).collect::<Vec<_>>();
    let mut cumulative = 0.0;
    let cum: Vec<f64> = t
        .iter()
        .map(|&i| {
            cumulative += contacts[i].net_value();
            cumulative
        })
        .collect();
    let mut cols = vec![
        Column::new("rank".into(), (1..=t.len() as u64).collect::<Vec<_>>()),
        Column::new(
            "customer_id".into(),
            t.iter().map(|&i| ids[rows[i]].clone()).collect::<Vec<_>>(),
        ),
    ];
    for name in ["rfm_segment", "value_tier", "risk_tier"] {
        if let Some(c) = column(table, name) {
            let v: Vec<String> = t.iter().map(|&i| c[rows[i]].clone()).collect();
            cols.push(Column::new(name.into(), v));
        }
    }
    cols.extend([
        Column::new(var_name.into(), f(&|c| c.value_at_risk)),
        Column::new("success_rate".into(), f(&|c| c.success_rate)),
        Column::new("cost".into(), f(&|c| c.cost)),
        Column::new(
            "expected_retained_value".into(),
            f(&Contact::expected_retained_value),
        ),
        Column::new("expected_net_value".into(), f(&Contact::net_value)),
        Column::new("cumulative_net_value".into(), cum),
    ]);
    let df = DataFrame::new_infer_height(cols)?;
    let (mut df, unmapped) = shape.apply(df)?;
    write_frame_with(&mut df, output, shape.precision)?;
    Ok(unmapped)
}

fn print(r: &Report<'_>, var_name: &str) {
    let p = r.plan;
    let of = if r.eligible < r.customers {
        format!("{} customers ({} eligible)", r.customers, r.eligible)
    } else {
        format!("{} customers", r.customers)
    };
    say!(
        "contact {} of {of} (stopped by {}): cost {:.2}, expected retained value {:.2}, net {:.2}, ROI {:.1}%",
        p.contacted,
        p.stopped_by,
        p.cost,
        p.expected_retained_value,
        p.net_value,
        100.0 * p.roi
    );
    if let (Some(m), Some(n)) = (p.marginal_value_at_risk, p.marginal_net_value) {
        say!("  marginal customer: {var_name} {m:.2} (expected net {n:.2})");
    }
    if !p.proven_optimal {
        say!(
            "  per-segment costs: greedy list; no list within the budget nets more than {:.2}",
            p.net_value_upper_bound
        );
    }
    if let Some(by) = r.segments_by {
        say!("  by {by} (contacted / eligible, expected retained value, cost):");
        for s in &r.segments {
            say!(
                "    {:<22} {:>7} / {:<7} {:>14.2} {:>12.2}",
                s.segment,
                s.contacted,
                s.eligible,
                s.expected_retained_value,
                s.cost
            );
        }
    }
    super::score::print_unmapped(r.unmapped_ids.unwrap_or(0));
    say!("  wrote {}", r.output);
}
