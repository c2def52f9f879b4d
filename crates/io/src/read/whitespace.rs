//! Whitespace-separated text (runs of spaces and tabs, as in the CDNOW files), read line by line.
//!
//! polars' CSV reader splits on exactly one separator byte, so `"  00001   19970101"` would give
//! empty fields; this small reader splits with `split_ascii_whitespace` instead. It tolerates CRLF,
//! leading and trailing blanks and blank lines, reuses one line buffer, and knows exact line
//! numbers.

use super::collect::{self, Collector};
use super::columns::resolve;
use super::date::DateParser;
use super::error::{Field, Location, Problem, ReadError};
use super::options::{ColumnRef, ReadOptions};
use super::{ReadReport, io_error, open};
use retain_core::transactions::TransactionLog;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Reads a whitespace-separated file.
pub(super) fn read(
    path: &Path,
    opts: &ReadOptions,
    dates: DateParser,
) -> Result<(TransactionLog, ReadReport), ReadError> {
    let mut lines = Lines {
        reader: BufReader::with_capacity(1 << 16, open(path)?),
        path,
        number: 0,
    };
    let mut buf = Vec::with_capacity(256);

    // The first non-blank line gives the width (and the names, with a header).
    let (names, first_is_data) = loop {
        if !lines.next(&mut buf)? {
            return Err(ReadError::Empty {
                path: path.to_path_buf(),
            });
        }
        let text = String::from_utf8_lossy(&buf);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text); // a byte-order mark
        let fields: Vec<String> = text.split_ascii_whitespace().map(String::from).collect();
        if fields.is_empty() {
            continue;
        }
        if opts.has_header {
            break (fields, false);
        }
        let placeholders = (1..=fields.len()).map(|i| format!("column_{i}")).collect();
        break (placeholders, true);
    };
    let r = resolve(path, opts, &names, opts.has_header)?;
    let cols = [
        (r.customer.index, r.customer.label),
        (r.date.index, r.date.label),
        (r.amount.index, r.amount.label),
    ];
    let mut collector = Collector::new(path, opts.on_bad_row);
    let mut row = RowReader {
        collector: &mut collector,
        dates: &dates,
        cols: &cols,
    };
    if first_is_data {
        row.read(&buf, lines.number)?;
    }
    while lines.next(&mut buf)? {
        row.read(&buf, lines.number)?;
    }
    collector.finish()
}

/// Lines of the file into a reused buffer, counted.
struct Lines<'a> {
    reader: BufReader<File>,
    path: &'a Path,
    /// 1-based number of the line in the buffer.
    number: usize,
}

impl Lines<'_> {
    fn next(&mut self, buf: &mut Vec<u8>) -> Result<bool, ReadError> {
        buf.clear();
        self.number += 1;
        let n = self
            .reader
            .read_until(b'\n', buf)
            .map_err(io_error(self.path))?;
        Ok(n > 0)
    }
}

struct RowReader<'a> {
    collector: &'a mut Collector,
    dates: &'a DateParser,
    cols: &'a [(usize, ColumnRef); 3],
}

