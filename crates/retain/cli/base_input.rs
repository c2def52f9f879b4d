//! Where a CLV command's per-customer summaries come from: a transaction log summarised as of
//! a day, or a file of summaries (lifetimes' columns, a stated time unit). Shared by `score`
//! and `whatif` so both read a base the same way and say the same things about bad flags.

use super::data::{self, DataArgs, OnBadRow};
use anyhow::{Context, Result, bail};
use retain_core::summary::{Summaries, SummaryOptions, summarise};
use retain_core::time::{Day, TimeUnit, parse_date};
use retain_core::transactions::TransactionLog;
use retain_io::summary_table::{SummaryColumns, SummaryFrame, read_summaries};
use retain_score::artefact::ClvArtefact;
use retain_score::artefact::DataFormat;
use std::path::{Path, PathBuf};

/// Every partition of the log `input` (a file, a directory or a glob) merged into one log, and
/// the rows skipped as unreadable; `adapt` adapts the format to each file.
pub fn read_logs(
    input: &Path,
    format: &DataFormat,
    adapt: bool,
    policy: OnBadRow,
) -> Result<(TransactionLog, usize)> {
    let mut log = TransactionLog::default();
    let mut skipped = 0;
    for f in retain_io::partitions::partitions(input)? {
        let format = if adapt {
            &data::adapt(&f, format)
        } else {
            format
        };
        let (part, report) = data::read(&f, format, policy)?;
        log.append(&part);
        skipped += report.skipped;
    }
    Ok((log, skipped))
}

/// How to turn one input file into summaries in the model's unit.
pub enum SummarySource {
    /// A transaction log, summarised as of a day.
    Log {
        format: DataFormat,
        /// The format is the model's stored one (no layout flag): adapt it to each file.
        adapt: bool,
        policy: OnBadRow,
        unit: TimeUnit,
        as_of: Day,
        as_of_text: String,
    },
    /// A file of summaries.
    File {
        delimiter: u8,
        cols: SummaryColumns,
        unit: TimeUnit,
        model_unit: TimeUnit,
        spend: bool,
    },
}

impl SummarySource {
    /// The input and its source from the command's flags.
    pub fn from_flags<'a>(
        transactions: Option<&'a PathBuf>,
        summaries: Option<&'a PathBuf>,
        summary_unit: Option<TimeUnit>,
        as_of: Option<&str>,
        data: &DataArgs,
        art: &ClvArtefact,
    ) -> Result<(&'a PathBuf, SummarySource)> {
        match (transactions, summaries) {
            (Some(_), Some(_)) => bail!("give --transactions or --summaries, not both"),
            (None, None) => bail!(
                "a CLV model needs its customers: a transaction log (--transactions, with \
                 --as-of) or per-customer summaries (--summaries, with --summary-unit)"
            ),
            (Some(t), None) => {
                let as_of_text = as_of
                    .context("--transactions needs --as-of (the day to score the log as of)")?
                    .to_string();
                let as_of = parse_date(&as_of_text).context("--as-of")?;
                Ok((
                    t,
                    SummarySource::Log {
                        format: data.format(Some(&art.data.format)),
                        adapt: !data.layout_given(),
                        policy: data.on_bad_row,
                        unit: art.time_unit,
                        as_of,
                        as_of_text,
                    },
                ))
            }
            (None, Some(path)) => {
                let unit = summary_unit.context(
                    "--summaries needs --summary-unit: the time unit of its recency and T columns",
                )?;
                let cols = SummaryColumns {
                    id: data
                        .customer_col
                        .clone()
                        .unwrap_or_else(|| "customer_id".into()),
                    ..SummaryColumns::default()
                };
                let delimiter =
                    data::single_byte_delimiter(data.delimiter.as_deref().unwrap_or(","))?;
                Ok((
                    path,
                    SummarySource::File {
                        delimiter,
                        cols,
                        unit,
                        model_unit: art.time_unit,
                        spend: art.spend.is_some(),
                    },
                ))
            }
        }
    }

    /// The settings that change the summaries (part of a partitioned run's settings).
    pub fn settings(&self) -> String {
        match self {
            SummarySource::Log {
                format,
                policy,
                as_of_text,
                ..
            } => {
                format!("transactions as of {as_of_text}; format {format:?}; on-bad-row {policy:?}")
            }
            SummarySource::File { cols, unit, .. } => {
                format!("summaries in {unit}; columns {cols:?}")
            }
        }
    }

    /// All summaries of one file, and the input rows skipped as unreadable.
    pub fn load(&self, path: &Path) -> Result<(Summaries, usize)> {
        match self {
            SummarySource::Log {
                format,
                adapt,
                policy,
                unit,
                as_of,
                as_of_text,
            } => {
                let format = if *adapt {
                    &data::adapt(path, format)
                } else {
                    format
                };
                let (mut log, report) = data::read(path, format, *policy)?;
                // The log as it was on the as-of day: later rows are left out (a backtest, or
                // a rescore of a past day), as lifetimes' summaries do.
                let later = log.truncate_after(*as_of);
                if later > 0 {
                    tracing::info!(
                        file = %path.display(),
                        transactions = later,
                        as_of = %as_of_text,
                        "transactions after the as-of day left out"
                    );
                }
                let summaries = summarise(&log, &SummaryOptions::new(*unit, *as_of))
                    .with_context(|| format!("summarising {}", path.display()))?;
                if summaries.is_empty() {
                    bail!(
                        "{}: no customer made a purchase on or before {as_of_text}",
                        path.display()
                    );
                }
                Ok((summaries, report.skipped))
            }
            SummarySource::File {
                delimiter,
                cols,
                unit,
                model_unit,
                spend,
            } => Ok((
                read_summaries(path, *delimiter, cols, *unit, *model_unit, *spend)?,
                0,
            )),
        }
    }

    /// Every partition of `input` (a file, a directory or a glob) as one base: a log's
    /// partitions are merged before summarising (a customer may have rows in several), summary
    /// partitions are put one after the other (a base split by customer).
    pub fn load_all(&self, input: &Path) -> Result<(Summaries, usize)> {
        let files = retain_io::partitions::partitions(input)?;
        if let [one] = files.as_slice() {
            return self.load(one);
        }
        match self {
            SummarySource::Log {
                format,
                adapt,
                policy,
                unit,
                as_of,
                as_of_text,
            } => {
                let (mut log, skipped) = read_logs(input, format, *adapt, *policy)?;
                log.truncate_after(*as_of);
                let summaries = summarise(&log, &SummaryOptions::new(*unit, *as_of))
                    .with_context(|| format!("summarising {}", input.display()))?;
                if summaries.is_empty() {
                    bail!(
                        "{}: no customer made a purchase on or before {as_of_text}",
                        input.display()
                    );
                }
                Ok((summaries, skipped))
            }
            SummarySource::File { .. } => {
                let mut all = Summaries::default();
                for f in &files {
                    all.append(self.load(f)?.0);
                }
                Ok((all, 0))
            }
        }
    }

    /// A summary file opened for chunked reading (None for a log, which is summarised whole).
    pub fn open_frame(&self, path: &Path) -> Result<Option<SummaryFrame>> {
        match self {
            SummarySource::Log { .. } => Ok(None),
            SummarySource::File {
                delimiter,
                cols,
                unit,
                model_unit,
                spend,
            } => Ok(Some(SummaryFrame::open(
                path,
                *delimiter,
                cols,
                *unit,
                *model_unit,
                *spend,
            )?)),
        }
    }
}
