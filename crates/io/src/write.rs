//! Writing whole tables as CSV or Parquet (chosen by extension), atomically
//! ([`crate::atomic`]): a crash never leaves a half-written file that looks finished. The path
//! `-` writes to standard output instead ([`crate::format::is_stdout`]).

use crate::IoError;
use crate::atomic::AtomicFile;
use crate::format::{OutputFormat, is_stdout};
use crate::precision::Precision;
use polars::prelude::*;
use retain_core::time::TimeUnit;
use std::path::Path;

/// Per-customer summaries as a DataFrame with lifetimes' column names: `customer_id`,
/// `frequency`, `recency_<unit>`, `T_<unit>`, `monetary_value`, and with a holdout period
/// `frequency_holdout`, `monetary_value_holdout` (total spend) and `duration_holdout_<unit>`.
pub fn summaries_frame(
    s: &retain_core::summary::Summaries,
    unit: TimeUnit,
    holdout: Option<f64>,
) -> Result<DataFrame, IoError> {
    let u = unit.plural();
    let mut cols = vec![
        Column::new("customer_id".into(), &s.ids),
        Column::new("frequency".into(), &s.x),
        Column::new(format!("recency_{u}").into(), &s.t_x),
        Column::new(format!("T_{u}").into(), &s.t),
        Column::new("monetary_value".into(), &s.monetary),
    ];
    if let Some(h) = holdout {
        cols.push(Column::new("frequency_holdout".into(), &s.holdout_x));
        cols.push(Column::new(
            "monetary_value_holdout".into(),
            &s.holdout_spend,
        ));
        cols.push(Column::new(
            format!("duration_holdout_{u}").into(),
            vec![h; s.len()],
        ));
    }
    DataFrame::new_infer_height(cols).map_err(|e| IoError::Frame(e.to_string()))
}

/// Writes `df` to `path` atomically in the format given by its extension (`-`: CSV to
/// standard output).
pub fn write_frame(df: &mut DataFrame, path: &Path) -> Result<(), IoError> {
    write_frame_with(df, path, None)
}

/// [`write_frame`], CSV floats rounded to `precision` significant digits.
pub fn write_frame_with(
    df: &mut DataFrame,
    path: &Path,
    precision: Option<Precision>,
) -> Result<(), IoError> {
    write_frame_as(df, path, OutputFormat::from_path(path)?, precision)
}

/// Writes `df` to `path` (atomically) or to standard output (`-`) in `format`, CSV floats
/// rounded to `precision` significant digits when given.
pub fn write_frame_as(
    df: &mut DataFrame,
    path: &Path,
    format: OutputFormat,
    precision: Option<Precision>,
) -> Result<(), IoError> {
    let mut rounded = match (format, precision) {
        (OutputFormat::Csv, Some(p)) => Some(p.apply(df)?.into_owned()),
        _ => None,
    };
    let df = rounded.as_mut().unwrap_or(df);
    let err = |e: PolarsError| IoError::write(path, e);
    if is_stdout(path) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        encode(df, format, &mut out).map_err(err)?;
        return out.flush().map_err(|e| IoError::write(path, e));
    }
    let mut out = AtomicFile::create(path)?;
    encode(df, format, out.file()).map_err(err)?;
    out.commit()
}

/// Encodes `df` as `format` into `w`.
fn encode<W: std::io::Write>(df: &mut DataFrame, format: OutputFormat, w: W) -> PolarsResult<()> {
    match format {
        OutputFormat::Csv => CsvWriter::new(w).finish(df),
        OutputFormat::Parquet => {
            ParquetWriter::new(w)
                // Snappy: pyarrow's and pandas' default, and several times cheaper to
                // write than polars' default zstd (a fifth of a 1M-customer score run).
                .with_compression(ParquetCompression::Snappy)
                .finish(df)
                .map(|_| ())
        }
    }
}
