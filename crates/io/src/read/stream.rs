//! Runs a polars scan on the streaming engine and hands each batch, in file order, to a reader.
//!
//! Collecting a 100M-row file eagerly would hold every selected column as strings (16-byte views
//! plus data) before a single transaction is parsed. Streaming keeps memory to a few batches,
//! overlaps polars' parallel parsing with ours, and stops at the first bad row under
//! `BadRowPolicy::Error`.

use super::batch::BatchReader;
use super::error::ReadError;
use polars::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// The reader and the error that stopped it, shared with the polars callback.
type Shared = Arc<Mutex<Option<(BatchReader, Option<ReadError>)>>>;

/// Feeds the reader's columns of `lf` to `reader`, batch by batch.
pub(super) fn read_batches(
    path: &Path,
    lf: LazyFrame,
    reader: BatchReader,
) -> Result<BatchReader, ReadError> {
    let columns: Vec<Expr> = reader.columns().into_iter().map(col).collect();
    let shared: Shared = Arc::new(Mutex::new(Some((reader, None))));
    let in_callback = Arc::clone(&shared);
    let callback = PlanCallback::new(move |df: DataFrame| -> PolarsResult<bool> {
        let mut guard = in_callback.lock().unwrap_or_else(PoisonError::into_inner);
        let Some((reader, error)) = guard.as_mut() else {
            return Ok(true);
        };
        if error.is_some() {
            return Ok(true);
        }
        match reader.read(&df) {
            Ok(()) => Ok(false),
            Err(e) => {
                *error = Some(e);
                // `true` asks polars to stop: the rest of the file is not needed.
                Ok(true)
            }
        }
    });
    let outcome = lf
        .select(columns)
        .sink_batches(callback, true, None)
        .and_then(|lf| lf.collect_with_engine(Engine::Streaming));
    let taken = shared.lock().unwrap_or_else(PoisonError::into_inner).take();
    // The callback only borrows the state and polars has finished with it: it is still here.
    let (reader, error) = taken.expect("reader state is only taken once, after the scan");
    if let Some(e) = error {
        return Err(e);
    }
    outcome.map_err(|source| ReadError::Polars {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(reader)
}
