//! Flags that say how to read a transaction log, shared by `train` and `score`.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use retain_core::transactions::TransactionLog;
use retain_io::read::{
    BadRowPolicy, ColumnRef, Delimiter, ReadOptions, ReadReport, read_transactions,
};
use retain_score::artefact::DataFormat;
use std::path::Path;

/// What to do with a row that cannot be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnBadRow {
    /// Stop with an error naming the file, line and column.
    Error,
    /// Skip it, count it and report how many were skipped.
    Skip,
}

/// How to read a transaction log. Unset flags fall back to the defaults (or, when scoring, to
/// how the model's training data was read).
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Customer id column: a name, or a 1-based position for files without a header [default: customer_id].
    #[arg(long)]
    pub customer_col: Option<String>,
    /// Date column: a name or a 1-based position [default: date].
    #[arg(long)]
    pub date_col: Option<String>,
    /// Amount column: a name or a 1-based position [default: amount].
    #[arg(long)]
    pub amount_col: Option<String>,
    /// strftime format of the dates, e.g. %Y%m%d for CDNOW [default: ISO dates or datetimes].
    #[arg(long)]
    pub date_format: Option<String>,
    /// Field delimiter of text files: a character, `tab`, or `whitespace` (runs of spaces/tabs) [default: ,].
    #[arg(long)]
    pub delimiter: Option<String>,
    /// The text file has no header line (refer to columns by position).
    #[arg(long)]
    pub no_header: bool,
    /// What to do with unparseable rows.
    #[arg(long, value_enum, default_value_t = OnBadRow::Error)]
    pub on_bad_row: OnBadRow,
}

impl DataArgs {
    /// The format these flags describe, on top of `base`.
    pub fn format(&self, base: Option<&DataFormat>) -> DataFormat {
        let pick = |flag: &Option<String>, stored: Option<&String>, default: &str| {
            flag.clone()
                .or_else(|| stored.cloned())
                .unwrap_or_else(|| default.to_string())
        };
        DataFormat {
            customer_col: pick(
                &self.customer_col,
                base.map(|b| &b.customer_col),
                "customer_id",
            ),
            date_col: pick(&self.date_col, base.map(|b| &b.date_col), "date"),
            amount_col: pick(&self.amount_col, base.map(|b| &b.amount_col), "amount"),
            date_format: self
                .date_format
                .clone()
                .or_else(|| base.and_then(|b| b.date_format.clone())),
            delimiter: pick(&self.delimiter, base.map(|b| &b.delimiter), ","),
            header: if self.no_header {
                false
            } else {
                base.map(|b| b.header).unwrap_or(true)
            },
        }
    }
}

/// A `--delimiter` for files polars reads directly: one byte, or `tab`.
pub fn single_byte_delimiter(d: &str) -> Result<u8> {
    match d {
        "tab" | "\\t" => Ok(b'\t'),
        d if d.len() == 1 => Ok(d.as_bytes()[0]),
        d => anyhow::bail!("--delimiter must be one character or `tab` here, got {d:?}"),
    }
}

fn read_options(f: &DataFormat, on_bad_row: OnBadRow) -> Result<ReadOptions> {
    let delimiter = match f.delimiter.as_str() {
        "whitespace" | "ws" => Delimiter::Whitespace,
        "tab" | "\\t" => Delimiter::Char(b'\t'),
        d if d.len() == 1 => Delimiter::Char(d.as_bytes()[0]),
        d => anyhow::bail!("--delimiter must be one character, `tab` or `whitespace`, got {d:?}"),
    };
    let col = |s: &str| -> Result<ColumnRef> {
        s.parse::<ColumnRef>().map_err(|e| anyhow::anyhow!("{e}"))
    };
    Ok(ReadOptions {
        customer_col: col(&f.customer_col)?,
        date_col: col(&f.date_col)?,
        amount_col: col(&f.amount_col)?,
        date_format: f.date_format.clone(),
        delimiter,
        has_header: f.header,
        on_bad_row: match on_bad_row {
            OnBadRow::Error => BadRowPolicy::Error,
            OnBadRow::Skip => BadRowPolicy::Skip,
        },
    })
}

/// Reads a transaction log as `format` describes, reporting skipped rows.
pub fn read(
    path: &Path,
    format: &DataFormat,
    on_bad_row: OnBadRow,
) -> Result<(TransactionLog, ReadReport)> {
    let opts = read_options(format, on_bad_row)?;
    let (log, report) =
        read_transactions(path, &opts).with_context(|| format!("reading {}", path.display()))?;
    if report.skipped > 0 {
        tracing::warn!(skipped = report.skipped, file = %path.display(), "bad rows skipped");
        eprintln!(
            "warning: skipped {} bad row(s) of {}",
            report.skipped,
            path.display()
        );
    }
    Ok((log, report))
}
