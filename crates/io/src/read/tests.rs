//! End-to-end checks of the reader on the CDNOW sample, against the published per-customer
//! summary, plus errors that concern every format.

use super::*;
use retain_core::summary::{SummaryOptions, summarise};
use retain_core::time::{TimeUnit, parse_date};
use std::collections::HashMap;

const CDNOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/CDNOW_sample.txt"
);
const CDNOW_SUMMARY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/cdnow_customers_summary_with_transactions.csv"
);

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

#[test]
fn offset_datetimes_get_their_day_in_the_configured_zone_in_every_text_format() {
    let dir = tempfile::tempdir().unwrap();
    // The same three instants: 2024-03-01T23:30Z, 2024-03-02T08:00Z, and a local datetime.
    let csv = dir.path().join("offsets.csv");
    std::fs::write(
        &csv,
        "customer_id,date,amount\n\
         a,2024-03-02T00:30:00+01:00,1\n\
         a,2024-03-02T03:00:00-05:00,2\n\
         b,2024-03-01T23:30:00,3\n",
    )
    .unwrap();
    let ws = dir.path().join("offsets.txt");
    std::fs::write(
        &ws,
        "a 2024-03-02T00:30:00+01:00 1\n\
         a 2024-03-02T03:00:00-05:00 2\n\
         b 2024-03-01T23:30:00 3\n",
    )
    .unwrap();
    let ws_opts = ReadOptions {
        customer_col: ColumnRef::Position(1),
        date_col: ColumnRef::Position(2),
        amount_col: ColumnRef::Position(3),
        delimiter: Delimiter::Whitespace,
        has_header: false,
        ..ReadOptions::default()
    };
    let d = |s: &str| parse_date(s).unwrap();
    for (zone, expected) in [
        ("UTC", [d("2024-03-01"), d("2024-03-02"), d("2024-03-01")]),
        (
            "+01:00",
            [d("2024-03-02"), d("2024-03-02"), d("2024-03-01")],
        ),
        (
            "-10:00",
            [d("2024-03-01"), d("2024-03-01"), d("2024-03-01")],
        ),
    ] {
        let zone: retain_core::time::Zone = zone.parse().unwrap();
        for (path, opts) in [(&csv, ReadOptions::default()), (&ws, ws_opts.clone())] {
            let opts = ReadOptions { zone, ..opts };
            let (log, _) = read_transactions(path, &opts).unwrap();
            assert_eq!(log.day, expected, "{} in {zone}", path.display());
        }
    }
}

#[test]
fn cdnow_sample_loads_every_transaction_and_customer() {
    let (log, report) = read_transactions(Path::new(CDNOW), &cdnow_options()).unwrap();
    assert_eq!(log.len(), 6919);
    assert_eq!(log.ids.len(), 2357);
    assert_eq!(
        report,
        ReadReport {
            rows: 6919,
            skipped: 0,
            first_skips: vec![]
        }
    );
    assert_eq!(
        log.span(),
        Some((
            parse_date("1997-01-01").unwrap(),
            parse_date("1998-06-30").unwrap()
        ))
    );
}

/// Reference: `cdnow_customers_summary_with_transactions.csv` (Fader, Hardie & Lee's CDNOW
/// sample summarised over the 39-week calibration period ending 1997-09-30), 2 decimals.
#[test]
fn cdnow_summary_matches_the_published_per_customer_table() {
    let (log, _) = read_transactions(Path::new(CDNOW), &cdnow_options()).unwrap();
    let opts = SummaryOptions::new(TimeUnit::Week, parse_date("1997-09-30").unwrap())
        .with_holdout(parse_date("1998-06-30").unwrap());
    let s = summarise(&log, &opts).unwrap();
    assert_eq!((s.len(), s.excluded_new), (2357, 0));

    // Customer id (column 1) → sample id (column 2), which is the reference's ID.
    let raw = std::fs::read_to_string(CDNOW).unwrap();
    let sample_id: HashMap<&str, &str> = raw
        .lines()
        .filter_map(|l| {
            let mut f = l.split_ascii_whitespace();
            Some((f.next()?, f.next()?))
        })
        .collect();
    let reference = std::fs::read_to_string(CDNOW_SUMMARY).unwrap();
    let mut rows = reference.lines();
    assert_eq!(rows.next().map(str::trim), Some("ID,x,t_x,T,zbar"));
    let reference: HashMap<u32, Vec<String>> = rows
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<String> = l.trim().split(',').map(String::from).collect();
            (f[0].parse().unwrap(), f)
        })
        .collect();
    assert_eq!(reference.len(), 2357);

    // The reference is rounded to 2 decimals, with ties (22.345) rounded up: within half a cent.
    let same =
        |ours: f64, theirs: &str| (ours - theirs.parse::<f64>().unwrap()).abs() <= 0.005 + 1e-9;
    for i in 0..s.len() {
        let id: u32 = sample_id[s.ids[i].as_str()].parse().unwrap();
        let r = &reference[&id];
        let row = format!(
            "ID {id}: ours x={} t_x={} T={} zbar={}, reference {r:?}",
            s.x[i], s.t_x[i], s.t[i], s.monetary[i]
        );
        assert_eq!(s.x[i], r[1].parse::<u32>().unwrap(), "{row}");
        assert!(same(s.t_x[i], &r[2]), "{row}");
        assert!(same(s.t[i], &r[3]), "{row}");
        assert!(same(s.monetary[i], &r[4]), "{row}");
    }
    assert_eq!(s.holdout_x.iter().map(|&x| x as u64).sum::<u64>(), 1882);
}

