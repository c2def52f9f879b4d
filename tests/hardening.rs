//! Issue 14, CLI side: no output overwrites an input, no file of another run is deleted,
//! every resource is bounded, a closed pipe ends quietly, and errors name the right thing.

use super::{CDNOW_FLAGS, data, err, ok, retain};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn shipped_model() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cdnow.json")
        .display()
        .to_string()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A small transaction log in retain's own layout.
fn small_log(path: &Path) {
    let mut text = String::from("customer_id,date,amount\n");
    for c in 0..40 {
        for (k, d) in ["1997-01-0", "1997-03-1", "1997-06-2"].iter().enumerate() {
            if (c + k) % 3 != 2 {
                text.push_str(&format!("c{c},{d}{},{}.5\n", 1 + c % 8, 10 + c));
            }
        }
    }
    std::fs::write(path, text).unwrap();
}

fn score_args<'a>(model: &'a str, input: &'a str, output: &'a str) -> Vec<&'a str> {
    vec![
        "score",
        "--model",
        model,
        "--transactions",
        input,
        "--as-of",
        "1997-07-31",
        "--output",
        output,
    ]
}

#[test]
fn score_and_summarise_refuse_to_overwrite_their_input_even_through_links() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("self.csv");
    small_log(&log);
    let before = std::fs::read(&log).unwrap();
    let model = shipped_model();
    let e = err(&retain(&score_args(&model, &s(&log), &s(&log))));
    assert!(
        e.contains("--output") && e.contains("--transactions") && e.contains("overwrite"),
        "{e}"
    );
    #[cfg(unix)]
    {
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&log, &link).unwrap();
        err(&retain(&score_args(&model, &s(&log), &s(&link))));
    }
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&log, &hard).unwrap();
    err(&retain(&score_args(&model, &s(&log), &s(&hard))));
    // Nor the model itself.
    let e = err(&retain(&score_args(&model, &s(&log), &model)));
    assert!(e.contains("--model"), "{e}");
    let e = err(&retain(&[
        "summarise",
        "--transactions",
        &s(&log),
        "--time-unit",
        "week",
        "--calibration-end",
        "1997-07-31",
        "--output",
        &s(&log),
    ]));
    assert!(
        e.contains("--output") && e.contains("--transactions"),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&log).unwrap(),
        before,
        "the input was changed"
    );
    // A different output is fine.
    ok(&retain(&score_args(
        &model,
        &s(&log),
        &s(&dir.path().join("scores.csv")),
    )));
}

#[test]
fn every_writing_subcommand_refuses_an_output_that_is_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    let before = std::fs::read(&log).unwrap();
    let l = s(&log);
    let model = shipped_model();
    for args in [
        vec![
            "whatif",
            "--model",
            &model,
            "--transactions",
            &l,
            "--as-of",
            "1997-07-31",
            "--uplift",
            "5%",
            "--output",
            &l,
        ],
        vec![
            "campaign",
            "--scores",
            &l,
            "--budget",
            "10",
            "--cost-per-contact",
            "1",
            "--success-rate",
            "0.5",
            "--output",
            &l,
        ],
    ] {
        let e = err(&retain(&args));
        assert!(e.contains("would overwrite the input"), "{args:?}: {e}");
    }
    // train writes NAME.json: a log named log.json is its output too.
    let json = dir.path().join("log.json");
    std::fs::copy(&log, &json).unwrap();
    let e = err(&retain(&[
        "train",
        "clv",
        "--transactions",
        &s(&json),
        "--time-unit",
        "week",
        "--calibration-end",
        "1997-07-31",
        "--out",
        &s(&dir.path().join("log")),
    ]));
    assert!(e.contains("would overwrite the input"), "{e}");
    // metrics writes periods.csv and cohort_retention.csv into --output.
    let periods = dir.path().join("periods.csv");
    std::fs::copy(&log, &periods).unwrap();
    let e = err(&retain(&[
        "metrics",
        "--transactions",
        &s(&periods),
        "--output",
        &s(dir.path()),
    ]));
    assert!(e.contains("would overwrite the input"), "{e}");
    assert_eq!(std::fs::read(&log).unwrap(), before);
}

