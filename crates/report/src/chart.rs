//! What a plot shows, independent of how it is drawn: bar charts, line charts and heat maps as
//! plain data, built from the report's numbers and handed to [`crate::render`].

/// Drawing style of a line series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    /// A solid line.
    Solid,
    /// A dashed line.
    Dashed,
    /// A solid line with a marker at every point.
    Markers,
}

/// One named series of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// How it is drawn.
    pub style: LineStyle,
    /// Palette index.
    pub colour: usize,
}

/// Where a chart's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    /// Top left.
    UpperLeft,
    /// Top right.
    UpperRight,
    /// Bottom right.
    LowerRight,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The series.
    pub series: Vec<Series>,
    /// Vertical marker lines (x, label).
    pub vertical: Vec<(f64, String)>,
    /// Text next to points (x, y, text).
    pub point_labels: Vec<(f64, f64, String)>,
    /// Fixed axis ranges ((x0, x1), (y0, y1)); None fits the data.
    pub range: Option<((f64, f64), (f64, f64))>,
    /// Legend position.
    pub legend: Corner,
}

/// A grouped bar chart over categories.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Category labels, left to right.
    pub categories: Vec<String>,
    /// (legend text, one value per category), drawn side by side.
    pub series: Vec<(String, Vec<f64>)>,
    /// Bars run left to right with the categories on the y axis, top to bottom.
    pub horizontal: bool,
}

/// A heat map with a colour scale.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Column labels, left to right.
    pub columns: Vec<String>,
    /// Row labels, bottom to top.
    pub rows: Vec<String>,
    /// `values[row][column]`; None is drawn blank.
    pub values: Vec<Vec<Option<f64>>>,
    /// Text printed in each cell (same shape as `values`), if any.
    pub annotations: Option<Vec<Vec<String>>>,
    /// Label of the colour scale.
    pub scale_label: String,
}

/// Any chart.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Lines.
    Line(LineChart),
    /// Bars.
    Bar(BarChart),
    /// Heat map.
    Heat(HeatMap),
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Line(c) => &c.title,
            Chart::Bar(c) => &c.title,
            Chart::Heat(c) => &c.title,
        }
    }
}

/// A chart with the file stem it is saved under and a caption for the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem: `<name>.png` and `<name>.svg`.
    pub name: String,
    /// One or two sentences saying what the plot shows.
    pub caption: String,
    /// The chart.
    pub chart: Chart,
}
