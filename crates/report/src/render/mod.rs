//! Drawing [`Chart`]s with plotters, to a PNG file and to SVG text (written to a file and
//! inlined in the HTML page). The same drawing code runs on both backends.

mod bar;
mod heat;
mod line;
mod style;

use crate::ReportError;
use crate::chart::{Chart, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Pixel size of every plot.
pub const SIZE: (u32, u32) = (960, 560);

/// The files of one rendered figure.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PNG file.
    pub png: PathBuf,
    /// The SVG file.
    pub svg_path: PathBuf,
    /// The SVG document's text.
    pub svg: String,
}

/// A drawing failure's message (plotters' error types differ per backend).
type Drawn = Result<(), String>;

fn fail(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws `chart` on any backend.
fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Drawn {
    root.fill(&WHITE).map_err(fail)?;
    match chart {
        Chart::Line(c) => line::draw(c, root),
        Chart::Bar(c) => bar::draw(c, root),
        Chart::Heat(c) => heat::draw(c, root),
    }
}

/// Renders `figure` to `dir/<name>.png` and `dir/<name>.svg`.
pub fn render(figure: &Figure, dir: &Path) -> Result<Rendered, ReportError> {
    style::register_fonts().map_err(|reason| ReportError::Draw {
        plot: figure.name.clone(),
        reason,
    })?;
    let err = |reason: String| ReportError::Draw {
        plot: figure.name.clone(),
        reason,
    };
    let png = dir.join(format!("{}.png", figure.name));
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        draw(&figure.chart, &root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&figure.chart, &root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let svg_path = dir.join(format!("{}.svg", figure.name));
    std::fs::write(&svg_path, &svg).map_err(|e| ReportError::Write {
        path: svg_path.display().to_string(),
        reason: e.to_string(),
    })?;
    tracing::debug!(plot = %figure.name, "rendered");
    Ok(Rendered { png, svg_path, svg })
}
