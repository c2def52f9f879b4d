//! A loaded or fitted model (CLV or churn artefact): save, its JSON, and scoring tables.

use crate::arrow::{frame_from_stream, frame_to_stream};
use crate::error::{missing_file, value_error};
use crate::options::{ClvSettings, LogColumns, parse_opt};
use polars::prelude::*;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use retain_core::summary::{SummaryOptions, summarise};
use retain_core::time::{TimeUnit, Zone};
use retain_io::read::read_transactions_frame;
use retain_io::summary_table::{SummaryColumns, SummaryFrame};
use retain_io::table::table_from_frame;
use retain_score::artefact::{Artefact, ChurnArtefact, ClvArtefact};
use retain_score::churn_score::{ScoreOptions, score_churn, to_frame_ranked};
use retain_score::segments::{ChurnRanker, SegmentRules, SegmentSettings, Segmenter};
use std::path::PathBuf;

/// A model artefact: the same file format the CLI and the server use.
#[pyclass(module = "retain._retain", frozen)]
pub struct Model {
    pub art: Artefact,
}

/// Loads an artefact file.
#[pyfunction]
pub fn load(path: PathBuf) -> PyResult<Model> {
    if !path.is_file() {
        return Err(missing_file(&path));
    }
    let art = Artefact::load(&path).map_err(value_error)?;
    Ok(Model { art })
}

/// An artefact from its JSON text (what Spark and Dask ship to their workers), checked as a
/// file is.
#[pyfunction]
pub fn loads(text: &str) -> PyResult<Model> {
    let art = Artefact::from_json(text).map_err(value_error)?;
    Ok(Model { art })
}

/// Segment settings from keyword arguments.
fn segment_settings(
    segments: Option<PathBuf>,
    high_risk: Option<f64>,
    medium_risk: Option<f64>,
) -> PyResult<SegmentSettings> {
    if let Some(p) = &segments
        && !p.is_file()
    {
        return Err(missing_file(p));
    }
    Ok(SegmentSettings {
        rules: SegmentRules::load_or_builtin(segments.as_deref()).map_err(value_error)?,
        high_risk,
        medium_risk,
    })
}

