//! Reading and writing `retain`'s files, with polars underneath: transaction logs, customer
//! tables and summary files in, tables and score files out. Everything that touches a file's
//! bytes lives here once: the format chosen by extension, atomic writes that fsync, the content
//! hash, and the list of partitions of a partitioned input.
//!
//! # Layout
//! - [`read`]: CSV / whitespace / Parquet transaction logs → [`retain_core::transactions::TransactionLog`],
//!   every bad value named by file, line and column.
//! - [`table`]: customer tables (CSV / Parquet) → raw feature columns.
//! - [`summary_table`]: per-customer summaries read from a file, in chunks.
//! - [`write`]: whole tables to CSV / Parquet, atomically.
//! - [`sink`]: a table written batch by batch (optionally on a writer thread), atomically.
//! - [`atomic`]: the one atomic writer (temporary file, fsync, rename, directory fsync).
//! - [`fingerprint`]: the one content hash (SHA-256).
//! - [`format`]: the one choice of CSV or Parquet by extension.
//! - [`parquet_guard`]: every Parquet read checked against a corrupt footer (chunk ranges
//!   within the file; decoder panics turned into errors).
//! - [`overwrite`]: the one check that no output overwrites an input (paths, links, inodes).
//! - [`precision`]: significant digits of floats in CSV output.
//! - [`partitions`]: a file, directory or glob → the partitions to process.
//! - [`error`]: the crate's error type.
//!
//! # Example
//! ```
//! use retain_io::{atomic::write_atomically, fingerprint};
//! let dir = std::env::temp_dir().join(format!("retain-io-doc-{}", std::process::id()));
//! let path = dir.join("hello.txt");
//! write_atomically(&path, b"hello").unwrap();
//! assert_eq!(fingerprint::of_file(&path).unwrap(), fingerprint::of_bytes(b"hello"));
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
#![deny(missing_docs)]

pub mod atomic;
pub mod error;
pub mod fingerprint;
pub mod format;
pub mod overwrite;
pub mod parquet_guard;
pub mod partitions;
pub mod precision;
pub mod read;
pub mod sink;
pub mod summary_table;
pub mod table;
pub mod write;

pub use error::IoError;
