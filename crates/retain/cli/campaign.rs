//! `retain campaign`: the customers a retention campaign should contact, from a score file.

use anyhow::{Context, Result, bail};
use clap::Args;
use polars::prelude::{Column, DataFrame};
use retain_core::features::RawColumn;
use retain_train::campaign::CampaignSpec;
use retain_train::table::read_table;
use retain_train::write::write_frame;
use std::path::PathBuf;

/// Flags of `retain campaign`.
#[derive(Debug, Args)]
#[command(
    after_long_help = "Each contact costs --cost-per-contact and keeps an at-risk \
customer with probability --success-rate, saving their value at risk: the expected net value \
of a contact is value_at_risk × success_rate − cost. With one cost per contact, the best list \
within the budget is the customers with the largest value at risk, as many as the budget pays \
for, stopping where a contact no longer pays for itself."
)]
pub struct CampaignArgs {
    /// A score file written by `retain score` (CSV or Parquet), with a customer_id column and a
    /// value_at_risk_* column.
    #[arg(long)]
    scores: PathBuf,
    /// Total campaign budget (same currency as the values).
    #[arg(long)]
    budget: f64,
    /// Cost of contacting one customer.
    #[arg(long)]
    cost_per_contact: f64,
    /// Probability that a contacted customer is kept (0 to 1).
    #[arg(long)]
    success_rate: f64,
    /// Only customers of this risk tier (high, medium, low); repeatable.
    #[arg(long)]
    tier: Vec<String>,
    /// Target list: .csv or .parquet.
    #[arg(long)]
    output: PathBuf,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
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

/// Runs `retain campaign`.
pub fn run(a: CampaignArgs) -> Result<()> {
    let spec = CampaignSpec {
        budget: a.budget,
        cost_per_contact: a.cost_per_contact,
        success_rate: a.success_rate,
    };
    spec.validate()?;
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
    let id_col = find(&|n| n == "customer_id", "customer_id")?;
    let var_col = find(&|n| n.starts_with("value_at_risk"), "value_at_risk_*")?;
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
    let tiers = match table.names.iter().position(|n| n == "risk_tier") {
        Some(k) => Some(texts(&table.columns[k])),
        None if !a.tier.is_empty() => bail!("--tier needs a risk_tier column in the scores"),
        None => None,
    };
    // Customers outside the chosen tiers get no contact (value at risk treated as 0).
    let eligible: Vec<f64> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| match &tiers {
            Some(t) if !a.tier.is_empty() && !a.tier.contains(&t[i]) => 0.0,
            _ => v,
        })
        .collect();
    let plan = spec.plan(&eligible)?;
    let mut cumulative = 0.0;
    let mut cum = Vec::with_capacity(plan.targets.len());
    for &i in &plan.targets {
        cumulative += values[i] * a.success_rate - a.cost_per_contact;
        cum.push(cumulative);
    }
    let mut df = DataFrame::new_infer_height(vec![
        Column::new(
            "rank".into(),
            (1..=plan.targets.len() as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "customer_id".into(),
            plan.targets
                .iter()
                .map(|&i| ids[i].clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            var_name.as_str().into(),
            plan.targets.iter().map(|&i| values[i]).collect::<Vec<_>>(),
        ),
        Column::new(
            "expected_retained_value".into(),
            plan.targets
                .iter()
                .map(|&i| values[i] * a.success_rate)
                .collect::<Vec<_>>(),
        ),
        Column::new("cumulative_net_value".into(), cum),
    ])?;
    write_frame(&mut df, &a.output)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
        return Ok(());
    }
    println!(
        "contact {} of {} customers (stopped by {}): cost {:.2}, expected retained value {:.2}, net {:.2}, ROI {:.1}%",
        plan.contacted,
        values.len(),
        plan.stopped_by,
        plan.cost,
        plan.expected_retained_value,
        plan.expected_retained_value - plan.cost,
        100.0 * plan.roi
    );
    if let Some(m) = plan.marginal_value_at_risk {
        println!(
            "  marginal customer: {var_name} {m:.2} (expected net {:.2})",
            m * a.success_rate - a.cost_per_contact
        );
    }
    println!("  wrote {}", a.output.display());
    Ok(())
}
