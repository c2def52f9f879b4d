//! `retain simulate`: a synthetic transaction log from BTYD parameters, partitioned.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use retain_core::time::{TimeUnit, iso, parse_date};
use retain_io::format::{OutputFormat, is_stdout};
use retain_io::overwrite::{Output, named, optional, refuse_overwrite};
use retain_models::btyd::PurchaseModel;
use retain_models::spend::gammagamma::GammaGamma;
use retain_score::artefact::ClvArtefact;
use retain_train::simulate_log::{SimulationSpec, write_one, write_partitions_with};
use std::collections::HashMap;
use std::path::PathBuf;

/// File format of the partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// Comma-separated text with a header.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Flags of `retain simulate`.
#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  retain simulate --model models/cdnow.json --customers 100000 --out sim/
  retain simulate --purchase 'bgnbd:r=0.243,alpha=4.414,a=0.793,b=2.426' \\
      --spend 'p=6.25,q=3.74,gamma=15.44' --time-unit week --customers 200000 \\
      --start 1997-01-01 --acquisition-end 1997-03-31 --end 1998-06-30 --seed 1 --out sim/")]
pub struct SimulateArgs {
    /// Take the purchase and spend parameters (and time unit) from a fitted CLV artefact.
    #[arg(long, conflicts_with_all = ["purchase", "spend"])]
    model: Option<PathBuf>,
    /// Purchase model and parameters: `bgnbd:r=..,alpha=..,a=..,b=..`,
    /// `pareto-nbd:r=..,alpha=..,s=..,beta=..` or `mbgnbd:r=..,alpha=..,a=..,b=..`.
    #[arg(long)]
    purchase: Option<String>,
    /// Gamma-Gamma spend parameters `p=..,q=..,gamma=..` [default: every amount is 1].
    #[arg(long)]
    spend: Option<String>,
    /// Time unit of --purchase's rates (day, week, month, year) [default: week].
    #[arg(long)]
    time_unit: Option<TimeUnit>,
    /// Number of customers. Limit: the expected number of transactions (customers × (1 +
    /// E[repeat purchases] of a customer acquired on --start)) must be at most 50 million;
    /// parameters giving non-finite amounts or rates are refused.
    #[arg(long)]
    customers: usize,
    /// First acquisition day (YYYY-MM-DD).
    #[arg(long, default_value = "1997-01-01")]
    start: String,
    /// Last acquisition day [default: the start plus one quarter of the window].
    #[arg(long)]
    acquisition_end: Option<String>,
    /// Last observed day (inclusive).
    #[arg(long, default_value = "1998-06-30")]
    end: String,
    /// Seed: the same flags give the same log.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output: a directory (created; partitions are named part-00000.csv …), or one file when
    /// the path ends in .csv, .parquet or .pq (its format follows the extension; needs
    /// --partitions 1), or `-` for standard output (CSV, or Parquet with --format parquet).
    #[arg(long)]
    out: PathBuf,
    /// Number of partition files, at least 1 (customers are split between them, each in one
    /// file).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    partitions: u64,
    /// File format [default: the --out extension's, else csv]; one that contradicts the
    /// --out extension is refused.
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
}

