//! `retain score`: score every customer of a transaction log with a saved model.

use super::base_input::SummarySource;
use super::data::{self, DataArgs};
use super::output::{OutputArgs, Shape};
use super::score_batch::{self, BatchJob};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use polars::prelude::Column;
use retain_core::summary::Summaries;
use retain_core::time::TimeUnit;
use retain_core::time::{DiscountRate, Duration};
use retain_io::format::OutputFormat as FileFormat;
use retain_io::overwrite::{Output, named, optional};
use retain_io::sink::BackgroundSink;
use retain_io::summary_table::SummaryFrame;
use retain_io::table::read_table;
use retain_io::write::write_frame_with;
use retain_models::clv::ClvSpec;
use retain_score::artefact::{Artefact, ClvArtefact};
use retain_score::artefact::{ChurnArtefact, SubscriptionArtefact};
use retain_score::churn_score::{DRIVERS, ScoreOptions, score_churn, to_frame_ranked};
use retain_score::churn_value::RiskTiers;
use retain_score::manifest::PartitionTotals;
use retain_score::score::{Extra, ScoreTable, score_with};
use retain_score::score_file::{to_frame, to_frame_with_ids};
use retain_score::segments::{
    ChurnRanker, ChurnRanks, SegmentColumns, SegmentRules, SegmentSettings, SegmentTotals,
    Segmenter, ValueRiskGrid,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Flags of `retain score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The model artefact (a .json file under models/).
    #[arg(long)]
    model: PathBuf,
    /// CLV models: transaction log to score (CSV/text or Parquet); read like the training data
    /// unless the column/format flags say otherwise.
    #[arg(long)]
    transactions: Option<PathBuf>,
    /// CLV models: per-customer summaries to score instead of a log (CSV with a header, or
    /// Parquet): columns customer_id (or --customer-col), frequency (repeat purchases),
    /// recency (first to last purchase), T (first purchase to the as-of date) and
    /// monetary_value (mean repeat purchase value), as lifetimes writes them. A row with
    /// frequency 0 must have recency 0.
    #[arg(long, conflicts_with = "transactions")]
    summaries: Option<PathBuf>,
    /// Time unit of --summaries' recency and T columns (day, week, month, year).
    #[arg(long)]
    summary_unit: Option<TimeUnit>,
    /// Churn classifiers: customer table to score (CSV with a header, or Parquet).
    #[arg(long = "data")]
    data_file: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// CLV models: score as of this day (YYYY-MM-DD, inclusive); later transactions are left
    /// out, so a past day can be scored from the full log (a backtest).
    #[arg(long)]
    as_of: Option<String>,
    /// Horizon of expected purchases and CLV, with its unit: 52w, 12mo, 1y, 365d. Limit: at
    /// most 10,000 CLV steps (833 years of months), as the server.
    #[arg(long, default_value = "52w")]
    horizon: Duration,
    /// CLV models: also write P(exactly k purchases over the horizon) for k = 1..=K, columns
    /// p_purchases_<k>_<horizon> (k = 0 is p_no_purchase_<horizon>); at most 100.
    #[arg(long, default_value_t = 0)]
    pmf: u32,
    /// Step of the CLV cash-flow sum [default: the model's, e.g. 1mo; when the horizon is within
    /// 5% of n such steps (52w ≈ 12mo), n equal steps of horizon / n; else the horizon's unit].
    #[arg(long)]
    clv_step: Option<Duration>,
    /// Discount rate with its period, e.g. 10%/year [default: the model's].
    #[arg(long)]
    discount: Option<DiscountRate>,
    /// High-risk churn-probability cut-off [default: the segment rules' [risk_tiers], else the
    /// model's: 0.5 unless trained otherwise].
    #[arg(long)]
    high_risk: Option<f64>,
    /// Medium-risk cut-off [default: the segment rules', else the model's: 0.2 unless trained
    /// otherwise].
    #[arg(long)]
    medium_risk: Option<f64>,
    /// CLV models: segment rules (TOML: RFM segments, value-tier CLV percentiles, risk tiers)
    /// [default: the built-in rules, crates/score/src/segments/default.toml].
    #[arg(long)]
    segments: Option<PathBuf>,
    /// Churn classifiers: drivers (top contributing input columns) per customer; 0 skips them.
    #[arg(long, default_value_t = DRIVERS)]
    drivers: usize,
    /// Output file (.csv or .parquet); for a partitioned input (a directory or a glob such as
    /// 'base/*.parquet'), the output directory, with one file per input partition. Never an
    /// input (same file, link or directory of the partitions): that is refused.
    #[arg(long)]
    output: PathBuf,
    /// Partitioned input: format of the output files.
    #[arg(long, value_enum, default_value_t = OutputFormat::Parquet)]
    output_format: OutputFormat,
    #[command(flatten)]
    out: OutputArgs,
    /// Partitioned input: rescore partitions whose outputs are already current (same model
    /// version, settings and input).
    #[arg(long)]
    force: bool,
    /// CLV models, one input file: customers scored and written together (peak memory is the
    /// input's data plus about 200 bytes per customer of two chunks). The default, 131,072,
    /// keeps a 1M-customer file in eight chunks, so writing overlaps scoring; larger chunks
    /// were slower at 1M and 10M customers (see the README's Performance section).
    #[arg(long, default_value_t = 1 << 17, value_parser = clap::value_parser!(u64).range(1..))]
    chunk_rows: u64,
    /// Print the run summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Summary {
    model: String,
    model_version: String,
    customers: usize,
    horizon: String,
    time_unit: String,
    mean_p_alive: f64,
    expected_purchases: f64,
    total_clv: Option<f64>,
    total_value_at_risk: Option<f64>,
    /// Customers left out of a CRM export for want of a CRM id (with --id-map).
    #[serde(skip_serializing_if = "Option::is_none")]
    unmapped_ids: Option<usize>,
    output: String,
}

/// Output file format of a partitioned run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Apache Parquet.
    Parquet,
    /// Comma-separated text.
    Csv,
}

impl OutputFormat {
    fn extension(self) -> &'static str {
        self.format().extension()
    }

    fn format(self) -> FileFormat {
        match self {
            OutputFormat::Parquet => FileFormat::Parquet,
            OutputFormat::Csv => FileFormat::Csv,
        }
    }
}

/// The checked output flags of a run (the format of the partitions' outputs for a
/// partitioned input, else the output file's).
fn shape(a: &ScoreArgs, partitioned: bool) -> Result<Arc<Shape>> {
    let format = if partitioned {
        a.output_format.format()
    } else {
        FileFormat::from_path(&a.output)?
    };
    Ok(Arc::new(Shape::new(&a.out, format, &a.output)?))
}

/// Refuses bad --columns before any data is read: the columns of an empty run, shaped.
fn check_shape(
    shape: &Shape,
    art: &ClvArtefact,
    horizon: Duration,
    spec: &ClvSpec,
    extra: &Extra,
    segmenter: Option<&Segmenter>,
) -> Result<()> {
    let table = score_with(art, Summaries::default(), horizon, spec, extra)?;
    let seg = segmenter.map(|s| s.table(&table));
    shape.apply(to_frame(&table, art.time_unit, horizon, seg.as_ref())?)?;
    Ok(())
}

/// Refuses an --output that is, or would overwrite, any input (checked before anything is read).
fn refuse_overwrite(a: &ScoreArgs) -> Result<()> {
    let data = [&a.transactions, &a.summaries, &a.data_file];
    let partitioned = data
        .iter()
        .any(|p| p.as_deref().is_some_and(score_batch::is_partitioned));
    let output = named("--output", &a.output);
    let writes = [
        format!("*.{}", a.output_format.extension()),
        retain_score::manifest::MANIFEST.to_string(),
    ];
    let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
    let output = if partitioned {
        Output::Dir(output, &writes)
    } else {
        Output::File(output)
    };
    retain_io::overwrite::refuse_overwrite(
        &[
            Some(named("--model", &a.model)),
            optional("--transactions", a.transactions.as_deref()),
            optional("--summaries", a.summaries.as_deref()),
            optional("--data", a.data_file.as_deref()),
            optional("--segments", a.segments.as_deref()),
            optional("--id-map", a.out.id_map()),
        ],
        &[output],
    )?;
    Ok(())
}

/// Runs `retain score`.
pub fn run(a: ScoreArgs) -> Result<()> {
    refuse_overwrite(&a)?;
    super::data_goes_to(&a.output);
    let art = match Artefact::load(&a.model)? {
        Artefact::Churn(art) => return churn(a, *art),
        Artefact::Subscription(art) => return subscription(a, *art),
        Artefact::Clv(art) => *art,
    };
    let (input, source) = SummarySource::from_flags(
        a.transactions.as_ref(),
        a.summaries.as_ref(),
        a.summary_unit,
        a.as_of.as_deref(),
        &a.data,
        &art,
    )?;
    let settings = source.settings();
    let spec = art.clv_spec(a.horizon, a.clv_step, a.discount);
    let settings = format!(
        "{settings}; horizon {}; step {}; discount {}",
        a.horizon, spec.step, spec.discount
    );
    if score_batch::is_partitioned(input) {
        return clv_partitioned(&a, &art, input, settings, &spec, &source);
    }
    let shape = shape(&a, false)?;
    if art.reference.is_some() {
        check_shape(
            &shape,
            &art,
            a.horizon,
            &spec,
            &extra(&a),
            segmenter(&a, &art, &spec, None)?.as_ref(),
        )?;
    }
    // One file: scored CHUNK customers at a time and written batch by batch, so beside the
    // input data only one chunk's intermediates are held, whatever the number of customers.
    let chunk = usize::try_from(a.chunk_rows).unwrap_or(usize::MAX);
    let phases = super::progress::Phases::start("score");
    phases.phase("reading");
    let (mut chunks, segmenter) = match source.open_frame(input)? {
        Some(frame) => (Chunks::Frame(frame, 0), segmenter(&a, &art, &spec, None)?),
        None => {
            phases.phase("reading and summarising");
            let (summaries, _) = source.load(input)?;
            let seg = segmenter(&a, &art, &spec, Some(&summaries))?;
            (Chunks::Whole(summaries), seg)
        }
    };
    let mut sink =
        BackgroundSink::<retain_score::ScoreError>::create_with(&a.output, shape.precision)?;
    let unmapped = Arc::new(AtomicUsize::new(0));
    let mut totals = PartitionTotals::default();
    let (mut sum_p_alive, mut expected) = (0.0, 0.0);
    let (unit, horizon) = (art.time_unit, a.horizon);
    let total = chunks.len() as u64;
    let extra = extra(&a);
    while let Some((ids, summaries)) = chunks.next(chunk)? {
        phases.count(
            "scoring and writing",
            totals.customers as u64,
            total,
            "customers",
        );
        let table = score_with(&art, summaries, horizon, &spec, &extra)?;
        let segments = segmenter.as_ref().map(|s| s.table(&table));
        sum_p_alive += table.p_alive.iter().sum::<f64>();
        expected += table.expected_purchases.iter().sum::<f64>();
        totals.add(&match &segments {
            Some(seg) => segment_totals(&table, seg),
            None => PartitionTotals::of(
                &table.churn_probability,
                table
                    .churn_probability
                    .iter()
                    .map(|&p| RiskTiers::default().tier(p)),
                table.clv.as_ref().map(|c| c.iter().sum()),
                table.value_at_risk.as_ref().map(|c| c.iter().sum()),
                0,
            ),
        });
        // The frame (text columns included) is built and shaped on the writer thread.
        let (shape, unmapped) = (shape.clone(), unmapped.clone());
        sink.write_with(Box::new(move || {
            let df = to_frame_with_ids(ids, &table, unit, horizon, segments.as_ref())?;
            let (df, left_out) = shape.apply(df)?;
            unmapped.fetch_add(left_out, Ordering::Relaxed);
            Ok(df)
        }))?;
    }
    phases.phase("writing");
    sink.finish()?;
    phases.finish();
    let n = totals.customers;
    let s = Summary {
        model: art.name.clone(),
        model_version: art.version.clone(),
        customers: n,
        horizon: a.horizon.to_string(),
        time_unit: art.time_unit.to_string(),
        mean_p_alive: sum_p_alive / n.max(1) as f64,
        expected_purchases: expected,
        total_clv: totals.total_clv,
        total_value_at_risk: totals.total_value_at_risk,
        unmapped_ids: a.out.id_map().map(|_| unmapped.load(Ordering::Relaxed)),
        output: a.output.display().to_string(),
    };
    if a.json {
        say!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let as_of = a
            .as_of
            .as_deref()
            .map_or_else(|| "the summaries' dates".to_string(), str::to_string);
        say!(
            "scored {} customers with {} {} as of {} over {} (CLV step {}, discount {})",
            s.customers,
            s.model,
            s.model_version,
            as_of,
            s.horizon,
            spec.step,
            spec.discount
        );
        say!(
            "  mean P(alive) {:.4}, expected purchases {:.1}",
            s.mean_p_alive,
            s.expected_purchases
        );
        if let (Some(c), Some(v)) = (s.total_clv, s.total_value_at_risk) {
            say!("  total CLV {c:.2}, value at risk {v:.2}");
        }
        super::segments_print::print(totals.value_risk.as_ref(), totals.segments.as_ref());
        print_unmapped(s.unmapped_ids.unwrap_or(0));
        say!("  wrote {}", s.output);
    }
    Ok(())
}

/// The customers a CRM export left out (never their ids: the count only).
pub(super) fn print_unmapped(n: usize) {
    if n > 0 {
        say!("  left out {n} customer(s) absent from --id-map (no CRM id)");
    }
}

/// Where a single-file run's chunks come from: a summary file read once (and the next row),
/// or the summaries of a transaction log.
enum Chunks {
    Frame(SummaryFrame, usize),
    Whole(Summaries),
}

impl Chunks {
    /// Customers left to score.
    fn len(&self) -> usize {
        match self {
            Chunks::Frame(frame, at) => frame.len().saturating_sub(*at),
            Chunks::Whole(s) => s.x.len(),
        }
    }

    /// The next chunk's ids and summaries, in file order.
    fn next(&mut self, size: usize) -> Result<Option<(Column, Summaries)>> {
        match self {
            Chunks::Frame(frame, at) => {
                if *at >= frame.len() {
                    return Ok(None);
                }
                let c = frame.chunk(*at, size)?;
                *at += size;
                Ok(Some((c.ids, c.summaries)))
            }
            Chunks::Whole(s) => {
                if s.x.is_empty() {
                    return Ok(None);
                }
                let k = size.min(s.x.len());
                let rest = Summaries {
                    ids: s.ids.split_off(k),
                    x: s.x.split_off(k),
                    t_x: s.t_x.split_off(k),
                    t: s.t.split_off(k),
                    monetary: s.monetary.split_off(k),
                    ..Summaries::default()
                };
                let chunk = std::mem::replace(s, rest);
                let ids = Column::new("customer_id".into(), &chunk.ids);
                Ok(Some((ids, chunk)))
            }
        }
    }
}

/// The segmenter of a CLV run (see [`Segmenter::for_clv`]).
fn segmenter(
    a: &ScoreArgs,
    art: &ClvArtefact,
    spec: &ClvSpec,
    fallback: Option<&Summaries>,
) -> Result<Option<Segmenter>> {
    let settings = SegmentSettings {
        rules: SegmentRules::load_or_builtin(a.segments.as_deref())?,
        high_risk: a.high_risk,
        medium_risk: a.medium_risk,
    };
    let model = a.model.display().to_string();
    Ok(Segmenter::for_clv(
        art, a.horizon, spec, settings, fallback, &model,
    )?)
}

/// A short fingerprint of the rules in force (part of a partitioned run's settings, so that
/// changed rules rescore the partitions).
fn rules_fingerprint(s: &Segmenter) -> String {
    let text = format!("{:?}", s.rules());
    retain_io::fingerprint::short_of_bytes(text.as_bytes())
}

/// Totals of a segmented score table: risk tiers, value × risk grid, per-segment totals.
fn segment_totals(t: &ScoreTable, seg: &SegmentColumns) -> PartitionTotals {
    let totals = PartitionTotals::of(
        &t.churn_probability,
        seg.risk_tier.iter().copied(),
        t.clv.as_ref().map(|c| c.iter().sum()),
        t.value_at_risk.as_ref().map(|c| c.iter().sum()),
        0,
    );
    let zeros = vec![0.0; t.x.len()];
    let clv = t.clv.as_deref().unwrap_or(&zeros);
    let var = t.value_at_risk.as_deref().unwrap_or(&zeros);
    let grid = seg
        .value_tier
        .as_ref()
        .map(|v| ValueRiskGrid::of(v.iter().copied(), seg.risk_tier.iter().copied(), clv, var));
    let segments = SegmentTotals::of_indexed(&seg.segment, &seg.segment_names, clv, var);
    totals.with_segments(grid, Some(segments))
}

/// The partitioned run these flags describe.
fn batch_job(
    a: &ScoreArgs,
    model: &str,
    version: String,
    settings: String,
    input: &Path,
) -> Result<BatchJob> {
    let shape = shape(a, true)?;
    let input_flag = if a.transactions.is_some() {
        "--transactions"
    } else if a.summaries.is_some() {
        "--summaries"
    } else {
        "--data"
    };
    Ok(BatchJob {
        model: model.to_string(),
        version,
        settings: format!("{settings}; {}", shape.settings),
        input: input.to_path_buf(),
        input_flag,
        out_dir: a.output.clone(),
        extension: a.output_format.extension().into(),
        force: a.force,
        shape,
    })
}

/// The optional outputs the flags ask for. The next purchase is not dated: chunks of a log read
/// as a frame carry no first-purchase days, so the column would depend on --chunk-rows.
fn extra(a: &ScoreArgs) -> Extra {
    Extra {
        pmf_max: a.pmf,
        dates: false,
    }
}

/// A CLV model over a partitioned base.
fn clv_partitioned(
    a: &ScoreArgs,
    art: &ClvArtefact,
    input: &Path,
    settings: String,
    spec: &ClvSpec,
    source: &SummarySource,
) -> Result<()> {
    // Partitions are ranked against the artefact's reference only: ranking each against
    // itself would make a customer's segment depend on the partitioning.
    let segmenter = segmenter(a, art, spec, None)?;
    let settings = match &segmenter {
        Some(s) => format!(
            "{settings}; segments {}; risk tiers {} {}",
            rules_fingerprint(s),
            s.risk_tiers().high,
            s.risk_tiers().medium
        ),
        None => settings,
    };
    let job = batch_job(a, &art.name, art.version.clone(), settings, input)?;
    if art.reference.is_some() {
        check_shape(
            &job.shape,
            art,
            a.horizon,
            spec,
            &extra(a),
            segmenter.as_ref(),
        )?;
    }
    let summary = score_batch::run(&job, |path| {
        let (summaries, skipped) = source.load(path)?;
        let table = score_with(art, summaries, a.horizon, spec, &extra(a))?;
        let segments = segmenter.as_ref().map(|s| s.table(&table));
        let df = to_frame(&table, art.time_unit, a.horizon, segments.as_ref())?;
        let totals = match &segments {
            Some(seg) => segment_totals(&table, seg),
            None => PartitionTotals::of(
                &table.churn_probability,
                table
                    .churn_probability
                    .iter()
                    .map(|&p| RiskTiers::default().tier(p)),
                table.clv.as_ref().map(|c| c.iter().sum()),
                table.value_at_risk.as_ref().map(|c| c.iter().sum()),
                0,
            ),
        };
        Ok((
            df,
            PartitionTotals {
                skipped_rows: skipped,
                ..totals
            },
        ))
    })?;
    score_batch::print(&summary, a.json)
}

/// `retain score` with a churn classifier.
fn churn(a: ScoreArgs, art: ChurnArtefact) -> Result<()> {
    let path = a
        .data_file
        .as_ref()
        .context("a churn model scores a customer table: give --data")?;
    let delimiter = data::single_byte_delimiter(a.data.delimiter.as_deref().unwrap_or(","))?;
    let rules = SegmentRules::load_or_builtin(a.segments.as_deref())?;
    let tiers = rules.risk_tiers_over(art.tiers, a.high_risk, a.medium_risk)?;
    let options = ScoreOptions {
        tiers,
        drivers: a.drivers,
    };
    // Ranks against the training table (artefacts trained before references have none).
    let ranker = art
        .reference
        .as_ref()
        .map(|r| ChurnRanker::new(r, rules.value_tiers));
    let frame = |scores: &retain_score::churn_score::ChurnScores| {
        let ranks = ranker.as_ref().map(|r| r.ranks(scores));
        let df = to_frame_ranked(scores, ranks.as_ref())?;
        let grid = match (&ranks, &scores.value) {
            (
                Some(ChurnRanks {
                    value_tier: Some(v),
                    ..
                }),
                Some(values),
            ) => {
                let clv: Vec<f64> = values.iter().map(|x| x.clv).collect();
                let var: Vec<f64> = values.iter().map(|x| x.value_at_risk).collect();
                Some(ValueRiskGrid::of(
                    v.iter().copied(),
                    scores.tier.iter().copied(),
                    &clv,
                    &var,
                ))
            }
            _ => None,
        };
        anyhow::Ok((df, grid))
    };
    if score_batch::is_partitioned(path) {
        // The artefact's content hash, as the server reports it.
        let version = retain_score::online::LoadedModel::from_file(&a.model)
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.model.display()))?
            .version;
        let settings = format!(
            "tiers {} {}; value tiers {} {}; drivers {}; delimiter {delimiter}",
            tiers.high, tiers.medium, rules.value_tiers.high, rules.value_tiers.medium, a.drivers
        );
        let job = batch_job(&a, &art.name, version, settings, path)?;
        let summary = score_batch::run(&job, |file| {
            let table = read_table(file, delimiter)?;
            let scores = score_churn(&art, table, &options)?;
            let total = |f: fn(&retain_models::subscription::SubscriptionValue) -> f64| {
                scores.value.as_ref().map(|v| v.iter().map(f).sum::<f64>())
            };
            let (df, grid) = frame(&scores)?;
            let totals = PartitionTotals::of(
                &scores.churn_probability,
                scores.tier.iter().copied(),
                total(|v| v.clv),
                total(|v| v.value_at_risk),
                0,
            )
            .with_segments(grid, None);
            Ok((df, totals))
        })?;
        return score_batch::print(&summary, a.json);
    }
    let shape = shape(&a, false)?;
    let table = read_table(path, delimiter)?;
    let scores = score_churn(&art, table, &options)?;
    let (df, grid) = frame(&scores)?;
    let (mut df, unmapped) = shape.apply(df)?;
    write_frame_with(&mut df, &a.output, shape.precision)?;
    let n = scores.ids.len();
    let count = |t: &str| scores.tier.iter().filter(|x| **x == t).count();
    let mean = scores.churn_probability.iter().sum::<f64>() / n.max(1) as f64;
    let total = |f: fn(&retain_models::subscription::SubscriptionValue) -> f64| {
        scores.value.as_ref().map(|v| v.iter().map(f).sum::<f64>())
    };
    let (clv, at_risk) = (total(|v| v.clv), total(|v| v.value_at_risk));
    if a.json {
        let v = serde_json::json!({
            "model": art.name, "customers": n, "mean_churn_probability": mean,
            "tiers": {"high": count("high"), "medium": count("medium"), "low": count("low")},
            "tier_cutoffs": {"high": tiers.high, "medium": tiers.medium},
            "total_clv": clv, "total_value_at_risk": at_risk, "value_risk": grid,
            "unmapped_ids": a.out.id_map().map(|_| unmapped),
            "output": a.output.display().to_string(),
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        say!(
            "scored {n} customers with {}: mean churn probability {mean:.4}",
            art.name
        );
        say!(
            "  risk tiers: high {} (p >= {}), medium {} (p >= {}), low {}",
            count("high"),
            tiers.high,
            count("medium"),
            tiers.medium,
            count("low")
        );
        if let (Some(clv), Some(at_risk)) = (clv, at_risk) {
            say!(
                "  CLV {clv:.2} in all ({}), value at risk {at_risk:.2}",
                scores.value_labels.1
            );
        }
        super::segments_print::print(grid.as_ref(), None);
        print_unmapped(unmapped);
        say!("  wrote {}", a.output.display());
    }
    Ok(())
}

/// A subscription (sBG) model: one table, or a partitioned one.
fn subscription(a: ScoreArgs, art: SubscriptionArtefact) -> Result<()> {
    use retain_score::subscription_score::{SubscriptionScores, score_subscription, to_frame};
    let path = a
        .data_file
        .as_ref()
        .context("a subscription model scores a subscriber table: give --data")?;
    let delimiter = data::single_byte_delimiter(a.data.delimiter.as_deref().unwrap_or(","))?;
    let rules = SegmentRules::load_or_builtin(a.segments.as_deref())?;
    let tiers = rules.risk_tiers_over(art.tiers, a.high_risk, a.medium_risk)?;
    let money = |s: &SubscriptionScores, f: fn(&retain_models::sbg::SbgValue) -> f64| {
        s.has_margin.then(|| s.values.iter().map(f).sum::<f64>())
    };
    let probabilities = |s: &SubscriptionScores| {
        s.values
            .iter()
            .map(|v| v.churn_probability)
            .collect::<Vec<_>>()
    };
    if score_batch::is_partitioned(path) {
        let version = retain_score::online::LoadedModel::from_file(&a.model)
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.model.display()))?
            .version;
        let settings = format!(
            "tiers {} {}; delimiter {delimiter}",
            tiers.high, tiers.medium
        );
        let job = batch_job(&a, &art.name, version, settings, path)?;
        let summary = score_batch::run(&job, |file| {
            let table = read_table(file, delimiter)?;
            let scores = score_subscription(&art, &table, &tiers)?;
            let totals = PartitionTotals::of(
                &probabilities(&scores),
                scores.tier.iter().copied(),
                money(&scores, |v| v.clv),
                money(&scores, |v| v.value_at_risk),
                0,
            );
            Ok((to_frame(&scores)?, totals))
        })?;
        return score_batch::print(&summary, a.json);
    }
    let shape = shape(&a, false)?;
    let table = read_table(path, delimiter)?;
    let scores = score_subscription(&art, &table, &tiers)
        .with_context(|| format!("scoring {}", path.display()))?;
    let (mut df, unmapped) = shape.apply(to_frame(&scores)?)?;
    write_frame_with(&mut df, &a.output, shape.precision)?;
    let n = scores.ids.len();
    let count = |t: &str| scores.tier.iter().filter(|x| **x == t).count();
    let mean = probabilities(&scores).iter().sum::<f64>() / n.max(1) as f64;
    let (clv, at_risk) = (
        money(&scores, |v| v.clv),
        money(&scores, |v| v.value_at_risk),
    );
    if a.json {
        let v = serde_json::json!({
            "model": art.name, "customers": n, "mean_churn_probability": mean,
            "tiers": {"high": count("high"), "medium": count("medium"), "low": count("low")},
            "tier_cutoffs": {"high": tiers.high, "medium": tiers.medium},
            "unknown_cohorts": scores.unknown_cohorts,
            "total_clv": clv, "total_value_at_risk": at_risk,
            "unmapped_ids": a.out.id_map().map(|_| unmapped),
            "output": a.output.display().to_string(),
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        say!(
            "scored {n} subscribers with {} (sBG): mean churn probability next {} {mean:.4}",
            art.name,
            art.period
        );
        say!(
            "  risk tiers: high {} (p >= {}), medium {} (p >= {}), low {}",
            count("high"),
            tiers.high,
            count("medium"),
            tiers.medium,
            count("low")
        );
        if let (Some(clv), Some(at_risk)) = (clv, at_risk) {
            say!(
                "  CLV {clv:.2} in all ({}), value at risk {at_risk:.2}",
                scores.horizon_label
            );
        }
        print_unmapped(unmapped);
        say!("  wrote {}", a.output.display());
    }
    Ok(())
}