/// A partitioned base of two CSV files.
fn partitions(dir: &Path) -> PathBuf {
    let base = dir.join("base");
    std::fs::create_dir(&base).unwrap();
    small_log(&base.join("part-1.csv"));
    small_log(&base.join("part-2.csv"));
    base
}

#[test]
fn a_partitioned_run_refuses_its_input_directory_as_output() {
    let dir = tempfile::tempdir().unwrap();
    let base = partitions(dir.path());
    let before = std::fs::read(base.join("part-1.csv")).unwrap();
    let model = shipped_model();
    let mut args = score_args(&model, "", "");
    let b = s(&base);
    args[4] = &b;
    args[8] = &b;
    args.extend(["--output-format", "csv"]);
    let e = err(&retain(&args));
    assert!(
        e.contains("--output") && e.contains("--transactions"),
        "{e}"
    );
    // Through a glob too.
    let glob = s(&base.join("*.csv"));
    args[4] = &glob;
    err(&retain(&args));
    assert_eq!(std::fs::read(base.join("part-1.csv")).unwrap(), before);
    assert!(!base.join("_manifest.json").exists());
}

#[test]
fn a_partition_name_clash_is_refused_before_anything_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let base = partitions(dir.path());
    // part-1.parquet would be written to the same part-1.csv as part-1.csv.
    std::fs::copy(base.join("part-1.csv"), base.join("part-1.txt")).unwrap();
    let out = dir.path().join("scores");
    let model = shipped_model();
    let (b, o) = (s(&base), s(&out));
    let mut args = score_args(&model, &b, &o);
    args.extend(["--output-format", "csv"]);
    let e = err(&retain(&args));
    assert!(
        e.contains("part-1.csv") && e.contains("part-1.txt") && e.contains("rename one"),
        "{e}"
    );
    assert!(
        !out.exists(),
        "nothing may be written before the clash is found"
    );
}

#[test]
fn a_partitioned_run_spares_other_runs_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let base = partitions(dir.path());
    let out = dir.path().join("scores");
    std::fs::create_dir(&out).unwrap();
    // A concurrent run's temporary (another process id), being written right now.
    let theirs = out.join(".part-1.parquet.1.0.tmp");
    std::fs::write(&theirs, "theirs").unwrap();
    let model = shipped_model();
    let (b, o) = (s(&base), s(&out));
    ok(&retain(&score_args(&model, &b, &o)));
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "theirs");
    assert!(out.join("part-1.parquet").exists());
}

#[test]
fn metrics_refuses_a_far_future_date_fast() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("typo,9999-12-31,5\n");
    std::fs::write(&log, text).unwrap();
    let started = Instant::now();
    let e = err(&retain(&["metrics", "--transactions", &s(&log)]));
    assert!(started.elapsed().as_secs_f64() < 10.0);
    assert!(
        e.contains("log.csv") && e.contains("9999-12-31") && e.contains("at most 2500"),
        "{e}"
    );
    // A far date within the limit (1,004 years) costs little.
    let text = std::fs::read_to_string(&log)
        .unwrap()
        .replace("9999-12-31", "3000-12-31");
    std::fs::write(&log, text).unwrap();
    let started = Instant::now();
    ok(&retain(&[
        "metrics",
        "--transactions",
        &s(&log),
        "--period",
        "year",
        "--json",
    ]));
    assert!(started.elapsed().as_secs_f64() < 10.0);
}

#[test]
fn score_and_whatif_refuse_the_servers_clv_step_limit() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    let model = shipped_model();
    let (l, out) = (s(&log), s(&dir.path().join("scores.csv")));
    let mut args = score_args(&model, &l, &out);
    args.extend(["--horizon", "1000000y"]);
    let started = Instant::now();
    let e = err(&retain(&args));
    assert!(started.elapsed().as_secs_f64() < 10.0);
    assert!(
        e.contains("12000000 CLV steps") && e.contains("at most 10000 are allowed"),
        "{e}"
    );
    let e = err(&retain(&[
        "whatif",
        "--model",
        &model,
        "--transactions",
        &s(&log),
        "--as-of",
        "1997-07-31",
        "--uplift",
        "5%",
        "--horizon",
        "1000000y",
    ]));
    assert!(e.contains("at most 10000 are allowed"), "{e}");
}

