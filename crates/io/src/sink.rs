//! Writing a score table in batches to one file (CSV or Parquet), atomically: the batches go
//! to a temporary file beside the target, renamed when the last one is written, so a crash
//! or kill never leaves a half-written file that looks finished. A sink dropped before
//! [`FrameSink::finish`] removes its temporary file. The path `-` streams CSV to standard
//! output instead (batch by batch, nothing to rename).

use crate::IoError;
use crate::atomic::AtomicFile;
use crate::format::{OutputFormat, is_stdout};
use crate::precision::Precision;
use polars::io::parquet::write::BatchedWriter as ParquetBatched;
use polars::prelude::*;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The bytes' destination: the temporary file or standard output.
type Dest = Box<dyn Write + Send>;

enum Writer {
    /// Not started: the schema comes with the first batch.
    Pending(Dest),
    Csv(polars::io::csv::write::BatchedWriter<Dest>),
    Parquet(Box<ParquetBatched<Dest>>),
    Done,
}

/// A score file being written batch by batch.
pub struct FrameSink {
    path: PathBuf,
    out: Option<AtomicFile>,
    format: OutputFormat,
    writer: Writer,
    rows: usize,
    /// The first batch's schema: every later batch must have it.
    schema: Option<SchemaRef>,
    /// A second handle on the temporary file: each batch is flushed to disk once written
    /// (on the writer thread, while the next batch is scored), so the final fsync before the
    /// rename has only the last batch left (a 1M-customer run waited 65 ms on it).
    sync: Option<File>,
    /// CSV only: significant digits of floats.
    precision: Option<Precision>,
}

impl FrameSink {
    /// Starts writing `path` (format from its extension; `-`: CSV to standard output).
    pub fn create(path: &Path) -> Result<FrameSink, IoError> {
        FrameSink::create_with(path, None)
    }

    /// [`FrameSink::create`], CSV floats rounded to `precision` significant digits.
    pub fn create_with(path: &Path, precision: Option<Precision>) -> Result<FrameSink, IoError> {
        let format = OutputFormat::from_path(path)?;
        if is_stdout(path) {
            return Ok(FrameSink {
                path: path.to_path_buf(),
                out: None,
                format,
                writer: Writer::Pending(Box::new(std::io::stdout())),
                rows: 0,
                schema: None,
                sync: None,
                precision,
            });
        }
        let out = AtomicFile::create(path)?;
        let file = out.try_clone_file()?;
        let sync = out.try_clone_file().ok();
        Ok(FrameSink {
            path: path.to_path_buf(),
            out: Some(out),
            format,
            writer: Writer::Pending(Box::new(file)),
            rows: 0,
            schema: None,
            sync,
            precision,
        })
    }

    fn err(&self, reason: impl ToString) -> IoError {
        IoError::write(&self.path, reason)
    }