/// Parses `k=v,k=v` into the named values, all required, none extra.
fn parameters(text: &str, names: &[&str], what: &str) -> Result<Vec<f64>> {
    let mut map = HashMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .with_context(|| format!("{what}: expected name=value, got {part:?}"))?;
        let v: f64 = v
            .trim()
            .parse()
            .with_context(|| format!("{what}: {k} = {v:?} is not a number"))?;
        map.insert(k.trim().to_ascii_lowercase(), v);
    }
    let values = names
        .iter()
        .map(|n| {
            map.remove(*n)
                .with_context(|| format!("{what}: missing {n} (needs {})", names.join(", ")))
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(k) = map.keys().next() {
        bail!(
            "{what}: unknown parameter {k:?} (needs {})",
            names.join(", ")
        );
    }
    Ok(values)
}

/// `kind:params` → a purchase model.
fn purchase_model(text: &str) -> Result<PurchaseModel> {
    let (kind, params) = text.split_once(':').context(
        "--purchase: expected KIND:r=..,alpha=..,… (e.g. bgnbd:r=0.24,alpha=4.4,a=0.79,b=2.4)",
    )?;
    let kind: retain_models::btyd::PurchaseKind = kind.parse()?;
    let v = parameters(params, kind.param_names(), "--purchase")?;
    let m = kind.from_values(&v).context("--purchase")?;
    m.validate().context("--purchase")?;
    Ok(m)
}

/// Runs `retain simulate`.
pub fn run(a: SimulateArgs) -> Result<()> {
    // One file (a format extension or `-`), else a directory of partitions.
    let one_file = is_stdout(&a.out) || OutputFormat::from_extension(&a.out).is_some();
    let out = named("--out", &a.out);
    refuse_overwrite(
        &[optional("--model", a.model.as_deref())],
        &[if one_file {
            Output::File(out)
        } else {
            Output::Dir(out, &["part-*"])
        }],
    )?;
    let explicit = a.format.map(|f| match f {
        FileFormat::Csv => OutputFormat::Csv,
        FileFormat::Parquet => OutputFormat::Parquet,
    });
    let format = OutputFormat::resolve(&a.out, explicit, OutputFormat::Csv, "--format")?;
    if one_file && a.partitions > 1 {
        bail!(
            "--out {} is one file, --partitions {} asks for several: give a directory",
            a.out.display(),
            a.partitions
        );
    }
    super::data_goes_to(&a.out);
    let (purchase, spend, unit) = match (&a.model, &a.purchase) {
        (Some(path), _) => {
            let art = ClvArtefact::load(path)?;
            (art.purchase, art.spend, art.time_unit)
        }
        (None, Some(p)) => {
            let spend = match &a.spend {
                Some(s) => {
                    let v = parameters(s, &["p", "q", "gamma"], "--spend")?;
                    let gg = GammaGamma {
                        p: v[0],
                        q: v[1],
                        gamma: v[2],
                    };
                    gg.validate().context("--spend")?;
                    Some(gg)
                }
                None => None,
            };
            (
                purchase_model(p)?,
                spend,
                a.time_unit.unwrap_or(TimeUnit::Week),
            )
        }
        (None, None) => bail!("give --model ARTEFACT or --purchase KIND:PARAMS"),
    };
    let start = parse_date(&a.start).context("--start")?;
    let end = parse_date(&a.end).context("--end")?;
    let acquisition_end = match &a.acquisition_end {
        Some(d) => parse_date(d).context("--acquisition-end")?,
        None => start + (end - start) / 4,
    };
    let spec = SimulationSpec {
        purchase,
        spend,
        unit,
        customers: a.customers,
        start,
        acquisition_end,
        end,
        seed: a.seed,
    };
    let phases = super::progress::Phases::start("simulate");
    phases.phase("simulating and writing");
    let (files, transactions) = if one_file {
        (1, write_one(&spec, &a.out, format)?)
    } else {
        let partitions = usize::try_from(a.partitions).unwrap_or(usize::MAX);
        let files = write_partitions_with(
            &spec,
            partitions,
            &a.out,
            format.extension(),
            &mut |k, n| phases.count("simulating and writing", k as u64, n as u64, "partitions"),
        )?;
        (files.len(), files.iter().map(|(_, n)| n).sum())
    };
    phases.finish();
    say!(
        "simulated {} customers ({} acquired {} to {}, observed to {}), {transactions} transactions, seed {}",
        a.customers,
        purchase.kind().display_name(),
        iso(start),
        iso(acquisition_end),
        iso(end),
        a.seed
    );
    if one_file {
        say!("  wrote {}", a.out.display());
    } else {
        say!("  wrote {files} partition(s) under {}", a.out.display());
    }
    Ok(())
}
