//! Heat maps: one coloured cell per value (blank where there is none), optional text in the
//! cells, and a colour scale with its label on the right.

use super::style::{FONT, dark_text_on, tick, viridis};
use super::{Drawn, fail};
use crate::chart::HeatMap;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the colour scale on the right.
const SCALE_WIDTH: u32 = 130;
/// At most this many tick labels per axis.
const MAX_TICKS: usize = 20;

pub(super) fn draw<DB: DrawingBackend>(c: &HeatMap, root: &DrawingArea<DB, Shift>) -> Drawn {
    let (nr, nc) = (c.rows.len().max(1), c.columns.len().max(1));
    let finite = c
        .values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let span = if hi - lo > 1e-12 { hi - lo } else { 1.0 };
    let (w, _) = root.dim_in_pixel();
    let (main, scale) = root.split_horizontally(w.saturating_sub(SCALE_WIDTH));
    let mut chart = ChartBuilder::on(&main)
        .caption(&c.title, (FONT, 22))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(row_label_width(&c.rows))
        .build_cartesian_2d(0.0..nc as f64, 0.0..nr as f64)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(fail)?;
    let mut cells = Vec::new();
    for (r, row) in c.values.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                let colour = viridis((v - lo) / span);
                let (x, y) = (col as f64, r as f64);
                cells.push(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    colour.filled(),
                ));
            }
        }
    }
    chart.draw_series(cells).map_err(fail)?;
    // Tick labels at cell centres, every `step`-th cell so they never overlap.
    let tick = |style: TextStyle<'_>, at: (f64, f64), text: &str, dx: i32, dy: i32| {
        let (px, py) = chart.backend_coord(&at);
        main.draw(&Text::new(text.to_string(), (px + dx, py + dy), style))
            .map_err(fail)
    };
    let font = (FONT, 13).into_font();
    let step_c = nc.div_ceil(MAX_TICKS);
    for (i, label) in c.columns.iter().enumerate().step_by(step_c) {
        let style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Center, VPos::Top));
        tick(style, (i as f64 + 0.5, 0.0), label, 0, 6)?;
    }
    let step_r = nr.div_ceil(MAX_TICKS);
    for (i, label) in c.rows.iter().enumerate().step_by(step_r) {
        let style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Right, VPos::Center));
        tick(style, (0.0, i as f64 + 0.5), label, -10, 0)?;
    }
    if let Some(text) = &c.annotations {
        let (x0, y0) = chart.backend_coord(&(0.0, 0.0));
        let (x1, y1) = chart.backend_coord(&(1.0, 1.0));
        let (cw, ch) = ((x1 - x0).abs(), (y1 - y0).abs());
        for (r, row) in text.iter().enumerate() {
            for (col, t) in row.iter().enumerate() {
                let size = (f64::from(ch) * 0.4)
                    .min(f64::from(cw) / (t.chars().count().max(1) as f64 * 0.62))
                    .min(16.0);
                if t.is_empty() || size < 7.0 {
                    continue;
                }
                let bg = c.values[r][col].map(|v| viridis((v - lo) / span));
                let ink = match bg {
                    Some(bg) if !dark_text_on(bg) => WHITE,
                    _ => BLACK,
                };
                let style = TextStyle::from((FONT, size).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                tick(style, (col as f64 + 0.5, r as f64 + 0.5), t, 0, 0)?;
            }
        }
    }
    colour_scale(&scale, &c.scale_label, lo, hi)
}

/// Room for the row labels and the axis description.
fn row_label_width(rows: &[String]) -> u32 {
    let longest = rows.iter().map(|r| r.chars().count()).max().unwrap_or(2) as u32;
    (longest * 8 + 44).clamp(64, 220)
}

/// A vertical gradient from `lo` (bottom) to `hi` (top) with five labelled ticks.
fn colour_scale<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    lo: f64,
    hi: f64,
) -> Drawn {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = (70i32, h as i32 - 90);
    let (left, right) = (14i32, 38i32);
    let steps = 100;
    for s in 0..steps {
        let t = f64::from(s) / f64::from(steps - 1);
        let y_hi =
            bottom - ((f64::from(s + 1) / f64::from(steps)) * f64::from(bottom - top)) as i32;
        let y_lo = bottom - ((f64::from(s) / f64::from(steps)) * f64::from(bottom - top)) as i32;
        area.draw(&Rectangle::new(
            [(left, y_hi), (right, y_lo)],
            viridis(t).filled(),
        ))
        .map_err(fail)?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        BLACK.mix(0.5),
    ))
    .map_err(fail)?;
    for k in 0..=4 {
        let f = f64::from(k) / 4.0;
        let y = bottom - (f * f64::from(bottom - top)) as i32;
        let style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(tick(lo + f * (hi - lo)), (right + 6, y), style))
            .map_err(fail)?;
    }
    // The label sits above the bar, wrapped at spaces to fit the column.
    let mut lines: Vec<String> = Vec::new();
    for word in label.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.chars().count() + word.chars().count() < 15 => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let n = lines.len() as i32;
    for (i, l) in lines.iter().enumerate() {
        let y = top - 10 - (n - i as i32 - 1) * 16;
        let style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Bottom));
        area.draw(&Text::new(l.clone(), (left - 4, y), style))
            .map_err(fail)?;
    }
    Ok(())
}
