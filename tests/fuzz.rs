//! Fuzz harness on the stable toolchain: seeded mutations of valid inputs, fed to every parser
//! a user or a caller can reach — the CSV, whitespace and Parquet transaction readers (and
//! their date parsing), customer tables, artefact loading, and protobuf → domain conversion
//! followed by scoring. A target passes when no input panics and none takes longer than
//! [`SLOW`]; errors are the expected outcome for most inputs.
//!
//! The targets are ignored tests, run for `RETAIN_FUZZ_SECONDS` each (default 5):
//! ```sh
//! RETAIN_FUZZ_SECONDS=600 cargo test --release --test tests fuzz -- --ignored --test-threads 1
//! ```
//! A failing input is written to `target/fuzz-failures/` with the seed that made it, and the
//! test fails naming the file.
//!
//! Mutations, not coverage guidance: no coverage-guided fuzzer runs on this stable toolchain
//! (cargo-fuzz needs nightly), and mutating real files reaches deep into each parser.

use super::data;
use prost::Message;
use retain::pb::v1 as pb;
use retain_io::read::{BadRowPolicy, ColumnRef, Delimiter, ReadOptions, read_transactions};
use retain_score::artefact::Artefact;
use retain_score::online::{LoadedModel, score_one};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest time one input may take before it counts as a hang.
const SLOW: Duration = Duration::from_secs(5);

/// SplitMix64: a few lines, reproducible from a seed printed on failure (the harness must not
/// depend on a generator crate's stream staying the same across versions).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that tend to reach edge cases of delimited files, dates and numbers.
const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b" ",
    b"\n",
    b"\r\n",
    b"\"",
    b"\"\"",
    b"-",
    b"+",
    b".",
    b"e",
    b"1e308",
    b"-1e308",
    b"NaN",
    b"inf",
    b"-0",
    b"0",
    b"4294967296",
    b"99999999999999999999",
    b"9999-12-31",
    b"0000-01-01",
    b"1970-01-01T00:00:00+01:00",
    b"2024-02-30",
    b"19970101",
    b"T",
    b"Z",
    b"+14:00",
    b"\xff\xfe",
    b"\xc3",
    b"\0",
    b"customer_id",
    b"date",
    b"amount",
];

/// One to eight random edits of `seed`.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(b.len() + 1);
        match rng.below(7) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                b.splice(at..at, t.iter().copied());
            }
            3 if !b.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                b.drain(at.min(end)..end);
            }
            4 if !b.is_empty() => {
                let start = rng.below(b.len());
                let end = (start + 1 + rng.below(256)).min(b.len());
                let copy = b[start..end].to_vec();
                b.splice(at..at, copy);
            }
            5 => b.truncate(at),
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let end = (at + t.len()).min(b.len());
                b.splice(at..end, t.iter().copied());
            }
        }
    }
    b
}