    /// Appends a batch; every batch has the first one's columns. Columns chunked differently
    /// (a slice of a multi-chunk input beside freshly built scores) are aligned first: the
    /// Parquet writer needs equal chunks across columns.
    pub fn write(&mut self, df: &DataFrame) -> Result<(), IoError> {
        let rounded = match (self.format, self.precision) {
            (OutputFormat::Csv, Some(p)) => p.apply(df)?,
            _ => std::borrow::Cow::Borrowed(df),
        };
        let df = rounded.as_ref();
        let aligned;
        let df = if df.should_rechunk() {
            let mut copy = df.clone();
            copy.align_chunks_par();
            aligned = copy;
            &aligned
        } else {
            df
        };
        match &self.schema {
            None => self.schema = Some(df.schema().clone()),
            Some(first) if first != df.schema() => {
                return Err(self.err(format!(
                    "a batch's columns ({:?}) differ from the first batch's ({:?})",
                    df.get_column_names(),
                    first.iter_names().collect::<Vec<_>>()
                )));
            }
            Some(_) => {}
        }
        if let Writer::Pending(_) = self.writer {
            let Writer::Pending(file) = std::mem::replace(&mut self.writer, Writer::Done) else {
                unreachable!("checked just above")
            };
            let schema = df.schema();
            self.writer = match self.format {
                OutputFormat::Csv => Writer::Csv(
                    CsvWriter::new(file)
                        .batched(schema)
                        .map_err(|e| self.err(e))?,
                ),
                OutputFormat::Parquet => Writer::Parquet(Box::new(
                    ParquetWriter::new(file)
                        // Snappy: pyarrow's and pandas' default, and several times cheaper to
                        // write than polars' default zstd (a fifth of a 1M-customer score run).
                        .with_compression(ParquetCompression::Snappy)
                        .batched(schema)
                        .map_err(|e| self.err(e))?,
                )),
            };
        }
        let result = match &mut self.writer {
            Writer::Csv(w) => w.write_batch(df),
            Writer::Parquet(w) => w.write_batch(df),
            Writer::Pending(_) | Writer::Done => Ok(()),
        };
        result.map_err(|e| self.err(e))?;
        if let Some(file) = &self.sync {
            file.sync_data().map_err(|e| self.err(e))?;
        }
        self.rows += df.height();
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Finishes the file and moves it into place.
    pub fn finish(mut self) -> Result<(), IoError> {
        match std::mem::replace(&mut self.writer, Writer::Done) {
            Writer::Pending(_) | Writer::Done => {
                return Err(self.err("nothing was written"));
            }
            Writer::Csv(w) => drop(w),
            Writer::Parquet(w) => {
                w.finish().map_err(|e| self.err(e))?;
                drop(w);
            }
        }
        drop(self.sync.take());
        match self.out.take() {
            Some(out) => out.commit(),
            None if is_stdout(&self.path) => std::io::stdout().flush().map_err(|e| self.err(e)),
            None => Err(self.err("already finished")),
        }
    }
}

/// A batch for the writer thread: a frame, or the work that builds it (so that building the
/// frame's columns also leaves the scoring thread).
pub type Batch<E = IoError> = Box<dyn FnOnce() -> Result<DataFrame, E> + Send>;

/// A [`FrameSink`] fed from another thread: encoding and compressing batch k (mostly one
/// core) overlaps the scoring of batch k + 1 (all cores). One batch waits in the channel at
/// most, so memory holds two batches' frames, not more.
///
/// `E` is the error type of the work that builds a batch; it must hold the sink's own errors.
pub struct BackgroundSink<E = IoError> {
    path: PathBuf,
    tx: Option<std::sync::mpsc::SyncSender<Batch<E>>>,
    handle: Option<std::thread::JoinHandle<Result<FrameSink, E>>>,
}

impl<E: From<IoError> + Send + 'static> BackgroundSink<E> {
    /// Starts writing `path` on a writer thread.
    pub fn create(path: &Path) -> Result<BackgroundSink<E>, E> {
        BackgroundSink::create_with(path, None)
    }

