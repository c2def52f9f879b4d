//! Delimited text (one-byte separator, `"` quoting) read with polars' CSV scanner, every column
//! as String so that parsing and error messages are ours.

use super::batch::{BatchReader, Target};
use super::collect::Collector;
use super::columns::resolve;
use super::date::DateParser;
use super::diagnose::first_defect;
use super::error::{BadRow, Location, ReadError};
use super::lines::{leading_blank_lines, lines_of_rows};
use super::options::ReadOptions;
use super::stream::read_batches;
use super::{ReadReport, io_error, open};
use polars::prelude::*;
use retain_core::transactions::TransactionLog;
use std::fs::File;
use std::io::Seek;
use std::path::Path;

const QUOTE: u8 = b'"';

/// Reads a delimited file separated by `separator`.
pub(super) fn read(
    path: &Path,
    opts: &ReadOptions,
    separator: u8,
    dates: DateParser,
) -> Result<(TransactionLog, ReadReport), ReadError> {
    if matches!(separator, b'\n' | b'\r' | QUOTE) {
        return Err(ReadError::InvalidOptions(format!(
            "{:?} cannot be a field delimiter",
            char::from(separator)
        )));
    }
    let file = open(path)?;
    // polars skips blank lines before a header by itself, but without a header it would take
    // the first, blank, line as the width of every row. Skipping them explicitly makes both
    // cases alike and line numbers computable.
    let skip = leading_blank_lines(&file)
        .map_err(io_error(path))?
        .ok_or_else(|| ReadError::Empty {
            path: path.to_path_buf(),
        })?;
    // polars maps the file from its start today; rewinding keeps that true if it ever reads
    // from the current position instead.
    (&file).rewind().map_err(io_error(path))?;
    let records_before = skip + usize::from(opts.has_header);
    let polars_err = |source| explain(path, source, separator, records_before, usize::MAX);
    let sources = ScanSources::Files(Arc::from([file]));
    let mut lf = LazyCsvReader::new_with_sources(sources)
        .with_has_header(opts.has_header)
        .with_separator(separator)
        .with_quote_char(Some(QUOTE))
        .with_skip_lines(skip)
        .with_infer_schema_length(Some(0))
        .with_missing_is_null(true)
        .finish()
        .map_err(polars_err)?;
    let schema = lf.collect_schema().map_err(polars_err)?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let r = resolve(path, opts, &names, opts.has_header)?;
    let target = |index: usize, label| Target {
        name: PlSmallStr::from(names[index].as_str()),
        label,
    };
    let targets = [
        target(r.customer.index, r.customer.label),
        target(r.date.index, r.date.label),
        target(r.amount.index, r.amount.label),
    ];
    let collector = Collector::new(path, opts.on_bad_row);
    let reader = BatchReader::new(collector, dates, targets, true);
    let mut collector = match read_batches(path, lf, reader) {
        Ok(reader) => reader.into_collector(),
        Err(ReadError::BadRow { path, mut row }) => {
            to_lines(&path, records_before, std::slice::from_mut(&mut row));
            return Err(ReadError::BadRow { path, row });
        }
        Err(ReadError::Polars { source, .. }) => {
            return Err(explain(
                path,
                source,
                separator,
                records_before,
                names.len(),
            ));
        }
        Err(e) => return Err(e),
    };
    collector.relocate(|rows| to_lines(path, records_before, rows));
    collector.finish()
}

