//! `retain metrics`: engagement and retention of a transaction log, per calendar period, and
//! the acquisition-cohort retention matrix (text, JSON, CSV).

use super::data::{self, DataArgs};
use anyhow::{Context, Result};
use clap::Args;
use polars::prelude::{Column, DataFrame};
use retain_core::engagement::{Engagement, Period, engagement};
use retain_io::overwrite::{Output, named, refuse_overwrite};
use retain_io::write::write_frame;
use std::path::PathBuf;

/// Flags of `retain metrics`.
#[derive(Debug, Args)]
#[command(
    after_long_help = "Definitions: a purchase is a customer-day with transactions \
(same-day transactions are one order). Active in a period: a purchase in it; new: the first \
purchase in it. Churned in a period: live at its start (a purchase within --inactive-days \
before it) and not live at its end; churn rate = churned / live at the start. Cohort \
retention [c][k]: the share of the customers acquired in period c who purchased in period c+k."
)]
pub struct MetricsArgs {
    /// Transaction log (CSV/text or Parquet).
    #[arg(long)]
    transactions: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Calendar period: week (ISO, Monday first), month, quarter or year. Limit: the log may
    /// span at most 2,500 periods (48 years of weeks, 208 years of months); a longer span (a
    /// mistyped far-future date) is refused.
    #[arg(long, default_value = "month")]
    period: Period,
    /// Days without a purchase after which a customer counts as churned.
    #[arg(long, default_value_t = 90)]
    inactive_days: u32,
    /// Also write periods.csv and cohort_retention.csv into this directory.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Print everything as JSON.
    #[arg(long)]
    json: bool,
}

fn periods_frame(e: &Engagement) -> Result<DataFrame> {
    let p = &e.periods;
    let col = |name: &str, v: Vec<Option<f64>>| Column::new(name.into(), v);
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "period_start".into(),
            p.iter().map(|x| x.period.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "active_customers".into(),
            p.iter()
                .map(|x| x.active_customers as u64)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "new_customers".into(),
            p.iter().map(|x| x.new_customers as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "purchases".into(),
            p.iter().map(|x| x.purchases as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "revenue".into(),
            p.iter().map(|x| x.revenue).collect::<Vec<_>>(),
        ),
        col(
            "live_at_start",
            p.iter()
                .map(|x| x.live_at_start.map(|v| v as f64))
                .collect(),
        ),
        col(
            "churned",
            p.iter().map(|x| x.churned.map(|v| v as f64)).collect(),
        ),
        col("churn_rate", p.iter().map(|x| x.churn_rate).collect()),
    ])?)
}

fn cohorts_frame(e: &Engagement) -> Result<DataFrame> {
    let n = e.cohorts.len();
    let mut cols = vec![
        Column::new("cohort".into(), e.cohorts.clone()),
        Column::new(
            "customers".into(),
            e.cohort_sizes.iter().map(|&v| v as u64).collect::<Vec<_>>(),
        ),
    ];
    for k in 0..n {
        let v: Vec<Option<f64>> = e.retention.iter().map(|r| r.get(k).copied()).collect();
        cols.push(Column::new(format!("period_{k}").into(), v));
    }
    Ok(DataFrame::new_infer_height(cols)?)
}

/// Runs `retain metrics`.
pub fn run(a: MetricsArgs) -> Result<()> {
    if let Some(dir) = &a.output {
        let (periods, cohorts) = (dir.join("periods.csv"), dir.join("cohort_retention.csv"));
        refuse_overwrite(
            &[Some(named("--transactions", &a.transactions))],
            &[
                Output::File(named("--output", &periods)),
                Output::File(named("--output", &cohorts)),
            ],
        )?;
    }
    let format = a.data.format(None);
    let (log, _) = data::read(&a.transactions, &format, a.data.on_bad_row)?;
    let e = engagement(&log, a.period, a.inactive_days)
        .with_context(|| format!("{}", a.transactions.display()))?
        .with_context(|| {
            format!(
                "{}: no purchases (no transactions, or refunds only)",
                a.transactions.display()
            )
        })?;
    if let Some(dir) = &a.output {
        write_frame(&mut periods_frame(&e)?, &dir.join("periods.csv"))?;
        write_frame(&mut cohorts_frame(&e)?, &dir.join("cohort_retention.csv"))?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(());
    }
    println!(
        "{} customers, {} purchases (customer-days), revenue {:.2}",
        e.customers, e.purchases, e.revenue
    );
    println!(
        "  repeat-purchase rate {:.1}%, purchases per customer {:.2}, average order value {:.2}",
        100.0 * e.repeat_purchase_rate,
        e.purchase_frequency,
        e.average_order_value
    );
    println!(
        "\n{:<12} {:>8} {:>8} {:>10} {:>12} {:>10}   (churn: no purchase for {} days)",
        "period", "active", "new", "purchases", "revenue", "churn", a.inactive_days
    );
    for p in &e.periods {
        let churn = p
            .churn_rate
            .map_or_else(|| "-".to_string(), |r| format!("{:.1}%", 100.0 * r));
        println!(
            "{:<12} {:>8} {:>8} {:>10} {:>12.2} {:>10}",
            p.period, p.active_customers, p.new_customers, p.purchases, p.revenue, churn
        );
    }
    println!("\ncohort retention (share of each cohort purchasing k periods after acquisition):");
    for (c, row) in e.retention.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .take(12)
            .map(|v| format!("{:>5.1}", 100.0 * v))
            .collect();
        println!(
            "{:<12} {:>7}  {}",
            e.cohorts[c],
            e.cohort_sizes[c],
            cells.join(" ")
        );
    }
    if let Some(dir) = &a.output {
        println!(
            "\nwrote {}/periods.csv and cohort_retention.csv",
            dir.display()
        );
    }
    Ok(())
}