    /// [`BackgroundSink::create`], CSV floats rounded to `precision` significant digits.
    pub fn create_with(path: &Path, precision: Option<Precision>) -> Result<BackgroundSink<E>, E> {
        let mut sink = FrameSink::create_with(path, precision)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch<E>>(1);
        let handle = std::thread::Builder::new()
            .name("retain-writer".into())
            .spawn(move || {
                for batch in rx {
                    sink.write(&batch()?)?;
                }
                Ok(sink)
            })
            .map_err(|e| IoError::write(path, format!("cannot start the writer thread: {e}")))?;
        Ok(BackgroundSink {
            path: path.to_path_buf(),
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// The writer's outcome, once its channel is closed.
    fn join(&mut self) -> Result<FrameSink, E> {
        drop(self.tx.take());
        match self.handle.take().map(|h| h.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(IoError::write(&self.path, "the writer thread panicked").into()),
            None => Err(IoError::write(&self.path, "the writer has already finished").into()),
        }
    }

    /// Queues a frame (waits while the previous one is still being written).
    pub fn write(&mut self, df: DataFrame) -> Result<(), E> {
        self.write_with(Box::new(move || Ok(df)))
    }

    /// Queues the work that builds a frame, run on the writer thread.
    pub fn write_with(&mut self, batch: Batch<E>) -> Result<(), E> {
        let sent = self.tx.as_ref().map(|tx| tx.send(batch));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer stopped: its error says why.
            _ => Err(self
                .join()
                .err()
                .unwrap_or_else(|| IoError::write(&self.path, "the writer stopped").into())),
        }
    }

    /// Writes what is queued, finishes the file and moves it into place.
    pub fn finish(mut self) -> Result<(), E> {
        Ok(self.join()?.finish()?)
    }
}

impl<E> Drop for BackgroundSink<E> {
    fn drop(&mut self) {
        // Abandoned: the writer drains, its FrameSink is dropped and removes the partial file.
        drop(self.tx.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(from: i64, n: i64) -> DataFrame {
        let ids: Vec<String> = (from..from + n).map(|i| format!("c{i}")).collect();
        let v: Vec<f64> = (from..from + n).map(|i| i as f64 / 2.0).collect();
        DataFrame::new_infer_height(vec![
            Column::new("customer_id".into(), ids),
            Column::new("value".into(), v),
        ])
        .unwrap()
    }

    #[test]
    fn batches_make_one_file_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["s.csv", "s.parquet"] {
            let path = dir.path().join(name);
            let mut sink = FrameSink::create(&path).unwrap();
            sink.write(&batch(0, 3)).unwrap();
            sink.write(&batch(3, 4)).unwrap();
            assert!(!path.exists(), "visible before finish");
            assert_eq!(sink.rows(), 7);
            sink.finish().unwrap();
            let back = crate::table::read_table(&path, b',').unwrap();
            assert_eq!(back.len(), 7, "{name}");
            assert_eq!(back.names, ["customer_id", "value"]);
            // No temporary file is left beside it.
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .collect();
            assert!(left.is_empty());
        }
        // A column in several chunks beside single-chunk ones (a slice of a read file).
        let path = dir.path().join("chunked.parquet");
        let mut ids = Column::new("customer_id".into(), ["a", "b"]);
        ids.append(&Column::new("customer_id".into(), ["c"]))
            .unwrap();
        let v = Column::new("value".into(), [1.0, 2.0, 3.0]);
        let df = DataFrame::new_infer_height(vec![ids, v]).unwrap();
        assert!(df.should_rechunk());
        let mut sink = FrameSink::create(&path).unwrap();
        sink.write(&df).unwrap();
        sink.finish().unwrap();
        assert_eq!(crate::table::read_table(&path, b',').unwrap().len(), 3);
        // Through the writer thread: the same file.
        let bg_path = dir.path().join("bg.csv");
        let mut bg: BackgroundSink = BackgroundSink::create(&bg_path).unwrap();
        for k in 0..5 {
            bg.write(batch(k * 3, 3)).unwrap();
        }
        bg.finish().unwrap();
        assert_eq!(crate::table::read_table(&bg_path, b',').unwrap().len(), 15);
        // A batch with other columns fails in the writer; the error comes back, no file.
        let bad_path = dir.path().join("bad.parquet");
        let mut bg: BackgroundSink = BackgroundSink::create(&bad_path).unwrap();
        bg.write(batch(0, 2)).unwrap();
        let other = DataFrame::new_infer_height(vec![Column::new("x".into(), [1i32])]).unwrap();
        let outcome = bg.write(other).and_then(|()| bg.finish());
        assert!(outcome.is_err());
        assert!(!bad_path.exists());
        std::fs::remove_file(&bg_path).unwrap();
        // An abandoned sink leaves nothing.
        let path = dir.path().join("abandoned.parquet");
        let mut sink = FrameSink::create(&path).unwrap();
        sink.write(&batch(0, 2)).unwrap();
        drop(sink);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }
}
