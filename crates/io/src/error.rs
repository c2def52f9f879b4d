//! The error type of `retain-io`.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// What can go wrong reading or writing files.
#[derive(Debug, Error)]
pub enum IoError {
    /// A transaction log could not be read (names file, line and column of a bad row).
    #[error(transparent)]
    Read(#[from] crate::read::ReadError),
    /// A file could not be opened or read.
    #[error("reading {}: {reason}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A table's content is not what was expected (a missing column, a bad value).
    #[error("{}: {reason}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the column (and line or row) at fault.
        reason: String,
    },
    /// A file could not be written.
    #[error("writing {}: {reason}", path.display())]
    Write {
        /// The output path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An output path whose extension names no format `retain` writes.
    #[error("output {} must end in .csv or .parquet", path.display())]
    UnknownFormat {
        /// The path.
        path: PathBuf,
    },
    /// A glob pattern is malformed.
    #[error("input pattern {pattern:?}: {reason}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// A partitioned input matched no files.
    #[error("{input}: no partition files (.csv, .txt, .tsv, .parquet)")]
    NoPartitions {
        /// The input as given.
        input: String,
    },
    /// An output path is, or would overwrite, an input.
    #[error(
        "{output_flag} {} would overwrite the input {input_flag} {}: write the output elsewhere",
        output.display(),
        input.display()
    )]
    OverwritesInput {
        /// The output flag, e.g. `--output`.
        output_flag: String,
        /// The output path as given.
        output: PathBuf,
        /// The input flag, e.g. `--transactions`.
        input_flag: String,
        /// The input path as given.
        input: PathBuf,
    },
    /// Two partitions of one input map to the same output file.
    #[error("partitions {} and {} would both be written to {output} (same file stem): rename one", first.display(), second.display())]
    PartitionClash {
        /// The first partition.
        first: PathBuf,
        /// The second partition.
        second: PathBuf,
        /// The output name both map to.
        output: String,
    },
    /// Building a frame in memory failed (a bug or a polars limit, not bad input).
    #[error("building the table: {0}")]
    Frame(String),
    /// A float precision out of range.
    #[error("precision {given:?}: give 1 to 17 significant digits")]
    Precision {
        /// The precision as given.
        given: String,
    },
}

impl IoError {
    /// A write error for `path`.
    pub fn write(path: &Path, reason: impl ToString) -> IoError {
        IoError::Write {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }

    /// A read error for `path`.
    pub fn read(path: &Path, reason: impl ToString) -> IoError {
        IoError::Input {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }

    /// A content error of the table at `path`.
    pub fn table(path: &Path, reason: impl ToString) -> IoError {
        IoError::Table {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }
}
