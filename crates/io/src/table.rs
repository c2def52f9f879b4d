//! Customer tables (one row per customer, CSV or Parquet) → [`RawTable`] columns for the
//! feature pipeline of `retain-core`.
//!
//! Text files are read with every column as text: the pipeline decides each column's role
//! (numeric, boolean, categorical) from the values, and reports unparseable cells itself.
//! Empty cells and the usual missing markers (`NA`, `N/A`, `null`, `NaN`, blanks) become missing.

use crate::IoError;
use polars::prelude::*;
use retain_core::features::{RawColumn, RawTable};
use std::path::Path;

/// Cell texts read as missing (compared case-insensitively, after trimming).
pub const MISSING_MARKERS: [&str; 6] = ["", "na", "n/a", "null", "nan", "none"];

fn polars_err(path: &Path) -> impl Fn(PolarsError) -> IoError + '_ {
    move |e| IoError::read(path, e)
}

/// Reads a customer table; `.parquet`/`.pq` as Parquet, anything else as delimited text with a
/// header.
pub fn read_table(path: &Path, delimiter: u8) -> Result<RawTable, IoError> {
    if crate::format::is_parquet(path) {
        crate::parquet_guard::checked(path, || read_table_unguarded(path, delimiter))
            .map_err(|reason| IoError::table(path, reason))?
    } else {
        read_table_unguarded(path, delimiter)
    }
}

/// Reads every partition of `input` (a file, a directory or a glob, as
/// [`crate::partitions::partitions`] lists them) into one table; the partitions must have the
/// same columns.
pub fn read_tables(input: &Path, delimiter: u8) -> Result<RawTable, IoError> {
    let files = crate::partitions::partitions(input)?;
    // `partitions` lists at least one file or fails.
    let mut table = read_table(&files[0], delimiter)?;
    for f in &files[1..] {
        table
            .append(read_table(f, delimiter)?)
            .map_err(|reason| IoError::table(f, reason))?;
    }
    Ok(table)
}

fn read_table_unguarded(path: &Path, delimiter: u8) -> Result<RawTable, IoError> {
    if !path.is_file() {
        return Err(IoError::table(path, "no such file"));
    }
    let pl_path = PlRefPath::new(path.to_string_lossy().as_ref());
    let lf = if crate::format::is_parquet(path) {
        LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()).map_err(polars_err(path))?
    } else {
        LazyCsvReader::new(pl_path)
            .with_has_header(true)
            .with_separator(delimiter)
            .with_infer_schema_length(Some(0))
            .with_missing_is_null(true)
            .finish()
            .map_err(polars_err(path))?
    };
    let df = lf.collect().map_err(polars_err(path))?;
    raw_table(df, path)
}

/// A customer table held in memory (handed over by the Python package), converted as a
/// Parquet file's columns are; errors are named by `source` (e.g. `pandas DataFrame`).
pub fn table_from_frame(df: DataFrame, source: &str) -> Result<RawTable, IoError> {
    raw_table(df, Path::new(source))
}

fn raw_table(df: DataFrame, path: &Path) -> Result<RawTable, IoError> {
    if df.height() == 0 {
        return Err(IoError::table(path, "no data rows"));
    }
    let mut table = RawTable {
        names: Vec::new(),
        columns: Vec::new(),
    };
    for col in df.columns() {
        let s = col.as_materialized_series();
        table.names.push(s.name().to_string());
        table.columns.push(convert(s).map_err(polars_err(path))?);
    }
    Ok(table)
}

fn convert(s: &Series) -> PolarsResult<RawColumn> {
    Ok(match s.dtype() {
        DataType::String => RawColumn::Text(
            s.str()?
                .iter()
                .map(|v| v.filter(|t| !is_missing(t)).map(|t| t.trim().to_string()))
                .collect(),
        ),
        DataType::Boolean => RawColumn::Bool(s.bool()?.iter().collect()),
        dt if dt.is_primitive_numeric() => {
            let f = s.cast(&DataType::Float64)?;
            RawColumn::Numeric(
                f.f64()?
                    .iter()
                    .map(|v| v.filter(|x| x.is_finite()))
                    .collect(),
            )
        }
        _ => {
            let t = s.cast(&DataType::String)?;
            RawColumn::Text(
                t.str()?
                    .iter()
                    .map(|v| v.filter(|t| !is_missing(t)).map(str::to_string))
                    .collect(),
            )
        }
    })
}

/// Whether a cell's text means "missing".
pub fn is_missing(text: &str) -> bool {
    let t = text.trim();
    MISSING_MARKERS.iter().any(|m| t.eq_ignore_ascii_case(m))
}
