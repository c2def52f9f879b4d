//! Writing a report to a directory: one PNG and one SVG per figure and `report.html`.

use crate::ReportError;
use crate::html::page;
use crate::render::{Rendered, render};
use crate::report::Report;
use std::path::{Path, PathBuf};

/// File name of the page.
pub const PAGE: &str = "report.html";

/// The names [`write_report`] writes in its directory (glob patterns): the page and its
/// figures.
pub const WRITES: &[&str] = &["*.html", "*.png", "*.svg"];

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The HTML page.
    pub html: PathBuf,
    /// Each figure's files, in page order.
    pub figures: Vec<Rendered>,
}

/// Renders every figure of `report` into `dir` (created if missing) and writes the page.
pub fn write_report(report: &Report, dir: &Path) -> Result<Written, ReportError> {
    let io = |path: &Path, e: std::io::Error| ReportError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let figures = report
        .figures
        .iter()
        .map(|f| render(f, dir))
        .collect::<Result<Vec<_>, _>>()?;
    let svgs: Vec<String> = figures.iter().map(|r| r.svg.clone()).collect();
    let html = dir.join(PAGE);
    std::fs::write(&html, page(report, &svgs)).map_err(|e| io(&html, e))?;
    tracing::info!(page = %html.display(), figures = figures.len(), "report written");
    Ok(Written { html, figures })
}