#[test]
fn undiscounted_clv_works_for_every_model() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    // The shipped model is a Pareto/NBD, the one model with DERT.
    let model = shipped_model();
    let out = dir.path().join("scores.csv");
    let (l, o) = (s(&log), s(&out));
    let mut args = score_args(&model, &l, &o);
    args.extend(["--discount", "0%/year"]);
    ok(&retain(&args));
    let text = std::fs::read_to_string(&out).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("clv_52_weeks") && !header.contains("dert"),
        "{header}"
    );
}

fn simulate(extra: &[&str], out: &Path) -> std::process::Output {
    let o = s(out);
    let mut args = vec!["simulate", "--customers", "100", "--out", &o];
    args.extend(extra);
    retain(&args)
}

#[test]
fn simulate_bounds_its_output_and_refuses_non_finite_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let started = Instant::now();
    let e = err(&simulate(
        &["--purchase", "pareto-nbd:r=1e6,alpha=1e-6,s=1,beta=1"],
        &out,
    ));
    assert!(started.elapsed().as_secs_f64() < 10.0);
    assert!(e.contains("at most 50000000"), "{e}");
    let e = err(&simulate(
        &[
            "--purchase",
            "bgnbd:r=0.24,alpha=4.4,a=0.79,b=2.4",
            "--spend",
            "p=6.25,q=3.74,gamma=1e308",
        ],
        &out,
    ));
    assert!(e.contains("non-finite"), "{e}");
    let e = err(&simulate(
        &[
            "--purchase",
            "bgnbd:r=0.24,alpha=4.4,a=0.79,b=2.4",
            "--partitions",
            "0",
        ],
        &out,
    ));
    assert!(e.contains("--partitions"), "{e}");
    assert!(!out.exists());
}

#[test]
fn a_summary_with_recency_but_no_repeat_purchase_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let summaries = dir.path().join("s.csv");
    std::fs::write(
        &summaries,
        "customer_id,frequency,recency,T,monetary_value\na,2,14,28,10\nb,0,5,28,0\n",
    )
    .unwrap();
    let e = err(&retain(&[
        "score",
        "--model",
        &shipped_model(),
        "--summaries",
        &s(&summaries),
        "--summary-unit",
        "week",
        "--output",
        &s(&dir.path().join("scores.csv")),
    ]));
    assert!(
        e.contains("s.csv") && e.contains("line 3") && e.contains("recency"),
        "{e}"
    );
}

#[test]
fn a_closed_stdout_ends_the_program_quietly() {
    let model = shipped_model();
    for _ in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_retain"))
            .args(["inspect", &model, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away at once, like `| head -c 0`.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("Broken pipe"), "{stderr}");
        assert_ne!(out.status.code(), Some(101));
    }
}

#[test]
fn a_calibration_end_long_after_the_last_purchase_warns_and_ends_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let cdnow = data("CDNOW_sample.txt");
    let out = s(&dir.path().join("m"));
    let mut args = vec!["train", "clv", "--transactions", &cdnow];
    args.extend(CDNOW_FLAGS);
    args.extend([
        "--time-unit",
        "week",
        "--calibration-end",
        "1999-06-30",
        "--model",
        "all",
        "--out",
        &out,
    ]);
    let started = Instant::now();
    let o = retain(&args);
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("after the last transaction"), "{stderr}");
    // Each fit is bounded (2,000 evaluations, 60 s); this one used to spin for minutes.
    assert!(seconds < 120.0, "{seconds} s");
}

