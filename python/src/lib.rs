//! `retain._retain`: the Python extension of the `retain` package (maturin, PyO3, abi3 for
//! CPython ≥ 3.9). A thin binding over the library crates: tables come in and go out through
//! the Arrow C stream interface ([`arrow`]), every computation is the CLI's own (retain-io
//! readers, retain-core summaries, retain-train fits and artefacts, retain-score scoring), and
//! the GIL is released while it runs. The Python-facing API (DataFrames of the caller's type,
//! docstrings, type hints) is in `python/retain/`.
//!
//! # Layout
//! - [`arrow`]: Arrow streams ⇄ polars frames.
//! - [`error`]: Rust errors → `ValueError` / `FileNotFoundError`.
//! - [`options`]: keyword arguments → settings, refused with the argument's name.
//! - [`model`]: load, save and score artefacts.
//! - [`fit`]: summarise, fit CLV models, train churn classifiers.

mod arrow;
mod error;
mod fit;
mod model;
mod options;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _retain(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::Model>()?;
    m.add_function(wrap_pyfunction!(model::load, m)?)?;
    m.add_function(wrap_pyfunction!(model::loads, m)?)?;
    m.add_function(wrap_pyfunction!(fit::summarise, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_clv, m)?)?;
    m.add_function(wrap_pyfunction!(fit::train_churn, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
