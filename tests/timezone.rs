//! The one day convention end to end: an instant written with an offset falls on its day in
//! `--timezone` (UTC by default) in `summarise` and `score`; `train` stores a zone other than
//! UTC in the model, and `score` uses it unless `--timezone` overrides it.

use super::{CDNOW_FLAGS, data, err, ok, retain};
use std::collections::HashMap;
use std::path::Path;

/// Customer `a` buys at 10:00 and 00:30 the next night in Paris (+01:00): one UTC day
/// (2024-03-01) but two local days. Customer `b` buys once, at 00:30 local on 2024-03-02
/// (23:30 UTC on 2024-03-01). Customer `c` writes local times without an offset: always the
/// dates written (2024-03-01 and 2024-03-03).
const LOG: &str = "customer_id,date,amount\n\
                   a,2024-03-01T10:00:00+01:00,10\n\
                   a,2024-03-02T00:30:00+01:00,20\n\
                   b,2024-03-02T00:30:00+01:00,5\n\
                   c,2024-03-01T23:30:00,7\n\
                   c,2024-03-03T00:30:00,9\n";

/// A CSV's rows by their first column, as column name → text.
fn rows(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let row: HashMap<String, String> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row[header[0]].clone(), row)
        })
        .collect()
}

fn num(rows: &HashMap<String, HashMap<String, String>>, id: &str, col: &str) -> f64 {
    rows[id][col]
        .parse()
        .unwrap_or_else(|_| panic!("{id}.{col}: {:?}", rows[id]))
}

/// `retain summarise` in days as of 2024-03-10, with extra flags.
fn summarise(dir: &Path, log: &Path, extra: &[&str]) -> HashMap<String, HashMap<String, String>> {
    let out = dir.join("summary.csv");
    let mut args = vec![
        "summarise",
        "--transactions",
        log.to_str().unwrap(),
        "--time-unit",
        "day",
        "--calibration-end",
        "2024-03-10",
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(&retain(&args));
    rows(&out)
}

#[test]
fn offset_datetimes_fall_on_their_utc_day_unless_timezone_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("offsets.csv");
    std::fs::write(&log, LOG).unwrap();

    let utc = summarise(dir.path(), &log, &[]);
    assert_eq!(utc, summarise(dir.path(), &log, &["--timezone", "UTC"]));
    // a: both purchases on 2024-03-01 UTC, netted into one day.
    assert_eq!(num(&utc, "a", "frequency"), 0.0);
    assert_eq!(num(&utc, "a", "T_days"), 9.0);
    // b: 2024-03-01 UTC, 9 days before the end.
    assert_eq!(num(&utc, "b", "T_days"), 9.0);
    // c: local times, the dates written.
    assert_eq!(num(&utc, "c", "frequency"), 1.0);
    assert_eq!(num(&utc, "c", "recency_days"), 2.0);
    assert_eq!(num(&utc, "c", "T_days"), 9.0);

    for zone in ["+01:00", "Europe/Paris"] {
        let paris = summarise(dir.path(), &log, &["--timezone", zone]);
        assert_eq!(num(&paris, "a", "frequency"), 1.0, "{zone}");
        assert_eq!(num(&paris, "a", "recency_days"), 1.0, "{zone}");
        assert_eq!(num(&paris, "a", "T_days"), 9.0, "{zone}");
        assert_eq!(num(&paris, "b", "T_days"), 8.0, "{zone}");
        assert_eq!(paris["c"], utc["c"], "{zone}");
    }

    let e = err(&retain(&[
        "summarise",
        "--transactions",
        log.to_str().unwrap(),
        "--time-unit",
        "day",
        "--calibration-end",
        "2024-03-10",
        "--output",
        dir.path().join("never.csv").to_str().unwrap(),
        "--timezone",
        "Mars/Olympus",
    ]));
    assert!(
        e.contains("--timezone") && e.contains("Mars/Olympus") && e.contains("Europe/Paris"),
        "{e}"
    );
}

