//! Parquet transaction logs, scanned by polars in batches.
//!
//! Customer ids may be text or integers; dates Date, Datetime (any unit; a naive one is the day
//! written, a time-zone-aware one an instant with its day in [`ReadOptions::zone`]), text (parsed with the date format) or integers such as 19970101; amounts
//! any numeric type or text. Bad rows are located by 1-based row number.

use super::batch::{BatchReader, Target};
use super::collect::Collector;
use super::columns::resolve;
use super::date::DateParser;
use super::error::ReadError;
use super::options::ReadOptions;
use super::stream::read_batches;
use super::{ReadReport, open};
use polars::prelude::*;
use retain_core::transactions::TransactionLog;
use std::path::Path;

/// Reads a Parquet file.
pub(super) fn read(
    path: &Path,
    opts: &ReadOptions,
    dates: DateParser,
) -> Result<(TransactionLog, ReadReport), ReadError> {
    let file = open(path)?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
        return Err(ReadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let polars_err = |source| ReadError::Polars {
        path: path.to_path_buf(),
        source,
    };
    let sources = ScanSources::Files(Arc::from([file]));
    // Hive partitioning is for directories; polars refuses it on an open file.
    let args = ScanArgsParquet {
        hive_options: HiveOptions::new_disabled(),
        ..ScanArgsParquet::default()
    };
    let lf = LazyFrame::scan_parquet_sources(sources, args).map_err(polars_err)?;
    read_typed(path, lf, opts, dates)
}

/// Reads typed columns (a Parquet scan, or a table in memory named by `path`); bad rows are
/// located by 1-based row number.
pub(super) fn read_typed(
    path: &Path,
    mut lf: LazyFrame,
    opts: &ReadOptions,
    dates: DateParser,
) -> Result<(TransactionLog, ReadReport), ReadError> {
    let polars_err = |source| ReadError::Polars {
        path: path.to_path_buf(),
        source,
    };
    let schema = lf.collect_schema().map_err(polars_err)?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let r = resolve(path, opts, &names, true)?;
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
    let reader = BatchReader::new(collector, dates, targets, false);
    read_batches(path, lf, reader)?.into_collector().finish()
}

#[cfg(test)]
mod tests {
    use super::super::error::{Location, Problem};
    use super::super::{BadRowPolicy, ColumnRef, read_transactions};
    use super::*;
    use retain_core::time::parse_date;
    use std::fs::File;

    fn write(mut df: DataFrame) -> tempfile::NamedTempFile {
        let f = tempfile::Builder::new()
            .suffix(".parquet")
            .tempfile()
            .unwrap();
        ParquetWriter::new(File::create(f.path()).unwrap())
            .finish(&mut df)
            .unwrap();
        f
    }

    fn days(dates: &[&str]) -> Vec<i32> {
        dates.iter().map(|d| parse_date(d).unwrap()).collect()
    }

    #[test]
    fn parquet_round_trips_integer_ids_dates_and_any_numeric_amount() {
        let day = Series::new(
            "date".into(),
            days(&["1997-01-01", "1997-01-05", "1997-02-01"]),
        )
        .cast(&DataType::Date)
        .unwrap();
        let df = DataFrame::new_infer_height(vec![
            Series::new("customer_id".into(), [42i64, 7, 42]).into(),
            day.into(),
            Series::new("amount".into(), [10i32, -3, 5]).into(),
        ])
        .unwrap();
        let f = write(df);
        let (log, report) = read_transactions(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(log.ids, vec!["42", "7"]);
        assert_eq!(log.customer, vec![0, 1, 0]);
        assert_eq!(log.day, days(&["1997-01-01", "1997-01-05", "1997-02-01"]));
        assert_eq!(log.amount, vec![10.0, -3.0, 5.0]);
        assert_eq!(report.rows, 3);
    }

    #[test]
    fn datetimes_give_their_calendar_day_and_text_dates_use_the_format() {
        let ms = |d: &str, h: i64| (parse_date(d).unwrap() as i64 * 86_400 + h * 3600) * 1000;
        let ts = Series::new("at".into(), [ms("1997-03-01", 23), ms("1969-12-31", 1)])
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap();
        let df = DataFrame::new_infer_height(vec![
            Series::new("who".into(), ["a", "b"]).into(),
            ts.into(),
            Series::new("text_day".into(), ["01.03.1997", "31.12.1969"]).into(),
            Series::new("spend".into(), [1.5f32, 2.0]).into(),
        ])
        .unwrap();
        let f = write(df);
        let mut opts = ReadOptions {
            customer_col: "who".parse().unwrap(),
            date_col: "at".parse().unwrap(),
            amount_col: "4".parse().unwrap(),
            ..ReadOptions::default()
        };
        let (log, _) = read_transactions(f.path(), &opts).unwrap();
        assert_eq!(log.day, days(&["1997-03-01", "1969-12-31"]));
        opts.date_col = "text_day".parse().unwrap();
        opts.date_format = Some("%d.%m.%Y".into());
        let (log, _) = read_transactions(f.path(), &opts).unwrap();
        assert_eq!(log.day, days(&["1997-03-01", "1969-12-31"]));
    }

    #[test]
    fn zoned_datetimes_are_instants_with_their_day_in_the_configured_zone() {
        // 1997-09-30T22:30:00Z: still September 30th in UTC and New York, already October 1st
        // in Berlin (UTC+2 in summer) and at +05:00, whatever zone the column was written in.
        let utc =
            (parse_date("1997-09-30").unwrap() as i64 * 86_400 + 22 * 3600 + 1800) * 1_000_000;
        let zoned = |name: &str| {
            // Test input: polars accepts any zone name here (it does not validate without
            // its `timezones` feature); the reader is what must refuse an unknown one.
            let tz = TimeZone::opt_try_new(Some(name)).unwrap();
            Int64Chunked::new("date".into(), &[utc])
                .into_datetime(TimeUnit::Microseconds, tz)
                .into_series()
        };
        let file = |zone: &str| {
            let df = DataFrame::new_infer_height(vec![
                Series::new("customer_id".into(), ["a"]).into(),
                zoned(zone).into(),
                Series::new("amount".into(), [1u32]).into(),
            ])
            .unwrap();
            write(df)
        };
        for column_zone in ["Europe/Berlin", "+05:00", "UTC", "America/New_York"] {
            let f = file(column_zone);
            for (configured, expected) in [
                ("UTC", "1997-09-30"),
                ("Europe/Berlin", "1997-10-01"),
                ("+05:00", "1997-10-01"),
                ("America/New_York", "1997-09-30"),
                ("-23:00", "1997-09-29"),
            ] {
                let opts = ReadOptions {
                    zone: configured.parse().unwrap(),
                    ..ReadOptions::default()
                };
                let (log, _) = read_transactions(f.path(), &opts).unwrap();
                assert_eq!(log.day, days(&[expected]), "{column_zone} in {configured}");
            }
        }
        let err =
            read_transactions(file("Mars/Olympus").path(), &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, ReadError::UnsupportedType { .. }), "{err}");
    }

    #[test]
    fn naive_datetimes_keep_their_written_day_in_any_zone() {
        let ms = (parse_date("2024-03-01").unwrap() as i64 * 86_400 + 23 * 3600 + 1800) * 1000;
        let ts = Series::new("date".into(), [ms])
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap();
        let df = DataFrame::new_infer_height(vec![
            Series::new("customer_id".into(), ["a"]).into(),
            ts.into(),
            Series::new("amount".into(), [1.0]).into(),
        ])
        .unwrap();
        let f = write(df);
        for zone in ["UTC", "+05:00", "-05:00", "Asia/Tokyo"] {
            let opts = ReadOptions {
                zone: zone.parse().unwrap(),
                ..ReadOptions::default()
            };
            let (log, _) = read_transactions(f.path(), &opts).unwrap();
            assert_eq!(log.day, days(&["2024-03-01"]), "{zone}");
        }
    }

    #[test]
    fn bad_parquet_rows_are_located_by_row_number() {
        let df = DataFrame::new_infer_height(vec![
            Series::new("customer_id".into(), [Some("a"), None, Some("c")]).into(),
            Series::new("date".into(), ["1997-01-01", "1997-01-02", "1997-01-03"]).into(),
            Series::new("amount".into(), [1.0, 2.0, f64::NAN]).into(),
        ])
        .unwrap();
        let f = write(df);
        let err = read_transactions(f.path(), &ReadOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("row 2, column \"customer_id\": missing customer id"),
            "{err}"
        );
        let opts = ReadOptions {
            on_bad_row: BadRowPolicy::Skip,
            ..ReadOptions::default()
        };
        let (log, report) = read_transactions(f.path(), &opts).unwrap();
        assert_eq!(log.ids, vec!["a"]);
        assert_eq!(report.skipped, 2);
        assert_eq!(report.first_skips[1].location, Location::Row(3));
        assert_eq!(report.first_skips[1].problem, Problem::NotFinite);
    }

    #[test]
    fn unsupported_types_missing_columns_and_junk_files_are_errors() {
        let df = DataFrame::new_infer_height(vec![
            Series::new("customer_id".into(), [1.5f64]).into(),
            Series::new("date".into(), ["1997-01-01"]).into(),
            Series::new("amount".into(), [1.0]).into(),
        ])
        .unwrap();
        let f = write(df);
        let err = read_transactions(f.path(), &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(&err, ReadError::UnsupportedType { column: ColumnRef::Name(n), .. } if n == "customer_id"),
            "{err}"
        );
        let opts = ReadOptions {
            amount_col: "spend".parse().unwrap(),
            ..ReadOptions::default()
        };
        let msg = read_transactions(f.path(), &opts).unwrap_err().to_string();
        assert!(
            msg.contains("\"spend\"") && msg.contains("\"customer_id\", \"date\", \"amount\""),
            "{msg}"
        );

        let junk = tempfile::Builder::new().suffix(".pq").tempfile().unwrap();
        std::fs::write(junk.path(), b"not parquet at all").unwrap();
        assert!(matches!(
            read_transactions(junk.path(), &opts),
            Err(ReadError::Polars { .. })
        ));
        let empty = tempfile::Builder::new()
            .suffix(".parquet")
            .tempfile()
            .unwrap();
        assert!(matches!(
            read_transactions(empty.path(), &opts),
            Err(ReadError::Empty { .. })
        ));
    }
}