fn budget() -> Duration {
    let seconds = std::env::var("RETAIN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(5.0);
    Duration::from_secs_f64(seconds)
}

/// Runs `target` on mutations of `seeds` for the time budget; panics and slow inputs are
/// saved and fail the test. Returns the number of inputs tried.
fn fuzz(name: &str, seeds: &[Vec<u8>], mut target: impl FnMut(&[u8])) -> u64 {
    let budget = budget();
    let started = Instant::now();
    let base = std::env::var("RETAIN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let mut tried = 0u64;
    let mut slowest = Duration::ZERO;
    // Silence the default hook's backtrace per caught panic; failures are reported below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    // The input being tried, kept on disk so that one that aborts the process (a panic that
    // cannot unwind) is found afterwards.
    let current = dir.join(format!("{name}-current"));
    while started.elapsed() < budget {
        let seed = base.wrapping_add(tried);
        let mut rng = Rng(seed);
        let input = mutate(&seeds[rng.below(seeds.len())], &mut rng);
        std::fs::write(&current, &input).unwrap();
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
        let took = t.elapsed();
        slowest = slowest.max(took);
        tried += 1;
        let what = match outcome {
            Err(p) => Some(format!(
                "panicked: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
            Ok(()) if took > SLOW => Some(format!("took {took:?}")),
            Ok(()) => None,
        };
        if let Some(what) = what {
            failure = Some((seed, what, input));
            break;
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz {name}: {tried} inputs in {:.0?}, slowest {slowest:.1?}",
        started.elapsed()
    );
    let _ = std::fs::remove_file(&current);
    if let Some((seed, what, input)) = failure {
        let file = dir.join(format!("{name}-{seed}"));
        std::fs::write(&file, &input).unwrap();
        panic!(
            "fuzz {name}: input {} (RETAIN_FUZZ_SEED={seed}) {what}",
            file.display()
        );
    }
    tried
}

/// The first `n` lines of a file, as seed bytes.
fn head(path: &str, n: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: Vec<u8> = text
        .lines()
        .take(n)
        .flat_map(|l| l.bytes().chain([b'\n']))
        .collect();
    out.shrink_to_fit();
    out
}

/// Writes `bytes` to `path` and reads it as a transaction log with `opts`.
fn read_bytes(path: &Path, bytes: &[u8], opts: &ReadOptions) {
    std::fs::write(path, bytes).unwrap();
    let _ = read_transactions(path, opts);
}

fn scratch(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

#[test]
#[ignore = "fuzzing: run with --ignored (RETAIN_FUZZ_SECONDS)"]
fn fuzz_csv_reader_and_dates() {
    let (_d, path) = scratch("log.csv");
    let seeds = vec![
        b"customer_id,date,amount\nc1,1997-01-01,29.33\nc1,1997-01-18,-5\nc2,1997-03-02T10:30:00+01:00,12\n".to_vec(),
        b"id;when;value\n1;01/02/1997;1,5\n2;31/12/1997;3\n".to_vec(),
    ];
    let iso = ReadOptions {
        on_bad_row: BadRowPolicy::Skip,
        ..ReadOptions::default()
    };
    let custom = ReadOptions {
        customer_col: ColumnRef::Name("id".into()),
        date_col: ColumnRef::Name("when".into()),
        amount_col: ColumnRef::Name("value".into()),
        date_format: Some("%d/%m/%Y".into()),
        delimiter: Delimiter::Char(b';'),
        ..ReadOptions::default()
    };
    let n = fuzz("csv", &seeds, |b| {
        read_bytes(&path, b, &iso);
        read_bytes(&path, b, &custom);
    });
    assert!(n > 0);
}

#[test]
#[ignore = "fuzzing: run with --ignored (RETAIN_FUZZ_SECONDS)"]
fn fuzz_whitespace_reader() {
    let (_d, path) = scratch("cdnow.txt");
    let seeds = vec![head(&data("CDNOW_sample.txt"), 40)];
    let opts = ReadOptions {
        customer_col: ColumnRef::Position(1),
        date_col: ColumnRef::Position(3),
        amount_col: ColumnRef::Position(5),
        date_format: Some("%Y%m%d".into()),
        delimiter: Delimiter::Whitespace,
        has_header: false,
        on_bad_row: BadRowPolicy::Error,
        ..ReadOptions::default()
    };
    let n = fuzz("whitespace", &seeds, |b| read_bytes(&path, b, &opts));
    assert!(n > 0);
}

#[test]
#[ignore = "fuzzing: run with --ignored (RETAIN_FUZZ_SECONDS)"]
fn fuzz_parquet_reader() {
    let (dir, path) = scratch("log.parquet");
    let seed_file = dir.path().join("seed");
    super::ok(&super::retain(&[
        "simulate",
        "--customers",
        "30",
        "--model",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models/cdnow.json")
            .to_str()
            .unwrap(),
        "--format",
        "parquet",
        "--out",
        seed_file.to_str().unwrap(),
    ]));
    // simulate may write one file or a directory of partitions: take the first file.
    let first = if seed_file.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&seed_file)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        files.sort();
        files.remove(0)
    } else {
        seed_file
    };
    let seeds = vec![std::fs::read(first).unwrap()];
    let opts = ReadOptions::default();
    let n = fuzz("parquet", &seeds, |b| read_bytes(&path, b, &opts));
    assert!(n > 0);
}

#[test]
#[ignore = "fuzzing: run with --ignored (RETAIN_FUZZ_SECONDS)"]
fn fuzz_customer_tables() {
    let (_d, path) = scratch("customers.csv");
    let seeds = vec![head(&data("telco_churn.csv"), 30)];
    let n = fuzz("table", &seeds, |b| {
        std::fs::write(&path, b).unwrap();
        let _ = retain_io::table::read_table(&path, b',');
    });
    assert!(n > 0);
}

#[test]
#[ignore = "fuzzing: run with --ignored (RETAIN_FUZZ_SECONDS)"]
fn fuzz_artefact_loading() {
    let cdnow =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json")).unwrap();
    let n = fuzz("artefact", &[cdnow], |b| {
        if let Ok(text) = std::str::from_utf8(b)
            && let Ok(a) = Artefact::from_json(text)
        {
            // A loaded artefact must also score finitely: the checks on load are the ones that
            // matter (issue 14: `r: 1e308` loaded, then scored "clv is not finite").
            let _ = a.version();
            if let Artefact::Clv(clv) = &a {
                let p = clv.purchase.p_alive(3, 20.0, 30.0);
                assert!(p.is_finite(), "P(alive) {p} from a loaded artefact");
                if let Ok(e) = clv.purchase.expected_purchases(26.0, 3, 20.0, 30.0) {
                    assert!(
                        e.is_finite(),
                        "expected purchases {e} from a loaded artefact"
                    );
                }
            }
        }
    });
    assert!(n > 0);
}

#[test]
#[ignore = "fuzzing: run with --ignored (RETAIN_FUZZ_SECONDS)"]
fn fuzz_proto_requests() {
    let (_d, models) = super::serve::models_dir();
    let model = LoadedModel::from_file(&models.join("cdnow.json")).unwrap();
    let ts = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
    let seeds: Vec<Vec<u8>> = [
        pb::score_request::Input::Summary(pb::CustomerSummary {
            x: 3,
            t_x: 20.0,
            t: 30.0,
            monetary_value: 25.0,
            time_unit: pb::TimeUnit::Week as i32,
        }),
        pb::score_request::Input::History(pb::TransactionHistory {
            transactions: vec![
                pb::Transaction {
                    time: ts(852_076_800),
                    amount: 20.0,
                },
                pb::Transaction {
                    time: ts(860_000_000),
                    amount: 35.5,
                },
            ],
            as_of: ts(870_000_000),
        }),
    ]
    .into_iter()
    .map(|input| {
        pb::ScoreRequest {
            model: "cdnow".into(),
            customer_id: "c1".into(),
            horizon: Some(pb::Duration {
                value: 52.0,
                unit: pb::TimeUnit::Week as i32,
            }),
            input: Some(input),
        }
        .encode_to_vec()
    })
    .collect();
    let n = fuzz("proto", &seeds, |b| {
        let Ok(r) = pb::ScoreRequest::decode(b) else {
            return;
        };
        if let Ok(call) = retain::serve::convert::ScoreCall::try_from(r)
            && let Ok(s) = score_one(&model, &call.customer_id, call.horizon, call.input)
        {
            assert!(
                (0.0..=1.0).contains(&s.churn_probability),
                "{}",
                s.churn_probability
            );
        }
    });
    assert!(n > 0);
}

/// Inputs the harness found: a footer polars' decoder panicked on, one whose column chunk lies
/// past the end of the file (an out-of-bounds read inside polars), and a data page header with
/// a negative value count (an aborting allocation inside polars). Each is now a clear error
/// naming the file, from every command that reads Parquet.
#[test]
fn corrupt_parquet_files_found_by_fuzzing_are_clear_errors() {
    for (file, reason) in [
        ("fuzz/thrift_panic.parquet", "the decoder failed"),
        ("fuzz/chunk_past_end.parquet", "a column chunk spans bytes"),
        // A simulated log whose first data page header says -1 values (made by hand the way the
        // fuzzer's crash did it: one varint of the header rewritten); polars aborted on it.
        ("fuzz/negative_page_values.parquet", "gives -1 values"),
    ] {
        let path = data(file);
        let (dir, out) = scratch("out.csv");
        for args in [
            vec![
                "summarise",
                "--transactions",
                &path,
                "--time-unit",
                "week",
                "--calibration-end",
                "1998-01-01",
                "--output",
                out.to_str().unwrap(),
            ],
            vec![
                "score",
                "--model",
                "models/cdnow.json",
                "--transactions",
                &path,
                "--as-of",
                "1998-01-01",
                "--output",
                out.to_str().unwrap(),
            ],
        ] {
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_retain"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(&args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{file} {}: {stderr}", args[0]);
            assert!(
                stderr.contains(&format!("{path}: corrupt Parquet file ("))
                    && stderr.contains(reason),
                "{file} {}: {stderr}",
                args[0]
            );
        }
        assert!(!out.exists());
        drop(dir);
    }
}