#[test]
fn a_missing_file_is_named() {
    let err =
        read_transactions(Path::new("/nonexistent/tx.csv"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/tx.csv"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = read_transactions(dir.path(), &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn invalid_options_are_refused_before_reading() {
    let bad_format = ReadOptions {
        date_format: Some("%Q".into()),
        ..ReadOptions::default()
    };
    assert!(matches!(
        read_transactions(Path::new(CDNOW), &bad_format),
        Err(ReadError::InvalidOptions(_))
    ));
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(f.path(), "customer_id,date,amount\nc,1997-01-01,1\n").unwrap();
    let quote = ReadOptions {
        delimiter: Delimiter::Char(b'"'),
        ..ReadOptions::default()
    };
    assert!(matches!(
        read_transactions(f.path(), &quote),
        Err(ReadError::InvalidOptions(_))
    ));
}

/// Throughput check, run by hand in release mode:
/// `RETAIN_BENCH_ROWS=10000000 [RETAIN_BENCH_CUSTOMERS=1000] cargo test --release -p retain-io read_throughput -- --ignored --nocapture`
#[test]
#[ignore = "benchmark; run in release mode"]
fn read_throughput() {
    use std::io::Write;
    let n: usize = std::env::var("RETAIN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let customers: u64 = std::env::var("RETAIN_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n as u64 / 4 + 1);
    let start = parse_date("1997-01-01").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tx.csv");
    let ws = dir.path().join("tx.txt");
    {
        let mut c = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        let mut w = std::io::BufWriter::new(std::fs::File::create(&ws).unwrap());
        writeln!(c, "customer_id,date,amount").unwrap();
        // Shuffled customers (no run of equal ids) to measure interning honestly.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (cust, day, cents) = (x % customers, x % 540, i % 10_000);
            let date = retain_core::time::iso(start + day as i32);
            writeln!(c, "C{cust:08},{date},{}.{:02}", cents / 100, cents % 100).unwrap();
            writeln!(
                w,
                "  C{cust:08}  {}  {}.{:02}",
                date.replace('-', ""),
                cents / 100,
                cents % 100
            )
            .unwrap();
        }
    }
    let t = std::time::Instant::now();
    let (log, _) = read_transactions(&csv, &ReadOptions::default()).unwrap();
    let csv_secs = t.elapsed().as_secs_f64();
    let opts = ReadOptions {
        customer_col: ColumnRef::Position(1),
        date_col: ColumnRef::Position(2),
        amount_col: ColumnRef::Position(3),
        date_format: Some("%Y%m%d".into()),
        zone: retain_core::time::Zone::Utc,
        delimiter: Delimiter::Whitespace,
        has_header: false,
        on_bad_row: BadRowPolicy::Error,
    };
    let t = std::time::Instant::now();
    let (log2, _) = read_transactions(&ws, &opts).unwrap();
    let ws_secs = t.elapsed().as_secs_f64();
    assert_eq!((log.len(), log2.len()), (n, n));
    println!(
        "{n} rows, {} customers: csv {csv_secs:.2} s ({:.0} ns/row), whitespace {ws_secs:.2} s ({:.0} ns/row)",
        log.ids.len(),
        csv_secs * 1e9 / n as f64,
        ws_secs * 1e9 / n as f64
    );
}
