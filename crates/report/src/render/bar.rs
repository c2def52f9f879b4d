//! Grouped bar charts, vertical or horizontal, with category labels drawn under (or beside)
//! each group and the bar values printed on the bars.

use super::style::{FONT, palette, tick, value_label};
use super::{Drawn, fail};
use crate::chart::BarChart;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) fn draw<DB: DrawingBackend>(c: &BarChart, root: &DrawingArea<DB, Shift>) -> Drawn {
    let n = c.categories.len().max(1);
    let k = c.series.len().max(1);
    let top = c
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let (cats, vals) = (-0.5..n as f64 - 0.5, 0.0..top * 1.25);
    let label_area = if c.horizontal {
        let longest = c.categories.iter().map(|s| s.chars().count()).max();
        (longest.unwrap_or(4) as u32 * 8 + 24).clamp(60, 260)
    } else {
        76
    };
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(&c.title, (FONT, 22))
        .margin(18)
        .x_label_area_size(52)
        .y_label_area_size(label_area);
    let width = 0.8 / k as f64;
    // Category i's series j covers [i − 0.4 + j w, i − 0.4 + (j + 1) w] on the category axis.
    let span = |i: usize, j: usize| {
        let lo = i as f64 - 0.4 + j as f64 * width;
        (lo, lo + width)
    };
    let value_font = (FONT, 12).into_font();
    if c.horizontal {
        // Category 0 at the top.
        let mut chart = builder.build_cartesian_2d(vals, cats).map_err(fail)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(c.x_label.as_str())
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .x_label_formatter(&|v| tick(*v))
            .draw()
            .map_err(fail)?;
        let row = |i: usize| (n - 1 - i) as f64;
        for (j, (name, values)) in c.series.iter().enumerate() {
            let colour = palette(j);
            chart
                .draw_series(values.iter().enumerate().map(|(i, &v)| {
                    let (lo, hi) = span(n - 1 - i, j);
                    Rectangle::new([(0.0, lo), (v, hi)], colour.filled())
                }))
                .map_err(fail)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        for (i, cat) in c.categories.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(0.0, row(i)));
            let style =
                TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(cat.clone(), (px - 8, py), style))
                .map_err(fail)?;
        }
        if k == 1 {
            for (i, &v) in c.series[0].1.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(v, row(i)));
                let style =
                    TextStyle::from(value_font.clone()).pos(Pos::new(HPos::Left, VPos::Center));
                root.draw(&Text::new(value_label(v), (px + 4, py), style))
                    .map_err(fail)?;
            }
        }
        if k > 1 {
            legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        return Ok(());
    }
    let mut chart = builder.build_cartesian_2d(cats, vals).map_err(fail)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(fail)?;
    for (j, (name, values)) in c.series.iter().enumerate() {
        let colour = palette(j);
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let (lo, hi) = span(i, j);
                Rectangle::new([(lo, 0.0), (hi, v)], colour.filled())
            }))
            .map_err(fail)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
        for (i, &v) in values.iter().enumerate() {
            let (lo, hi) = span(i, j);
            let (px, py) = chart.backend_coord(&((lo + hi) / 2.0, v));
            let style =
                TextStyle::from(value_font.clone()).pos(Pos::new(HPos::Center, VPos::Bottom));
            root.draw(&Text::new(value_label(v), (px, py - 3), style))
                .map_err(fail)?;
        }
    }
    for (i, cat) in c.categories.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, 0.0));
        let style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(cat.clone(), (px, py + 8), style))
            .map_err(fail)?;
    }
    // The legend goes to the side away from the tallest bar.
    let tallest = (0..n)
        .max_by(|&a, &b| {
            let h = |i: usize| {
                c.series
                    .iter()
                    .map(|(_, v)| v.get(i).copied().unwrap_or(0.0))
                    .fold(0.0, f64::max)
            };
            h(a).total_cmp(&h(b))
        })
        .unwrap_or(0);
    let corner = if 2 * tallest >= n {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    };
    legend(&mut chart, corner)
}

type Plane = Cartesian2d<RangedCoordf64, RangedCoordf64>;

fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Plane>,
    corner: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(corner)
        .margin(12)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(fail)
}