impl RowReader<'_> {
    fn read(&mut self, line: &[u8], line_no: usize) -> Result<(), ReadError> {
        let loc = Location::Line(line_no);
        let Ok(text) = std::str::from_utf8(line) else {
            return self
                .collector
                .bad(loc, &self.cols[0].1, "", Problem::InvalidUtf8);
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut fields: [Option<&str>; 3] = [None; 3];
        let mut n = 0;
        for (i, f) in text.split_ascii_whitespace().enumerate() {
            for (slot, (index, _)) in self.cols.iter().enumerate() {
                if *index == i {
                    fields[slot] = Some(f);
                }
            }
            n = i + 1;
        }
        if n == 0 {
            return Ok(()); // blank line
        }
        if let Some(slot) = fields.iter().position(Option::is_none) {
            return self.collector.bad(
                loc,
                &self.cols[slot].1,
                "",
                Problem::TooFewFields { found: n },
            );
        }
        let [c, d, a] = fields;
        let value = |slot: usize| fields[slot].unwrap_or_default();
        let id = match collect::customer(c) {
            Ok(id) => id,
            Err(p) => return self.collector.bad(loc, &self.cols[0].1, value(0), p),
        };
        let Some(day) = d.and_then(|s| self.dates.parse(s)) else {
            let expected = self.dates.expected();
            let p = if d.is_some() {
                Problem::InvalidDate { expected }
            } else {
                Problem::Missing(Field::Date)
            };
            return self.collector.bad(loc, &self.cols[1].1, value(1), p);
        };
        match collect::amount(a) {
            Ok(v) => self.collector.push(id, day, v),
            Err(p) => self.collector.bad(loc, &self.cols[2].1, value(2), p)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BadRowPolicy, Delimiter, read_transactions};
    use super::*;
    use retain_core::time::parse_date;
    use std::io::Write;

    fn cdnow_options() -> ReadOptions {
        ReadOptions {
            customer_col: ColumnRef::Position(1),
            date_col: ColumnRef::Position(3),
            amount_col: ColumnRef::Position(5),
            date_format: Some("%Y%m%d".to_string()),
            zone: retain_core::time::Zone::Utc,
            delimiter: Delimiter::Whitespace,
            has_header: false,
            on_bad_row: BadRowPolicy::Error,
        }
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn cdnow_style_lines_with_crlf_leading_blanks_and_blank_lines_load() {
        let text = "\r\n   00004   00001 19970101  2   29.33\r\n\r\n   00004   00001 19970118  2   29.73\r\n\t00021 00002 19970101 3 63.34";
        let (log, report) = read_transactions(file(text).path(), &cdnow_options()).unwrap();
        assert_eq!(log.ids, vec!["00004", "00021"]);
        assert_eq!(log.day[1], parse_date("1997-01-18").unwrap());
        assert_eq!(log.amount, vec![29.33, 29.73, 63.34]);
        assert_eq!(report.rows, 3);
    }

    #[test]
    fn short_lines_say_how_many_fields_they_have() {
        let text = "00004 00001 19970101 2 29.33\n00004 00001 19970118\n";
        let err = read_transactions(file(text).path(), &cdnow_options()).unwrap_err();
        let ReadError::BadRow { row, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(row.location, Location::Line(2));
        assert_eq!(row.column, ColumnRef::Position(5));
        assert_eq!(row.problem, Problem::TooFewFields { found: 3 });
        assert!(
            err.to_string()
                .contains("line 2, column 5: the line has only 3 field(s)"),
            "{err}"
        );
    }

    #[test]
    fn a_header_names_the_columns() {
        let text = "id  date   spend\n a  1997-01-01  3\n b  1997-13-01  3\n";
        let opts = ReadOptions {
            customer_col: "id".parse().unwrap(),
            amount_col: "spend".parse().unwrap(),
            delimiter: Delimiter::Whitespace,
            on_bad_row: BadRowPolicy::Skip,
            ..ReadOptions::default()
        };
        let (log, report) = read_transactions(file(text).path(), &opts).unwrap();
        assert_eq!(log.ids, vec!["a"]);
        assert_eq!(report.skipped, 1);
        let bad = &report.first_skips[0];
        assert_eq!(
            (bad.location, &bad.column, bad.value.as_str()),
            (
                Location::Line(3),
                &ColumnRef::Name("date".into()),
                "1997-13-01"
            )
        );
        let missing = ReadOptions {
            customer_col: "customer".parse().unwrap(),
            ..opts
        };
        let msg = read_transactions(file(text).path(), &missing)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("\"id\", \"date\", \"spend\""), "{msg}");
    }

    #[test]
    fn invalid_utf8_and_empty_files_are_errors() {
        let mut f = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
        f.write_all(b"1 x 19970101 1 2\n1 \xff 19970101 1 2\n")
            .unwrap();
        let err = read_transactions(f.path(), &cdnow_options()).unwrap_err();
        assert!(
            err.to_string().contains("line 2") && err.to_string().contains("UTF-8"),
            "{err}"
        );
        let err = read_transactions(file(" \r\n\n").path(), &cdnow_options()).unwrap_err();
        assert!(matches!(err, ReadError::Empty { .. }), "{err}");
    }
}
