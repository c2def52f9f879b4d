//! Transaction logs from delimited text or Parquet → [`TransactionLog`].
//!
//! The format follows the extension: `.parquet` / `.pq` is Parquet, anything else delimited text.
//! Columns are chosen by header name or 1-based position ([`ColumnRef`]). Every bad value is
//! reported with the file, the line (text; the header counts) or row (Parquet), the column and
//! the value, or skipped and counted under [`BadRowPolicy::Skip`]. Blank lines are ignored.
//!
//! # Layout
//! - `options`: [`ReadOptions`], [`ColumnRef`], [`Delimiter`], [`BadRowPolicy`].
//! - `error`: [`ReadError`] and [`BadRow`].
//! - `collect`: the growing log, the bad-row policy and the [`ReadReport`].
//! - `csv`, `whitespace`, `parquet`: the three readers.
//! - `stream`, `batch`: polars batches, in file order, → the parsers.
//! - `columns`: column refs → column indices.
//! - `lines`, `diagnose`: row numbers → line numbers; the line of a malformed record.
//! - `date`: text dates → days.
//!
//! # Days
//! A date, or a datetime without an offset, is the day written. An instant (a text datetime with
//! an offset such as `+01:00` or `Z`, a time-zone-aware Parquet timestamp) is given its calendar
//! day in [`ReadOptions::zone`], UTC by default ([`retain_core::time::Zone`]), whatever zone it
//! was written in: the convention of the CLI, batch jobs and the server alike.
//!
//! # Example
//! ```
//! use retain_io::read::{read_transactions, ReadOptions};
//! let path = std::env::temp_dir().join(format!("retain-read-doc-{}.csv", std::process::id()));
//! std::fs::write(&path, "customer_id,date,amount\nc1,1997-01-01,29.33\nc1,1997-01-18,-5\n").unwrap();
//! let (log, report) = read_transactions(&path, &ReadOptions::default()).unwrap();
//! assert_eq!((log.len(), log.ids.len(), report.skipped), (2, 1, 0));
//! std::fs::remove_file(&path).unwrap();
//! ```

mod batch;
mod collect;
mod columns;
mod csv;
mod date;
mod diagnose;
mod error;
mod lines;
mod options;
mod parquet;
mod stream;
mod whitespace;

pub use collect::{MAX_EXAMPLES, ReadReport};
pub use error::{BadRow, Field, Location, Problem, ReadError};
pub use options::{BadRowPolicy, ColumnRef, Delimiter, ReadOptions};

use date::DateParser;
use retain_core::transactions::TransactionLog;
use std::fs::File;
use std::path::Path;

/// Reads the transaction log at `path` as `opts` describe.
///
/// Returns the log (customer ids interned in order of first appearance, rows in file order) and
/// a report of what was loaded and skipped. A file without any usable row is an error.
pub fn read_transactions(
    path: &Path,
    opts: &ReadOptions,
) -> Result<(TransactionLog, ReadReport), ReadError> {
    let dates = DateParser::new(opts.date_format.as_deref(), opts.zone)?;
    let started = std::time::Instant::now();
    let out = if crate::format::is_parquet(path) {
        crate::parquet_guard::checked(path, || parquet::read(path, opts, dates)).map_err(
            |reason| ReadError::Corrupt {
                path: path.to_path_buf(),
                reason,
            },
        )?
    } else {
        match opts.delimiter {
            Delimiter::Whitespace => whitespace::read(path, opts, dates),
            Delimiter::Char(c) => csv::read(path, opts, c, dates),
        }
    }?;
    tracing::debug!(
        file = %path.display(),
        rows = out.1.rows,
        customers = out.0.ids.len(),
        skipped = out.1.skipped,
        seconds = started.elapsed().as_secs_f64(),
        "read transactions"
    );
    Ok(out)
}

/// Reads a transaction log held in memory (a table handed over by the Python package) as a
/// Parquet file's columns are read: the same column choice, types and checks, with bad rows
/// named by `source` (e.g. `pandas DataFrame`), the 1-based row and the column.
pub fn read_transactions_frame(
    df: polars::prelude::DataFrame,
    source: &str,
    opts: &ReadOptions,
) -> Result<(TransactionLog, ReadReport), ReadError> {
    use polars::prelude::IntoLazy;
    let dates = DateParser::new(opts.date_format.as_deref(), opts.zone)?;
    parquet::read_typed(Path::new(source), df.lazy(), opts, dates)
}

/// Opens a file to read, refusing directories (which open fine on Unix).
fn open(path: &Path) -> Result<File, ReadError> {
    let file = File::open(path).map_err(io_error(path))?;
    match file.metadata() {
        Ok(m) if m.is_dir() => Err(ReadError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("is a directory"),
        }),
        Ok(_) => Ok(file),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Wraps an I/O error with the file it concerns.
fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ReadError + '_ {
    move |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests;
