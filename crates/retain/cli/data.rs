//! Flags that say how to read a transaction log, shared by `train` and `score`.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use retain_core::time::Zone;
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
    /// The text file has no header line (refer to columns by position) [default: a header, or
    /// when scoring, as the model's training data was read; a first line naming the columns is
    /// detected as a header].
    #[arg(long, conflicts_with = "header")]
    pub no_header: bool,
    /// The text file has a header line (overrides a model's stored `--no-header`).
    #[arg(long)]
    pub header: bool,
    /// Time zone of calendar days: UTC, an offset such as +01:00, or an IANA name such as
    /// Europe/Paris. An instant (a datetime written with an offset, e.g. 2024-03-02T00:30+01:00
    /// or ...Z, or a time-zone-aware Parquet timestamp) falls on its calendar day in this zone;
    /// a date, or a datetime without an offset, keeps the date written. `train` stores a zone
    /// other than UTC in the model, and scoring and the server then use it [default: UTC, or
    /// when scoring, the model's].
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<Zone>,
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
            } else if self.header {
                true
            } else {
                base.map(|b| b.header).unwrap_or(true)
            },
            // UTC is the default, stored as no zone (so a model trained in UTC keeps the
            // content version it had before zones were stored).
            timezone: self
                .timezone
                .map(|z| z.to_string())
                .or_else(|| base.and_then(|b| b.timezone.clone()))
                .filter(|z| !matches!(z.parse::<Zone>(), Ok(z) if z.is_utc())),
        }
    }
}

impl DataArgs {
    /// Whether any flag describes the file's layout; if none does, a model's stored settings
    /// are only defaults that [`adapt`] may set aside for a file in another layout. The time
    /// zone is not layout: [`adapt`] keeps it.
    pub fn layout_given(&self) -> bool {
        self.customer_col.is_some()
            || self.date_col.is_some()
            || self.amount_col.is_some()
            || self.date_format.is_some()
            || self.delimiter.is_some()
            || self.no_header
            || self.header
    }
}

/// retain's own layout, what `retain simulate` writes: named columns, ISO dates, a header.
const OWN_COLUMNS: [&str; 3] = ["customer_id", "date", "amount"];

/// The read settings for `path` when they come from a model's stored settings (no layout flag
/// given): a file in retain's own layout (its header or Parquet schema names `customer_id`,
/// `date` and `amount`) is read that way, whatever layout the training file had; and a text
/// file whose first line is a header is read as having one. The time zone stays `stored`'s.
pub fn adapt(path: &Path, stored: &DataFormat) -> DataFormat {
    let own = |delimiter: &str| DataFormat {
        customer_col: OWN_COLUMNS[0].into(),
        date_col: OWN_COLUMNS[1].into(),
        amount_col: OWN_COLUMNS[2].into(),
        date_format: None,
        delimiter: delimiter.into(),
        header: true,
        timezone: stored.timezone.clone(),
    };
    let names_own = |names: &[&str]| OWN_COLUMNS.iter().all(|c| names.contains(c));
    if retain_io::format::is_parquet(path) {
        let names = std::fs::File::open(path)
            .ok()
            .and_then(|f| {
                use polars::prelude::SerReader;
                // A corrupt file is reported by the reader that follows.
                retain_io::parquet_guard::guard(|| {
                    polars::prelude::ParquetReader::new(f).schema().ok()
                })
                .ok()
                .flatten()
            })
            .map(|s| s.iter_names().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap_or_default();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        return if names_own(&names) {
            own(",")
        } else {
            stored.clone()
        };
    }
    let Some(first) = first_line(path) else {
        return stored.clone();
    };
    for (sep, name) in [(',', ","), (';', ";"), ('\t', "tab")] {
        let fields: Vec<&str> = first
            .split(sep)
            .map(|f| f.trim().trim_matches('"'))
            .collect();
        if names_own(&fields) {
            return own(name);
        }
    }
    // A header-less model scoring a file with a header: a first line whose date field has no
    // digit is a header (no date format writes a date without one).
    if !stored.header
        && let Ok(pos) = stored.date_col.parse::<usize>()
    {
        let fields: Vec<&str> = match stored.delimiter.as_str() {
            "whitespace" | "ws" => first.split_whitespace().collect(),
            "tab" | "\\t" => first.split('\t').collect(),
            d => first.split(d).collect(),
        };
        if let Some(field) = pos.checked_sub(1).and_then(|i| fields.get(i))
            && !field.bytes().any(|b| b.is_ascii_digit())
        {
            return DataFormat {
                header: true,
                ..stored.clone()
            };
        }
    }
    stored.clone()
}

/// The first non-empty line of a text file (at most 64 KiB of it).
fn first_line(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut buf = vec![0u8; 1 << 16];
    let n = std::fs::File::open(path).ok()?.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.lines()
        .find(|l| !l.trim().is_empty())
        .map(str::to_string)
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
        zone: f.zone()?,
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