#[pymethods]
impl Model {
    /// `clv`, `churn` or `subscription`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.art.kind()
    }

    /// The content version (12 hex digits), as the CLI and the server report it.
    #[getter]
    fn version(&self) -> String {
        self.art.version().to_string()
    }

    /// The artefact as JSON text (parameters, fit, metrics, training data).
    fn to_json(&self) -> PyResult<String> {
        let v = match &self.art {
            Artefact::Clv(a) => serde_json::to_string(a),
            Artefact::Churn(a) => serde_json::to_string(a),
            Artefact::Subscription(a) => serde_json::to_string(a),
        };
        v.map_err(value_error)
    }

    /// Writes the artefact atomically (its name is the file stem; the version is set from
    /// the content).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let mut art = self.art.clone();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        py.detach(|| match &mut art {
            Artefact::Clv(a) => {
                a.name = name;
                a.save(&path)
            }
            Artefact::Churn(a) => {
                a.name = name;
                a.save(&path)
            }
            Artefact::Subscription(a) => {
                a.name = name;
                a.save(&path)
            }
        })
        .map_err(value_error)
    }

    /// CLV models: scores a transaction log (one row per purchase) as of a day.
    #[pyo3(signature = (table, source, as_of, horizon, clv_step, discount, customer_col, date_col, amount_col, date_format, timezone, segments, high_risk, medium_risk))]
    #[allow(clippy::too_many_arguments)]
    fn score_transactions<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'py, PyCapsule>,
        source: &str,
        as_of: &str,
        horizon: &str,
        clv_step: Option<&str>,
        discount: Option<&str>,
        customer_col: &str,
        date_col: &str,
        amount_col: &str,
        date_format: Option<&str>,
        timezone: Option<&str>,
        segments: Option<PathBuf>,
        high_risk: Option<f64>,
        medium_risk: Option<f64>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let art = self.clv()?;
        let zone = match parse_opt::<Zone>("timezone", timezone)? {
            Some(z) => z,
            None => art.zone().map_err(value_error)?,
        };
        let columns = LogColumns {
            customer_col,
            date_col,
            amount_col,
            date_format,
            zone,
        };
        let opts = columns.read_options()?;
        let as_of_day = crate::options::day("as_of", as_of)?;
        let settings = ClvSettings::parse(horizon, clv_step, discount)?;
        let seg = segment_settings(segments, high_risk, medium_risk)?;
        let df = frame_from_stream(table)?;
        let out = py.detach(|| -> Result<DataFrame, String> {
            let (log, _) = read_transactions_frame(df, source, &opts).map_err(|e| e.to_string())?;
            let s = summarise(&log, &SummaryOptions::new(art.time_unit, as_of_day))
                .map_err(|e| e.to_string())?;
            if s.is_empty() {
                return Err(format!(
                    "{source}: no customer made a purchase on or before {as_of}"
                ));
            }
            score_clv(art, s, &settings, seg)
        });
        frame_to_stream(py, out.map_err(value_error)?)
    }

    /// CLV models: scores per-customer summaries (lifetimes' columns; times in `unit`).
    #[pyo3(signature = (table, source, unit, horizon, clv_step, discount, customer_col, segments, high_risk, medium_risk))]
    #[allow(clippy::too_many_arguments)]
    fn score_summaries<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'py, PyCapsule>,
        source: &str,
        unit: Option<&str>,
        horizon: &str,
        clv_step: Option<&str>,
        discount: Option<&str>,
        customer_col: &str,
        segments: Option<PathBuf>,
        high_risk: Option<f64>,
        medium_risk: Option<f64>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let art = self.clv()?;
        let unit = parse_opt::<TimeUnit>("summary_unit", unit)?.unwrap_or(art.time_unit);
        let settings = ClvSettings::parse(horizon, clv_step, discount)?;
        let seg = segment_settings(segments, high_risk, medium_risk)?;
        let cols = SummaryColumns {
            id: customer_col.to_string(),
            ..SummaryColumns::default()
        };
        let df = frame_from_stream(table)?;
        let out = py.detach(|| -> Result<DataFrame, String> {
            let frame = SummaryFrame::from_frame(
                df,
                source,
                &cols,
                unit,
                art.time_unit,
                art.spend.is_some(),
            )
            .map_err(|e| e.to_string())?;
            let s = frame.whole().map_err(|e| e.to_string())?;
            score_clv(art, s, &settings, seg)
        });
        frame_to_stream(py, out.map_err(value_error)?)
    }

    /// Churn classifiers: scores a customer table.
    #[pyo3(signature = (table, source, drivers, segments, high_risk, medium_risk))]
    #[allow(clippy::too_many_arguments)]
    fn score_table<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'py, PyCapsule>,
        source: &str,
        drivers: usize,
        segments: Option<PathBuf>,
        high_risk: Option<f64>,
        medium_risk: Option<f64>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let art = self.churn()?;
        let seg = segment_settings(segments, high_risk, medium_risk)?;
        let df = frame_from_stream(table)?;
        let out = py.detach(|| -> Result<DataFrame, String> {
            let tiers = seg
                .rules
                .risk_tiers_over(art.tiers, high_risk, medium_risk)
                .map_err(|e| e.to_string())?;
            let table = table_from_frame(df, source).map_err(|e| e.to_string())?;
            let scores = score_churn(art, table, &ScoreOptions { tiers, drivers })
                .map_err(|e| e.to_string())?;
            let ranker = art
                .reference
                .as_ref()
                .map(|r| ChurnRanker::new(r, seg.rules.value_tiers));
            let ranks = ranker.as_ref().map(|r| r.ranks(&scores));
            to_frame_ranked(&scores, ranks.as_ref()).map_err(|e| e.to_string())
        });
        frame_to_stream(py, out.map_err(value_error)?)
    }
}

impl Model {
    fn clv(&self) -> PyResult<&ClvArtefact> {
        match &self.art {
            Artefact::Clv(a) => Ok(a),
            Artefact::Churn(_) => Err(value_error(
                "a churn classifier scores a customer table, not transactions or summaries",
            )),
            Artefact::Subscription(_) => Err(value_error(
                "a subscription (sBG) model is scored by the CLI (`retain score --data`) and the \
                 server; the Python package does not score it yet",
            )),
        }
    }

    fn churn(&self) -> PyResult<&ChurnArtefact> {
        match &self.art {
            Artefact::Churn(a) => Ok(a),
            Artefact::Clv(_) => Err(value_error(
                "a CLV model scores transactions or summaries, not a customer table",
            )),
            Artefact::Subscription(_) => Err(value_error(
                "a subscription (sBG) model is scored by the CLI (`retain score --data`) and the \
                 server; the Python package does not score it yet",
            )),
        }
    }
}

/// Scores summaries as `retain score` does for one file: scores, segments against the
/// artefact's reference (or the scored base), the score file's columns.
fn score_clv(
    art: &ClvArtefact,
    s: retain_core::summary::Summaries,
    settings: &ClvSettings,
    seg: SegmentSettings,
) -> Result<DataFrame, String> {
    let spec = art.clv_spec(settings.horizon, settings.step, settings.discount);
    let segmenter = Segmenter::for_clv(art, settings.horizon, &spec, seg, Some(&s), &art.name)
        .map_err(|e| e.to_string())?;
    let table =
        retain_score::score::score(art, s, settings.horizon, &spec).map_err(|e| e.to_string())?;
    let segments = segmenter.as_ref().map(|g| g.table(&table));
    retain_score::score_file::to_frame(&table, art.time_unit, settings.horizon, segments.as_ref())
        .map_err(|e| e.to_string())
}