/// Trains a BG/NBD model on the CDNOW sample (plain dates: the zone does not move them).
fn train_cdnow(dir: &Path, name: &str, extra: &[&str]) -> serde_json::Value {
    let out = dir.join(name);
    let cdnow = data("CDNOW_sample.txt");
    let mut args = vec!["train", "clv", "--transactions", &cdnow];
    args.extend(CDNOW_FLAGS);
    args.extend([
        "--time-unit",
        "week",
        "--calibration-end",
        "1997-09-30",
        "--model",
        "bgnbd",
        "--out",
        out.to_str().unwrap(),
    ]);
    args.extend(extra);
    ok(&retain(&args));
    let text = std::fs::read_to_string(out.with_extension("json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn score(
    dir: &Path,
    model: &Path,
    log: &Path,
    extra: &[&str],
) -> HashMap<String, HashMap<String, String>> {
    let out = dir.join("scores.csv");
    let mut args = vec![
        "score",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        log.to_str().unwrap(),
        "--as-of",
        "2024-03-10",
        "--horizon",
        "52w",
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(&retain(&args));
    rows(&out)
}

#[test]
fn a_model_trained_with_a_timezone_stores_it_and_scores_in_it_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("offsets.csv");
    std::fs::write(&log, LOG).unwrap();

    // UTC, given or not, is stored as no zone at all: such artefacts are as before.
    let utc = train_cdnow(dir.path(), "utc", &["--timezone", "UTC"]);
    let format = utc["data"]["format"].as_object().unwrap();
    assert!(!format.contains_key("timezone"), "{format:?}");
    let paris = train_cdnow(dir.path(), "paris", &["--timezone", "+01:00"]);
    assert_eq!(paris["data"]["format"]["timezone"], "+01:00");
    // The zone changes which day an instant falls on, so it is part of the content version.
    assert_ne!(utc["version"], paris["version"]);

    let paris_model = dir.path().join("paris.json");
    let utc_model = dir.path().join("utc.json");
    // The stored zone is the default: a's two purchases fall on two Paris days.
    let by_default = score(dir.path(), &paris_model, &log, &[]);
    assert_eq!(num(&by_default, "a", "x"), 1.0);
    assert!((num(&by_default, "a", "t_x_weeks") - 1.0 / 7.0).abs() < 1e-12);
    assert!((num(&by_default, "b", "T_weeks") - 8.0 / 7.0).abs() < 1e-12);
    // The flag overrides it, both ways.
    let overridden = score(dir.path(), &paris_model, &log, &["--timezone", "UTC"]);
    assert_eq!(num(&overridden, "a", "x"), 0.0);
    assert!((num(&overridden, "b", "T_weeks") - 9.0 / 7.0).abs() < 1e-12);
    assert_eq!(overridden, score(dir.path(), &utc_model, &log, &[]));
    let in_paris = score(
        dir.path(),
        &utc_model,
        &log,
        &["--timezone", "Europe/Paris"],
    );
    assert_eq!(num(&in_paris, "a", "x"), 1.0);
    assert_eq!(
        num(&in_paris, "b", "T_weeks"),
        num(&by_default, "b", "T_weeks")
    );
    // The local (offset-less) times of c are the dates written in every case.
    assert_eq!(num(&by_default, "c", "x"), num(&overridden, "c", "x"));
    assert_eq!(num(&by_default, "c", "x"), 1.0);
}

/// The same offset log, scored by the CLI and over gRPC (each purchase sent as its instant),
/// gives equal scores, for a UTC model and for a model trained in +01:00.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_and_the_server_give_an_offset_log_equal_scores() {
    use super::serve::{channel, pb, start};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("offsets.csv");
    std::fs::write(&log, LOG).unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    train_cdnow(&models, "utc", &[]);
    train_cdnow(&models, "paris", &["--timezone", "+01:00"]);
    let server = start(&models, &[]);
    let mut client = pb::scoring_client::ScoringClient::new(channel(&server).await);
    // The log's offset instants, as seconds since the epoch.
    let instant = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    };
    let ts = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
    let purchases: [(&str, &[(&str, f64)]); 2] = [
        (
            "a",
            &[
                ("2024-03-01T10:00:00+01:00", 10.0),
                ("2024-03-02T00:30:00+01:00", 20.0),
            ],
        ),
        ("b", &[("2024-03-02T00:30:00+01:00", 5.0)]),
    ];
    for name in ["utc", "paris"] {
        let cli = score(dir.path(), &models.join(format!("{name}.json")), &log, &[]);
        for (id, history) in purchases {
            let r = pb::ScoreRequest {
                model: name.into(),
                customer_id: id.into(),
                horizon: Some(pb::Duration {
                    value: 52.0,
                    unit: pb::TimeUnit::Week as i32,
                }),
                input: Some(pb::score_request::Input::History(pb::TransactionHistory {
                    transactions: history
                        .iter()
                        .map(|&(t, amount)| pb::Transaction {
                            time: ts(instant(t)),
                            amount,
                        })
                        .collect(),
                    // Noon UTC on 2024-03-10: that day in both zones.
                    as_of: ts(instant("2024-03-10T12:00:00Z")),
                })),
            };
            let s = client.score(r).await.unwrap().into_inner();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
            assert!(
                close(s.p_alive.unwrap(), num(&cli, id, "p_alive")),
                "{name} {id}: {} vs {}",
                s.p_alive.unwrap(),
                num(&cli, id, "p_alive")
            );
            let purchases_col = cli[id]
                .keys()
                .find(|k| k.starts_with("expected_purchases"))
                .unwrap()
                .clone();
            assert!(
                close(s.expected_purchases.unwrap(), num(&cli, id, &purchases_col)),
                "{name} {id}"
            );
        }
    }
}
