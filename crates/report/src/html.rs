//! The self-contained HTML page: key numbers as tables, every plot as inline SVG, no external
//! resources, so the page is one file that can be mailed or archived.

use crate::report::{Report, Table};
use std::fmt::Write;

/// Escapes text for HTML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:1000px;\
color:#222;padding:0 1em}h1{margin-bottom:.2em}.sub{color:#555;margin-top:0}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;\
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\
figure{margin:1.5em 0 2.5em}figure svg{max-width:100%;height:auto}\
figcaption{color:#444;font-size:.95em;margin-top:.3em}.notes{color:#555;font-size:.9em}";

fn table(out: &mut String, t: &Table) {
    let _ = writeln!(out, "<h2>{}</h2>\n<table>", escape(&t.title));
    if t.header.iter().any(|h| !h.is_empty()) {
        out.push_str("<tr>");
        for h in &t.header {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr>\n");
    }
    for row in &t.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The SVG element of a plotters document, sized by a view box so that CSS can scale it.
fn inline_svg(svg: &str) -> String {
    let body = svg.trim_start_matches(|c: char| c != '<');
    let body = match body.find("<svg") {
        Some(i) => &body[i..],
        None => body,
    };
    if body.contains("viewBox") {
        return body.to_string();
    }
    let (w, h) = crate::render::SIZE;
    body.replacen("<svg ", &format!("<svg viewBox=\"0 0 {w} {h}\" "), 1)
}

/// The page, with `svgs[i]` the rendered SVG of `report.figures[i]`.
pub fn page(report: &Report, svgs: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&report.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&report.title));
    let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(&report.subtitle));
    for t in &report.tables {
        table(&mut out, t);
    }
    if !report.figures.is_empty() {
        out.push_str("<h2>Plots</h2>\n");
    }
    for (f, svg) in report.figures.iter().zip(svgs) {
        let _ = writeln!(
            out,
            "<figure id=\"{}\" aria-label=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            escape(&f.name),
            escape(f.chart.title()),
            inline_svg(svg),
            escape(&f.caption)
        );
    }
    if !report.notes.is_empty() {
        out.push_str("<h2>Notes</h2>\n<ul class=\"notes\">\n");
        for n in &report.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
