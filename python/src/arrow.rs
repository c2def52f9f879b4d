//! Tables across the Python boundary through the Arrow C stream interface (PyCapsules named
//! `arrow_array_stream`), straight into and out of polars' own Arrow implementation.
//!
//! Why this path and not pyo3-arrow: retain's readers, scorers and score frames are polars
//! (retain-io); pyo3-arrow would bring arrow-rs, a second Arrow implementation, and every
//! batch would cross the C interface twice (pyarrow → arrow-rs → polars-arrow) and back. Here a
//! batch crosses once each way and the buffers are shared, not copied. pyarrow, polars and
//! pandas (through pyarrow) all speak the stream interface, so the Python side stays a few
//! lines (`retain/_frames.py`).

use polars::prelude::*;
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field as ArrowField};
use polars_arrow::ffi::{ArrowArrayStream, ArrowArrayStreamReader, export_iterator};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// The stream a capsule holds, moved out of it (the capsule is left released).
fn take_stream(capsule: &Bound<'_, PyCapsule>) -> PyResult<ArrowArrayStream> {
    let ptr = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: a capsule named `arrow_array_stream` holds an `ArrowArrayStream` (the Arrow
    // PyCapsule interface); the consumer moves it out and leaves a released stream behind,
    // which the producer's destructor then skips.
    Ok(unsafe {
        std::ptr::replace(
            ptr.as_ptr().cast::<ArrowArrayStream>(),
            ArrowArrayStream::empty(),
        )
    })
}

/// A polars frame from an Arrow stream of record batches (struct arrays).
pub fn frame_from_stream(capsule: &Bound<'_, PyCapsule>) -> PyResult<DataFrame> {
    let stream = Box::new(take_stream(capsule)?);
    let bad = |e: PolarsError| PyValueError::new_err(format!("reading the Arrow stream: {e}"));
    // SAFETY: the stream was produced by an Arrow implementation following the C interface.
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(stream) }.map_err(bad)?;
    let fields = match &reader.field().dtype {
        ArrowDataType::Struct(fields) => fields.clone(),
        other => {
            return Err(PyValueError::new_err(format!(
                "expected a stream of record batches, got {other:?}"
            )));
        }
    };
    let mut columns: Vec<Vec<Box<dyn Array>>> = vec![Vec::new(); fields.len()];
    // SAFETY: as above; each item is one record batch.
    while let Some(batch) = unsafe { reader.next() } {
        let batch = batch.map_err(bad)?;
        let s = batch
            .as_any()
            .downcast_ref::<StructArray>()
            .ok_or_else(|| PyValueError::new_err("a stream item is not a record batch"))?;
        for (column, values) in columns.iter_mut().zip(s.values()) {
            column.push(values.clone());
        }
    }
    let mut out = Vec::with_capacity(fields.len());
    for (f, chunks) in fields.iter().zip(columns) {
        let series = if chunks.is_empty() {
            Series::new_empty(f.name.clone(), &DataType::from_arrow_field(f))
        } else {
            Series::try_from((f, chunks)).map_err(bad)?
        };
        out.push(series.into_column());
    }
    DataFrame::new_infer_height(out).map_err(bad)
}

/// A polars frame as an Arrow stream capsule (one record batch; strings as large_utf8, which
/// every consumer, pandas and Spark included, reads).
pub fn frame_to_stream<'py>(py: Python<'py>, df: DataFrame) -> PyResult<Bound<'py, PyCapsule>> {
    let bad = |e: PolarsError| PyValueError::new_err(format!("building the Arrow stream: {e}"));
    let mut df = df;
    df.rechunk_mut_par();
    let height = df.height();
    let mut fields = Vec::with_capacity(df.width());
    let mut arrays = Vec::with_capacity(df.width());
    for c in df.columns() {
        let s = c.as_materialized_series();
        let array = s.to_arrow(0, CompatLevel::oldest());
        fields.push(ArrowField::new(
            s.name().clone(),
            array.dtype().clone(),
            true,
        ));
        arrays.push(array);
    }
    let dtype = ArrowDataType::Struct(fields);
    let batch = StructArray::try_new(dtype.clone(), height, arrays, None).map_err(bad)?;
    let field = ArrowField::new("".into(), dtype, false);
    let items: Vec<PolarsResult<Box<dyn Array>>> = vec![Ok(batch.boxed())];
    let stream = export_iterator(Box::new(items.into_iter()), field);
    PyCapsule::new_with_value_and_destructor(py, SendStream(stream), STREAM, |s, _| drop(s))
}

/// The exported stream; its release callback frees Rust-owned buffers only.
#[repr(transparent)]
struct SendStream(ArrowArrayStream);

// SAFETY: the stream owns its batches (reference-counted, thread-safe buffers); the C interface
// lets the consumer use it from any thread, one at a time.
unsafe impl Send for SendStream {}
