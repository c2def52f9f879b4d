//! Rust errors → Python exceptions with the same messages as the CLI: a bad column, row, value
//! or setting is a `ValueError`; a missing file a `FileNotFoundError`.

use pyo3::PyErr;
use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use std::fmt::Display;

/// A refusal of the caller's data or settings.
pub fn value_error(e: impl Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A file that is not there.
pub fn missing_file(path: &std::path::Path) -> PyErr {
    PyFileNotFoundError::new_err(format!("{}: no such file", path.display()))
}