/// polars' error, or the line it is about when a scan of the file finds it.
fn explain(
    path: &Path,
    source: PolarsError,
    separator: u8,
    records_before: usize,
    width: usize,
) -> ReadError {
    let defect = File::open(path)
        .and_then(|f| first_defect(f, separator, QUOTE, records_before, width))
        .ok()
        .flatten();
    match defect {
        Some(d) => ReadError::Malformed {
            path: path.to_path_buf(),
            line: d.line,
            reason: d.reason,
        },
        None => ReadError::Polars {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// Replaces the row numbers of `rows` by line numbers. Should the file have become unreadable,
/// lines are estimated as if every record held one line.
fn to_lines(path: &Path, records_before: usize, rows: &mut [BadRow]) {
    let numbers: Vec<usize> = rows
        .iter()
        .map(|r| match r.location {
            Location::Row(n) | Location::Line(n) => n,
        })
        .collect();
    let lines = File::open(path)
        .and_then(|f| lines_of_rows(f, Some(QUOTE), records_before, &numbers))
        .unwrap_or_default();
    for (i, row) in rows.iter_mut().enumerate() {
        let estimate = records_before + numbers[i];
        row.location = Location::Line(lines.get(i).copied().flatten().unwrap_or(estimate));
    }
}

#[cfg(test)]
mod tests {
    use super::super::error::Problem;
    use super::super::{BadRowPolicy, ColumnRef, read_transactions};
    use super::*;
    use retain_core::time::parse_date;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn bad_row(text: &str, opts: &ReadOptions) -> BadRow {
        match read_transactions(file(text).path(), opts) {
            Err(ReadError::BadRow { row, .. }) => row,
            other => panic!("expected a bad row, got {other:?}"),
        }
    }

    #[test]
    fn a_header_csv_with_the_default_column_names_loads() {
        let f = file(
            "customer_id,date,amount,channel\nc1,1997-01-01,10.5,web\nc2,1997-01-03T10:00:00,-2,shop\r\nc1,1997-02-01,3,web\n\n",
        );
        let (log, report) = read_transactions(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(log.ids, vec!["c1", "c2"]);
        assert_eq!(log.customer, vec![0, 1, 0]);
        assert_eq!(
            log.day,
            vec![
                parse_date("1997-01-01").unwrap(),
                parse_date("1997-01-03").unwrap(),
                parse_date("1997-02-01").unwrap()
            ]
        );
        assert_eq!(log.amount, vec![10.5, -2.0, 3.0]);
        assert_eq!(
            report,
            ReadReport {
                rows: 3,
                skipped: 0,
                first_skips: vec![]
            }
        );
    }

    #[test]
    fn a_bad_date_names_the_file_line_column_and_value() {
        let f = file("customer_id,date,amount\nc1,1997-01-01,1\nc1,1997-02-30,1\n");
        let err = read_transactions(f.path(), &ReadOptions::default()).unwrap_err();
        let msg = err.to_string();
        let name = f.path().file_name().unwrap().to_str().unwrap();
        assert!(msg.contains(name), "{msg}");
        assert!(
            msg.contains("line 3")
                && msg.contains("column \"date\"")
                && msg.contains("\"1997-02-30\""),
            "{msg}"
        );
    }

    #[test]
    fn a_non_numeric_amount_names_the_line_and_column() {
        let row = bad_row(
            "customer_id,date,amount\nc1,1997-01-01,12.00\nc1,1997-01-02,\"1,5\"\n",
            &ReadOptions::default(),
        );
        assert_eq!(row.location, Location::Line(3));
        assert_eq!(row.column, ColumnRef::Name("amount".into()));
        assert_eq!(row.value, "1,5");
        assert_eq!(row.problem, Problem::NotANumber);
    }

    #[test]
    fn line_numbers_count_quoted_newlines_and_leading_blank_lines() {
        let text = "\n\ncustomer_id,note,date,amount\nc1,\"multi\nline\",1997-01-01,1\nc2,x,1997-01-01,\nc3,x,1997-01-01,inf\n";
        let opts = ReadOptions {
            on_bad_row: BadRowPolicy::Skip,
            ..ReadOptions::default()
        };
        let (_, report) = read_transactions(file(text).path(), &opts).unwrap();
        let lines: Vec<Location> = report.first_skips.iter().map(|r| r.location).collect();
        assert_eq!(lines, vec![Location::Line(6), Location::Line(7)]);
        assert_eq!(report.first_skips[1].problem, Problem::NotFinite);
    }

    #[test]
    fn skip_policy_counts_bad_rows_and_loads_the_rest() {
        let text = "id;day;spend\na;01/02/1997;1\n;01/02/1997;1\nb;1997-02-01;1\nc;02/02/1997;x\nd;03/02/1997;4\n";
        let opts = ReadOptions {
            customer_col: "id".parse().unwrap(),
            date_col: "day".parse().unwrap(),
            amount_col: "3".parse().unwrap(),
            date_format: Some("%d/%m/%Y".into()),
            delimiter: super::super::Delimiter::Char(b';'),
            on_bad_row: BadRowPolicy::Skip,
            ..ReadOptions::default()
        };
        let (log, report) = read_transactions(file(text).path(), &opts).unwrap();
        assert_eq!(log.ids, vec!["a", "d"]);
        assert_eq!(report.rows, 2);
        assert_eq!(report.skipped, 3);
        let where_: Vec<(Location, ColumnRef)> = report
            .first_skips
            .iter()
            .map(|r| (r.location, r.column.clone()))
            .collect();
        assert_eq!(
            where_,
            vec![
                (Location::Line(3), ColumnRef::Name("id".into())),
                (Location::Line(4), ColumnRef::Name("day".into())),
                (Location::Line(5), ColumnRef::Name("spend".into())),
            ]
        );
    }

    #[test]
    fn a_missing_column_lists_the_columns_found() {
        let f = file("id,date,amount\nc1,1997-01-01,1\n");
        let msg = read_transactions(f.path(), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("\"customer_id\"") && msg.contains("\"id\", \"date\", \"amount\""),
            "{msg}"
        );
    }

    #[test]
    fn files_without_rows_are_refused() {
        for text in [
            "",
            "\n \r\n",
            "customer_id,date,amount\n",
            "customer_id,date,amount\n\n\n",
        ] {
            let err = read_transactions(file(text).path(), &ReadOptions::default()).unwrap_err();
            assert!(
                matches!(
                    err,
                    ReadError::Empty { .. } | ReadError::NoData { skipped: 0, .. }
                ),
                "{text:?}: {err}"
            );
        }
        let opts = ReadOptions {
            on_bad_row: BadRowPolicy::Skip,
            ..ReadOptions::default()
        };
        let err =
            read_transactions(file("customer_id,date,amount\nc1,x,1\n").path(), &opts).unwrap_err();
        assert!(matches!(err, ReadError::NoData { skipped: 1, .. }), "{err}");
    }

    #[test]
    fn files_without_header_are_read_by_position() {
        let text = "\n7\t1997-01-01\t5\n8\t1997-01-02\t6\n";
        let opts = ReadOptions {
            customer_col: ColumnRef::Position(1),
            date_col: ColumnRef::Position(2),
            amount_col: ColumnRef::Position(3),
            delimiter: super::super::Delimiter::Char(b'\t'),
            has_header: false,
            ..ReadOptions::default()
        };
        let (log, _) = read_transactions(file(text).path(), &opts).unwrap();
        assert_eq!(log.ids, vec!["7", "8"]);
        let row = bad_row("7\t1997-01-01\t5\n8\t1997-01-0x\t6\n", &opts);
        assert_eq!(
            (row.location, row.column),
            (Location::Line(2), ColumnRef::Position(2))
        );
    }

    #[test]
    fn rows_are_numbered_across_polars_batches() {
        // Large enough for several streaming batches; a quoted newline and a blank line early on
        // shift every later line by two.
        let mut text = String::from("customer_id,date,amount,note\nc0,1997-01-01,1,\"a\nb\"\n\n");
        for i in 1..300_000 {
            let amount = if i == 250_000 {
                "oops".to_string()
            } else {
                format!("{}.25", i % 7)
            };
            text.push_str(&format!(
                "c{},1997-01-{:02},{amount},x\n",
                i % 1000,
                1 + i % 28
            ));
        }
        let opts = ReadOptions {
            on_bad_row: BadRowPolicy::Skip,
            ..ReadOptions::default()
        };
        let (log, report) = read_transactions(file(&text).path(), &opts).unwrap();
        assert_eq!(
            (report.rows, report.skipped, log.ids.len()),
            (299_999, 1, 1000)
        );
        assert_eq!(report.first_skips[0].location, Location::Line(250_004));
        assert_eq!(report.first_skips[0].value, "oops");
        assert_eq!(log.ids[1], "c1");
        assert_eq!(log.amount[299_998], (299_999 % 7) as f64 + 0.25);
        let err = read_transactions(file(&text).path(), &ReadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("line 250004, column \"amount\""),
            "{err}"
        );
    }

    #[test]
    fn malformed_files_are_errors_not_panics() {
        let opts = ReadOptions::default();
        for text in [
            "customer_id,date,amount\nc1,1997-01-01,1,extra\n",
            "customer_id,date,amount\n\"c1,1997-01-01,1\n",
            "\u{0}\u{1}",
        ] {
            assert!(
                read_transactions(file(text).path(), &opts).is_err(),
                "{text:?}"
            );
        }
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(b"customer_id,date,amount\nc\xff,1997-01-01,1\n")
            .unwrap();
        assert!(read_transactions(f.path(), &opts).is_err());
    }
}
