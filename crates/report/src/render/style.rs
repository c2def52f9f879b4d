//! Fonts, colours and number formats shared by the plots.

use plotters::style::{FontStyle, RGBColor, register_font};
use std::sync::OnceLock;

/// The font family every text uses (DejaVu Sans, embedded: no system fonts needed).
pub const FONT: &str = "sans-serif";

/// Registers DejaVu Sans under [`FONT`], once per process.
pub fn register_fonts() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        for (style, bytes) in [
            (FontStyle::Normal, dejavu::sans::regular()),
            (FontStyle::Bold, dejavu::sans::bold()),
        ] {
            register_font(FONT, style, bytes)
                .map_err(|_| "the embedded DejaVu Sans font is invalid".to_string())?;
        }
        Ok(())
    })
    .clone()
}

/// Series colours (Tableau 10), by index; 7 is the grey of reference lines.
pub fn palette(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    P[i % P.len()]
}

/// Viridis at `t` in [0, 1] (five stops, linear in between).
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |u: f64, v: f64| (u + (v - u) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether text on `c` should be dark (light background) rather than white.
pub fn dark_text_on(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) > 140.0
}

/// An axis tick: whole numbers without decimals, others to at most three decimals, trailing
/// zeros dropped.
pub fn tick(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        return format!("{:.0}", v + 0.0);
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A value printed on a bar: whole numbers (counts) as such, others by [`short`].
pub fn value_label(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{:.0}", v + 0.0)
    } else {
        short(v)
    }
}

/// A number short enough for an axis tick or a cell.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.995 || a == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}
