//! Line charts: series, dashed vertical markers and a legend.

use super::style::{FONT, palette, tick};
use super::{Drawn, fail};
use crate::chart::{Corner, LineChart, LineStyle};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Axis ranges that hold every point and marker, with y starting at 0 when the data are
/// non-negative and some headroom above for the legend.
fn fit(c: &LineChart) -> ((f64, f64), (f64, f64)) {
    let pts = c.series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, 0.0f64, f64::MIN);
    for &(x, y) in pts.filter(|p| p.0.is_finite() && p.1.is_finite()) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    for (x, _) in &c.vertical {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
    }
    if x0 > x1 {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    ((x0, x1), (y0, y1 + (y1 - y0) * 0.15))
}

pub(super) fn draw<DB: DrawingBackend>(c: &LineChart, root: &DrawingArea<DB, Shift>) -> Drawn {
    let ((x0, x1), (y0, y1)) = c.range.unwrap_or_else(|| fit(c));
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 22))
        .margin(18)
        .x_label_area_size(52)
        .y_label_area_size(76)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(fail)?;
    for (x, label) in &c.vertical {
        let grey = RGBColor(90, 90, 90);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(*x, y0), (*x, y1)],
                6,
                4,
                grey.stroke_width(1),
            ))
            .map_err(fail)?;
        let (px, py) = chart.backend_coord(&(*x, y1));
        root.draw(&Text::new(
            label.clone(),
            (px + 6, py + 6),
            (FONT, 13).into_font().color(&grey),
        ))
        .map_err(fail)?;
    }
    for s in &c.series {
        let colour = palette(s.colour);
        let stroke = colour.stroke_width(2);
        let pts = s.points.iter().copied();
        let anno = match s.style {
            LineStyle::Solid => chart.draw_series(LineSeries::new(pts, stroke)),
            LineStyle::Markers => chart.draw_series(LineSeries::new(pts, stroke).point_size(3)),
            LineStyle::Dashed => chart.draw_series(DashedLineSeries::new(pts, 8, 5, stroke)),
        }
        .map_err(fail)?;
        if !s.name.is_empty() {
            anno.label(s.name.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(3))
            });
        }
    }
    for (x, y, text) in &c.point_labels {
        let (px, py) = chart.backend_coord(&(*x, *y));
        root.draw(&Text::new(
            text.clone(),
            (px + 7, py + 4),
            (FONT, 12).into_font(),
        ))
        .map_err(fail)?;
    }
    if c.series.iter().any(|s| !s.name.is_empty()) {
        let position = match c.legend {
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
        };
        chart
            .configure_series_labels()
            .position(position)
            .margin(12)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(fail)?;
    }
    Ok(())
}