/// Runs retain with `args`, returning (stdout, stderr, success).
fn run_split(args: &[&str]) -> (Vec<u8>, String, bool) {
    let out = retain(args);
    (
        out.stdout.clone(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        out.status.success(),
    )
}

#[test]
fn a_dash_output_writes_the_data_to_stdout_and_the_summary_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    let model = shipped_model();
    // score: the same CSV as --output file, on stdout; the summary on stderr only.
    let file = dir.path().join("scores.csv");
    ok(&retain(&score_args(&model, &s(&log), &s(&file))));
    let (stdout, stderr, done) = run_split(&score_args(&model, &s(&log), "-"));
    assert!(done, "{stderr}");
    assert_eq!(stdout, std::fs::read(&file).unwrap());
    assert!(stderr.contains("scored 40 customers"), "{stderr}");
    assert!(!dir.path().join("-").exists());
    // summarise
    let summarise = |out: &str| {
        run_split(&[
            "summarise",
            "--transactions",
            &s(&log),
            "--time-unit",
            "week",
            "--calibration-end",
            "1997-07-31",
            "--output",
            out,
        ])
    };
    let (stdout, stderr, done) = summarise("-");
    assert!(done, "{stderr}");
    let text = String::from_utf8(stdout).unwrap();
    assert!(text.starts_with("customer_id,frequency,"), "{text}");
    assert_eq!(text.lines().count(), 41);
    assert!(stderr.contains("summarised"), "{stderr}");
    // campaign, from the score file.
    let (stdout, stderr, done) = run_split(&[
        "campaign",
        "--scores",
        &s(&file),
        "--budget",
        "100",
        "--cost-per-contact",
        "5",
        "--success-rate",
        "0.2",
        "--output",
        "-",
    ]);
    assert!(done, "{stderr}");
    assert!(
        String::from_utf8(stdout)
            .unwrap()
            .starts_with("rank,customer_id")
    );
    assert!(stderr.contains("contact"), "{stderr}");
    // whatif
    let (stdout, stderr, done) = run_split(&[
        "whatif",
        "--model",
        &model,
        "--transactions",
        &s(&log),
        "--as-of",
        "1997-07-31",
        "--uplift",
        "5%",
        "--output",
        "-",
    ]);
    assert!(done, "{stderr}");
    assert!(
        String::from_utf8(stdout)
            .unwrap()
            .starts_with("uplift,measure")
    );
    // simulate: CSV by default; Parquet on stdout only when asked for, and readable.
    let sim = |extra: &[&str]| {
        let mut args = vec!["simulate", "--customers", "50", "--model", &model];
        args.extend_from_slice(extra);
        run_split(&args)
    };
    let (stdout, stderr, done) = sim(&["--out", "-"]);
    assert!(done, "{stderr}");
    assert!(
        String::from_utf8(stdout)
            .unwrap()
            .starts_with("customer_id,date,amount\n")
    );
    let (stdout, stderr, done) = sim(&["--out", "-", "--format", "parquet"]);
    assert!(done, "{stderr}");
    assert_eq!(&stdout[..4], b"PAR1");
    let pq = dir.path().join("sim.parquet");
    std::fs::write(&pq, &stdout).unwrap();
    let one = dir.path().join("one.parquet");
    let (_, stderr, done) = sim(&["--out", &s(&one)]);
    assert!(done, "{stderr}");
    assert_eq!(
        std::fs::read(&one).unwrap(),
        stdout,
        "stdout = file, byte for byte"
    );
    // A directory output cannot be stdout: a partitioned score run refuses `-`.
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::fs::copy(&log, parts.join("a.csv")).unwrap();
    let e = err(&retain(&score_args(&model, &s(&parts), "-")));
    assert!(e.contains("standard output"), "{e}");
    let e = err(&retain(&[
        "simulate",
        "--customers",
        "5",
        "--model",
        &model,
        "--out",
        "-",
        "--partitions",
        "2",
    ]));
    assert!(e.contains("--partitions"), "{e}");
}

#[test]
fn a_dash_output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    let model = shipped_model();
    let mut child = Command::new(env!("CARGO_BIN_EXE_retain"))
        .args(score_args(&model, &s(&log), "-"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    assert_ne!(out.status.code(), Some(101));
}

#[test]
fn simulate_takes_its_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let model = shipped_model();
    let sim = |out: &Path, extra: &[&str]| {
        let o = s(out);
        let mut args = vec![
            "simulate",
            "--customers",
            "20",
            "--model",
            &model,
            "--out",
            &o,
        ];
        args.extend_from_slice(extra);
        retain(&args)
    };
    let pq = dir.path().join("x.parquet");
    ok(&sim(&pq, &[]));
    assert!(pq.is_file());
    assert_eq!(&std::fs::read(&pq).unwrap()[..4], b"PAR1");
    let csv = dir.path().join("x.CSV");
    ok(&sim(&csv, &["--format", "csv"]));
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("customer_id,")
    );
    let e = err(&sim(&dir.path().join("y.parquet"), &["--format", "csv"]));
    assert!(e.contains("--format csv contradicts"), "{e}");
    assert!(!dir.path().join("y.parquet").exists());
    let e = err(&sim(&dir.path().join("z.csv"), &["--partitions", "3"]));
    assert!(e.contains("one file"), "{e}");
    // No extension: a directory of partitions in --format (csv by default).
    let d = dir.path().join("parts");
    ok(&sim(&d, &["--format", "parquet", "--partitions", "2"]));
    assert!(d.join("part-00001.parquet").is_file());
}

#[test]
fn an_artefact_with_non_finite_predictions_is_refused_naming_file_and_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(shipped_model()).unwrap();
    let log = dir.path().join("log.csv");
    small_log(&log);
    // JSON has no NaN: a null or text parameter is refused as corrupt (see the last case).
    let cases: [(&str, &str, serde_json::Value); 5] = [
        ("purchase", "r", 1e308.into()),
        ("purchase", "alpha", (-1.0).into()),
        ("purchase", "s", 0.0.into()),
        ("spend", "gamma", 1e308.into()),
        ("spend", "q", 0.5.into()),
    ];
    for (part, name, value) in cases {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        if part == "spend" {
            v[part][name] = value.clone();
        } else {
            v[part]["params"][name] = value.clone();
        }
        let path = dir.path().join(format!("bad-{name}.json"));
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let out = dir.path().join("o.csv");
        let e = err(&retain(&score_args(&s(&path), &s(&log), &s(&out))));
        assert!(
            e.contains(&format!("bad-{name}.json")) && e.contains(name),
            "{name} = {value}: {e}"
        );
        assert!(!e.contains("panicked") && !out.exists(), "{e}");
    }
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["purchase"]["params"]["beta"] = serde_json::Value::Null;
    let path = dir.path().join("null.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let e = err(&retain(&["inspect", &s(&path)]));
    assert!(e.contains("null.json") && e.contains("corrupt"), "{e}");
}

#[test]
fn an_output_directory_is_refused_only_where_it_would_overwrite_or_mix_with_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = shipped_model();
    // An input file inside the report directory under a name the report never writes: allowed.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let log = out.join("log.csv");
    small_log(&log);
    let sim_dir = dir.path().join("sim");
    std::fs::create_dir(&sim_dir).unwrap();
    let copy = sim_dir.join("model.json");
    std::fs::copy(&model, &copy).unwrap();
    ok(&retain(&[
        "simulate",
        "--customers",
        "10",
        "--model",
        &s(&copy),
        "--out",
        &s(&sim_dir),
    ]));
    assert!(sim_dir.join("part-00000.csv").is_file());
    assert!(copy.is_file());
    // ... but an input named like a partition it writes is refused, untouched.
    let clash = sim_dir.join("part-00000.csv");
    let before = std::fs::read(&clash).unwrap();
    std::fs::copy(&model, sim_dir.join("part-00009.csv")).unwrap();
    let e = err(&retain(&[
        "simulate",
        "--customers",
        "10",
        "--model",
        &s(&sim_dir.join("part-00009.csv")),
        "--out",
        &s(&sim_dir),
    ]));
    assert!(e.contains("overwrite"), "{e}");
    assert_eq!(std::fs::read(&clash).unwrap(), before);
    // A partitioned score run into its own input directory is refused even in another format
    // (its outputs would become inputs of the next run).
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::fs::copy(&log, parts.join("a.csv")).unwrap();
    let mut args = score_args(&model, "", "");
    let p = s(&parts);
    args[4] = &p;
    args[8] = &p;
    args.extend(["--output-format", "parquet"]);
    let e = err(&retain(&args));
    assert!(e.contains("overwrite"), "{e}");
    // Another directory that merely holds the model: allowed.
    let scored = dir.path().join("scored");
    std::fs::create_dir(&scored).unwrap();
    let m = scored.join("m.json");
    std::fs::copy(&model, &m).unwrap();
    let ms = s(&m);
    let so = s(&scored);
    let mut args = score_args(&ms, &p, &so);
    args.extend(["--output-format", "csv"]);
    ok(&retain(&args));
    assert!(scored.join("a.csv").is_file() && m.is_file());
}
