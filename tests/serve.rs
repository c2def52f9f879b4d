//! End-to-end tests of the gRPC server, called with the generated tonic client. The server
//! runs in-process through `retain::serve::serve(listener, config, shutdown)` on a port of
//! 127.0.0.1 chosen by the system; the tests of what only a process has (signals, the
//! "listening on" line, the process-wide metrics endpoint) start `retain serve` itself.

use super::{data, ok, retain};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tonic::Code;
use tonic::transport::Channel;

#[allow(clippy::all)]
pub mod pb {
    tonic::include_proto!("retain.v1");
}
use pb::models_client::ModelsClient;
use pb::scoring_client::ScoringClient;

/// A server running in-process on its own runtime thread; stopped (and joined) on drop, so
/// also when an assertion fails.
pub(crate) struct Server {
    pub(crate) addr: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let outcome = t.join();
            if !std::thread::panicking() {
                outcome.expect("server thread").expect("serve");
            }
        }
    }
}

/// Starts the server in-process with these `retain serve` flags on a free loopback port.
pub(crate) fn start(models: &Path, extra: &[&str]) -> Server {
    let mut flags = vec!["--models", models.to_str().unwrap()];
    if !extra.contains(&"--shutdown-grace-seconds") {
        flags.extend(["--shutdown-grace-seconds", "2"]);
    }
    flags.extend(extra);
    let config = retain::serve::Config::from_flags(flags).expect("serve flags");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound, addr) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            bound.send(listener.local_addr()?.to_string())?;
            retain::serve::serve(listener, config, async move {
                let _ = stopped.await;
            })
            .await
        })
    });
    let addr = addr.recv().expect("the server did not bind");
    Server {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// A `retain serve` process, killed on drop.
pub(crate) struct Process {
    child: Child,
    pub(crate) addr: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `retain serve` on a free loopback port and reads the address it announces.
pub(crate) fn start_process(models: &Path, extra: &[&str]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retain"))
        .args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(models)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start retain serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Process { child, addr }
}

/// A channel to an in-process server, returned once the server answers: the port is bound
/// before `serve` loads the model directory, so a test that changes the directory right after
/// connecting would otherwise race the start-up load.
pub(crate) async fn channel(s: &Server) -> Channel {
    let ch = channel_to(&s.addr).await;
    // Any answer (SERVING or not) means start-up is over; a failure shows in the test's own calls.
    let _ = tonic_health::pb::health_client::HealthClient::new(ch.clone())
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await;
    ch
}

pub(crate) async fn channel_to(addr: &str) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connect")
}

pub(crate) fn models_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("models");
    std::fs::create_dir(&m).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cdnow.json"),
        m.join("cdnow.json"),
    )
    .unwrap();
    (dir, m)
}

pub(crate) fn summary(x: u32, t_x: f64, t: f64) -> pb::score_request::Input {
    pb::score_request::Input::Summary(pb::CustomerSummary {
        x,
        t_x,
        t,
        monetary_value: 30.0,
        time_unit: pb::TimeUnit::Week as i32,
    })
}

pub(crate) fn request(model: &str, input: pb::score_request::Input) -> pb::ScoreRequest {
    pb::ScoreRequest {
        model: model.into(),
        customer_id: "c".into(),
        horizon: None,
        input: Some(input),
    }
}

/// Days since 1970-01-01 of a YYYYMMDD date.
fn epoch_day(yyyymmdd: &str) -> i64 {
    let (y, m, d) = (
        yyyymmdd[..4].parse::<i64>().unwrap(),
        yyyymmdd[4..6].parse::<i64>().unwrap(),
        yyyymmdd[6..].parse::<i64>().unwrap(),
    );
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_scores_equal_the_cli_batch_scores() {
    let (dir, models) = models_dir();
    // A churn classifier with a margin beside the CDNOW CLV model.
    let churn = models.join("telco");
    ok(&retain(&[
        "train",
        "churn",
        "--data",
        &data("telco_churn.csv"),
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--model",
        "gbdt",
        "--margin",
        "monthly_charges",
        "--out",
        &churn.display().to_string(),
    ]));
    let server = start(&models, &["--default-model", "cdnow"]);
    let mut client = ScoringClient::new(channel(&server).await);

    // CLV: the CLI's batch scores of the CDNOW sample as of 1998-06-30 ...
    let cli = dir.path().join("cdnow.csv");
    ok(&retain(&[
        "score",
        "--model",
        &models.join("cdnow.json").display().to_string(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--as-of",
        "1998-06-30",
        "--output",
        &cli.display().to_string(),
    ]));
    let (header, rows) = read_csv(&cli);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    // ... and the same customers' raw histories sent over gRPC.
    let mut histories: HashMap<String, Vec<pb::Transaction>> = HashMap::new();
    for line in std::fs::read_to_string(data("CDNOW_sample.txt"))
        .unwrap()
        .lines()
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        histories
            .entry(f[0].to_string())
            .or_default()
            .push(pb::Transaction {
                time: Some(prost_types::Timestamp {
                    seconds: epoch_day(f[2]) * 86_400 + 3600,
                    nanos: 0,
                }),
                amount: f[4].parse().unwrap(),
            });
    }
    let as_of = prost_types::Timestamp {
        seconds: epoch_day("19980630") * 86_400,
        nanos: 0,
    };
    for row in rows.iter().step_by(47) {
        let id = &row[col("customer_id")];
        let r = pb::ScoreRequest {
            model: String::new(),
            customer_id: id.clone(),
            horizon: Some(pb::Duration {
                value: 52.0,
                unit: pb::TimeUnit::Week as i32,
            }),
            input: Some(pb::score_request::Input::History(pb::TransactionHistory {
                transactions: histories[id].clone(),
                as_of: Some(as_of),
            })),
        };
        let s = client.score(r).await.unwrap().into_inner();
        assert_eq!(s.model, "cdnow");
        assert_eq!(&s.customer_id, id);
        let cli_value = |n: &str| row[col(n)].parse::<f64>().unwrap();
        assert!(close(s.p_alive.unwrap(), cli_value("p_alive")), "{id}");
        assert!(close(
            s.expected_purchases.unwrap(),
            cli_value("expected_purchases_52_weeks")
        ));
        assert!(close(s.clv.unwrap(), cli_value("clv_52_weeks")), "{id}");
        assert!(close(
            s.value_at_risk.unwrap(),
            cli_value("value_at_risk_52_weeks")
        ));
        // The same segment, tiers and ranks against the training base as the batch.
        let g = s.segment.expect("CLV scores carry a segment");
        let rfm = g.rfm.unwrap();
        assert_eq!(
            [rfm.recency, rfm.frequency, rfm.monetary],
            [
                cli_value("rfm_recency") as u32,
                cli_value("rfm_frequency") as u32,
                cli_value("rfm_monetary") as u32
            ],
            "{id}"
        );
        assert_eq!(g.name, row[col("rfm_segment")], "{id}");
        assert_eq!(
            g.value_tier.as_deref(),
            Some(row[col("value_tier")].as_str())
        );
        assert_eq!(s.risk_tier, row[col("risk_tier")]);
        assert!(close(g.churn_percentile, cli_value("churn_percentile")));
        assert!(close(
            g.clv_percentile.unwrap(),
            cli_value("clv_percentile")
        ));
        assert!(close(
            g.value_at_risk_percentile.unwrap(),
            cli_value("value_at_risk_percentile")
        ));
    }

    // Churn: every feature sent as the text the CSV holds, like the CLI reads it.
    let cli = dir.path().join("telco.csv");
    ok(&retain(&[
        "score",
        "--model",
        &churn.with_extension("json").display().to_string(),
        "--data",
        &data("telco_churn.csv"),
        "--output",
        &cli.display().to_string(),
    ]));
    let (header, rows) = read_csv(&cli);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let text = std::fs::read_to_string(data("telco_churn.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    for (i, line) in lines.enumerate().step_by(211) {
        let values = names
            .iter()
            .zip(line.split(','))
            .map(|(n, v)| {
                let value = if v.trim().is_empty() {
                    pb::feature_value::Value::Missing(pb::Missing {})
                } else {
                    pb::feature_value::Value::Text(v.to_string())
                };
                (n.to_string(), pb::FeatureValue { value: Some(value) })
            })
            .collect();
        let r = pb::ScoreRequest {
            model: "telco".into(),
            customer_id: format!("{}", i + 1),
            horizon: None,
            input: Some(pb::score_request::Input::Features(pb::FeatureMap {
                values,
            })),
        };
        let s = client.score(r).await.unwrap().into_inner();
        // The target column is sent too: accepted, and reported as not used.
        assert_eq!(s.ignored_features, ["churn"], "row {i}");
        let row = &rows[i];
        let cli_value = |n: &str| row[col(n)].parse::<f64>().unwrap();
        assert!(
            close(s.churn_probability, cli_value("churn_probability")),
            "row {i}"
        );
        assert!(close(s.clv.unwrap(), cli_value("clv_lifetime")), "row {i}");
        assert!(close(
            s.expected_lifetime.unwrap(),
            cli_value("expected_lifetime_months")
        ));
        assert_eq!(s.risk_tier, row[col("risk_tier")]);
        assert_eq!(s.drivers[0].feature, row[col("driver_1")]);
        assert!(close(s.drivers[0].log_odds, cli_value("driver_1_log_odds")));
        assert_eq!(s.model_kind, "churn");
        // Ranks against the training table, as the CLI gives them; no RFM for a classifier.
        let g = s.segment.expect("churn scores carry ranks");
        assert!(g.rfm.is_none() && g.name.is_empty());
        assert!(close(g.churn_percentile, cli_value("churn_percentile")));
        assert!(close(
            g.clv_percentile.unwrap(),
            cli_value("clv_percentile")
        ));
        assert_eq!(
            g.value_tier.as_deref(),
            Some(row[col("value_tier")].as_str())
        );
    }

    // A batch gives what single calls give, in order.
    let batch = pb::ScoreBatchRequest {
        requests: (0..100)
            .map(|k| request("cdnow", summary(k % 5, (k % 5) as f64 * 3.0, 30.0)))
            .collect(),
    };
    let b = client
        .score_batch(batch.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b.responses.len(), 100);
    for (k, r) in batch.requests.into_iter().enumerate().step_by(13) {
        let single = client.score(r).await.unwrap().into_inner();
        assert_eq!(single, b.responses[k]);
    }
    // A stream answers every item in order; a bad item is an error item, not a broken stream.
    let items: Vec<pb::ScoreRequest> = (0..1000)
        .map(|k| {
            let mut r = request("cdnow", summary(1, 5.0, if k == 500 { -1.0 } else { 20.0 }));
            r.customer_id = k.to_string();
            r
        })
        .collect();
    let mut out = client
        .score_stream(tokio_stream::iter(items))
        .await
        .unwrap()
        .into_inner();
    let mut seen = 0;
    while let Some(m) = out.message().await.unwrap() {
        assert_eq!(m.customer_id, seen.to_string());
        match m.result.unwrap() {
            pb::score_stream_response::Result::Score(s) => {
                assert!(seen != 500 && s.p_alive.is_some())
            }
            pb::score_stream_response::Result::Error(e) => {
                assert_eq!(seen, 500);
                assert_eq!(e.code, Code::InvalidArgument as i32);
                assert_eq!(e.field, "summary.t");
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 1000);

    let listed = ModelsClient::new(channel(&server).await)
        .list_models(pb::ListModelsRequest {})
        .await
        .unwrap()
        .into_inner();
    let names: Vec<(&str, &str, bool)> = listed
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.kind.as_str(), m.is_default))
        .collect();
    assert_eq!(names, [("cdnow", "clv", true), ("telco", "churn", false)]);
}

async fn status_of(c: &mut ScoringClient<Channel>, r: pb::ScoreRequest) -> tonic::Status {
    c.score(r).await.expect_err("should be refused")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_request_gets_its_code_and_names_the_field() {
    let (_dir, models) = models_dir();
    let churn = models.join("telco");
    ok(&retain(&[
        "train",
        "churn",
        "--data",
        &data("telco_churn.csv"),
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--model",
        "logistic",
        "--out",
        &churn.display().to_string(),
    ]));
    let server = start(
        &models,
        &[
            "--max-batch",
            "50",
            "--max-message-bytes",
            "100000",
            "--token",
            "s3cret",
            "--auth-scope",
            "admin",
        ],
    );
    let mut c = ScoringClient::new(channel(&server).await);
    let cases: Vec<(pb::ScoreRequest, Code, &str)> = vec![
        (
            request("cdnow", summary(1, 5.0, -2.0)),
            Code::InvalidArgument,
            "summary.t",
        ),
        (
            request("cdnow", summary(1, 9.0, 5.0)),
            Code::InvalidArgument,
            "summary.t_x",
        ),
        (
            request(
                "cdnow",
                pb::score_request::Input::Summary(pb::CustomerSummary {
                    x: 1,
                    t_x: 1.0,
                    t: 2.0,
                    monetary_value: 1.0,
                    time_unit: 0,
                }),
            ),
            Code::InvalidArgument,
            "summary.time_unit",
        ),
        (
            pb::ScoreRequest {
                horizon: Some(pb::Duration {
                    value: 0.0,
                    unit: pb::TimeUnit::Week as i32,
                }),
                ..request("cdnow", summary(1, 1.0, 2.0))
            },
            Code::InvalidArgument,
            "horizon.value",
        ),
        (
            // A horizon of a billion weeks would be ~230 million monthly CLV steps.
            pb::ScoreRequest {
                horizon: Some(pb::Duration {
                    value: 1e9,
                    unit: pb::TimeUnit::Week as i32,
                }),
                ..request("cdnow", summary(1, 1.0, 2.0))
            },
            Code::InvalidArgument,
            "horizon.value",
        ),
        (
            pb::ScoreRequest {
                input: None,
                ..request("cdnow", summary(1, 1.0, 2.0))
            },
            Code::InvalidArgument,
            "input",
        ),
        (
            request("nope", summary(1, 1.0, 2.0)),
            Code::NotFound,
            "model",
        ),
        (
            request(
                "telco",
                pb::score_request::Input::Features(pb::FeatureMap {
                    values: [(
                        "tenure".to_string(),
                        pb::FeatureValue {
                            value: Some(pb::feature_value::Value::Number(3.0)),
                        },
                    )]
                    .into(),
                }),
            ),
            Code::InvalidArgument,
            "features.",
        ),
        (
            request("telco", summary(1, 1.0, 2.0)),
            Code::InvalidArgument,
            "input",
        ),
        // No repeat purchase but a last purchase after the first one.
        (
            request("cdnow", summary(0, 3.0, 10.0)),
            Code::InvalidArgument,
            "summary.t_x",
        ),
        // A customer value that overflows the CLV is blamed on the customer, not the horizon.
        (
            request(
                "cdnow",
                pb::score_request::Input::Summary(pb::CustomerSummary {
                    x: 2,
                    t_x: 10.0,
                    t: 30.0,
                    monetary_value: 1e308,
                    time_unit: pb::TimeUnit::Week as i32,
                }),
            ),
            Code::InvalidArgument,
            "summary",
        ),
        // A category sent as a number is a wrong type, named.
        (
            request(
                "telco",
                pb::score_request::Input::Features(pb::FeatureMap {
                    values: [(
                        "contract".to_string(),
                        pb::FeatureValue {
                            value: Some(pb::feature_value::Value::Number(3.0)),
                        },
                    )]
                    .into(),
                }),
            ),
            Code::InvalidArgument,
            "features.",
        ),
        // A huge model name is echoed cut, so the code stays NOT_FOUND.
        (
            request(&"m".repeat(20_000), summary(1, 1.0, 2.0)),
            Code::NotFound,
            "model",
        ),
    ];
    for (r, code, field) in cases {
        let s = status_of(&mut c, r).await;
        assert_eq!(s.code(), code, "{s:?}");
        assert!(s.message().starts_with(field), "{field}: {}", s.message());
    }
    // A wrong type names the column.
    let text = std::fs::read_to_string(data("telco_churn.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut values: HashMap<String, pb::FeatureValue> = names
        .iter()
        .zip(lines.next().unwrap().split(','))
        .map(|(n, v)| {
            (
                n.to_string(),
                pb::FeatureValue {
                    value: Some(pb::feature_value::Value::Text(v.into())),
                },
            )
        })
        .collect();
    // A text category sent as a number: a wrong type, not an unseen level.
    let mut category_as_number = values.clone();
    category_as_number.insert(
        "contract".into(),
        pb::FeatureValue {
            value: Some(pb::feature_value::Value::Number(2.0)),
        },
    );
    let s = status_of(
        &mut c,
        request(
            "telco",
            pb::score_request::Input::Features(pb::FeatureMap {
                values: category_as_number,
            }),
        ),
    )
    .await;
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(
        s.message().starts_with("features.contract:") && s.message().contains("text category"),
        "{}",
        s.message()
    );
    values.insert(
        "tenure".into(),
        pb::FeatureValue {
            value: Some(pb::feature_value::Value::Text("twelve".into())),
        },
    );
    let s = status_of(
        &mut c,
        request(
            "telco",
            pb::score_request::Input::Features(pb::FeatureMap { values }),
        ),
    )
    .await;
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(
        s.message().starts_with("features.tenure"),
        "{}",
        s.message()
    );

    // Batches: empty, too large, and a bad item named by its index.
    let e = c
        .score_batch(pb::ScoreBatchRequest { requests: vec![] })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("requests"));
    let big = pb::ScoreBatchRequest {
        requests: vec![request("cdnow", summary(1, 1.0, 2.0)); 51],
    };
    assert_eq!(
        c.score_batch(big).await.unwrap_err().code(),
        Code::ResourceExhausted
    );
    // A message over --max-message-bytes: RESOURCE_EXHAUSTED, unary or in a stream (after
    // the answers to what came before it).
    let mut huge = request("cdnow", summary(1, 1.0, 2.0));
    huge.customer_id = "x".repeat(200_000);
    let e = c.score(huge.clone()).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    assert!(e.message().contains("too large"), "{}", e.message());
    let mut out = c
        .score_stream(tokio_stream::iter(vec![
            request("cdnow", summary(1, 1.0, 2.0)),
            huge,
        ]))
        .await
        .unwrap()
        .into_inner();
    assert!(out.message().await.unwrap().is_some());
    let e = out.message().await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    // The server is still serving.
    assert!(
        c.score(request("cdnow", summary(1, 1.0, 2.0)))
            .await
            .is_ok()
    );
    let mut items = vec![request("cdnow", summary(1, 1.0, 2.0)); 10];
    items[7] = request("cdnow", summary(1, 3.0, 2.0));
    let e = c
        .score_batch(pb::ScoreBatchRequest { requests: items })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().starts_with("requests[7].summary.t_x"),
        "{}",
        e.message()
    );

    // Admin RPCs need the token (scope admin: scoring does not).
    let mut m = ModelsClient::new(channel(&server).await);
    let e = m
        .reload_models(pb::ReloadModelsRequest {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let mut r = tonic::Request::new(pb::ReloadModelsRequest {});
    r.metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    let reloaded = m.reload_models(r).await.unwrap().into_inner();
    assert_eq!(reloaded.models.len(), 2);
    assert!(reloaded.refused.is_empty());
    let e = m
        .get_model(pb::GetModelRequest {
            name: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let got = m
        .get_model(pb::GetModelRequest {
            name: "telco".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.artefact_json.contains("\"kind\": \"churn\""));
    // Without the token (admin scope lets GetModel through): parameters, not the training
    // command, data file or the training customers' reference scores.
    for private in ["training_command", "\"reference\"", "telco_churn.csv"] {
        assert!(!got.artefact_json.contains(private), "{private}");
    }
    let mut r = tonic::Request::new(pb::GetModelRequest {
        name: "telco".into(),
    });
    r.metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    let full = m.get_model(r).await.unwrap().into_inner();
    for private in ["training_command", "\"reference\"", "telco_churn.csv"] {
        assert!(full.artefact_json.contains(private), "{private}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hot_reload_under_load_switches_versions_once_and_survives_a_corrupt_file() {
    let (_dir, models) = models_dir();
    let server = start(&models, &["--watch-seconds", "0.1"]);
    let ch = channel(&server).await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(ch.clone());
    let h = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "retain.v1.Scoring".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        h.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        let mut c = ScoringClient::new(ch.clone());
        tokio::spawn(async move {
            let mut versions: Vec<String> = Vec::new();
            let mut failures = 0;
            let mut calls = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                calls += 1;
                match c.score(request("cdnow", summary(2, 10.0, 30.0))).await {
                    Ok(r) => {
                        let v = r.into_inner().model_version;
                        if versions.last() != Some(&v) {
                            versions.push(v);
                        }
                    }
                    Err(_) => failures += 1,
                }
            }
            (versions, failures, calls)
        })
    };
    let path = models.join("cdnow.json");
    let replace = |text: &str| {
        let tmp = models.join(".cdnow.json.tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A valid new version (another default discount rate: a change that affects scores, so a
    // new content version; a new `trained_at` alone would keep the version) ...
    let text = std::fs::read_to_string(&path).unwrap();
    let new = text.replacen("\"rate\": 0.1,", "\"rate\": 0.11,", 1);
    assert_ne!(new, text);
    replace(&new);
    tokio::time::sleep(Duration::from_millis(600)).await;
    // ... then a truncated one, which must be refused while the new version keeps serving.
    replace(&new[..new.len() / 2]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (versions, failures, calls) = load.await.unwrap();
    assert_eq!(failures, 0, "{calls} calls");
    assert_eq!(versions.len(), 2, "versions seen: {versions:?}");
    assert!(calls > 100, "{calls}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let (_dir, models) = models_dir();
    let mut server = start_process(&models, &[]);
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = server.child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = status.expect("the server did not stop within 5 s");
    assert!(status.success(), "{status:?}");
}

/// A CA and a server certificate for localhost / 127.0.0.1, made with the openssl CLI.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=retain test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_health_and_metrics() {
    let (dir, models) = models_dir();
    let (ca, cert, key) = certificates(dir.path());
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    // A process: the metrics recorder is process-wide.
    let server = start_process(
        &models,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--metrics-addr",
            &metrics_addr,
        ],
    );
    let port = server.addr.rsplit(':').next().unwrap();
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(
            std::fs::read(&ca).unwrap(),
        ))
        .domain_name("localhost");
    let ch = Channel::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .expect("TLS connect");
    let mut c = ScoringClient::new(ch);
    let s = c
        .score(request("cdnow", summary(2, 10.0, 30.0)))
        .await
        .unwrap()
        .into_inner();
    assert!(s.p_alive.unwrap() > 0.0);
    // Plain-text callers get nowhere.
    let plain = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await;
    if let Ok(ch) = plain {
        assert!(
            ScoringClient::new(ch)
                .score(request("cdnow", summary(2, 10.0, 30.0)))
                .await
                .is_err()
        );
    }
    // Prometheus text: request counts by code, latency histogram, loaded models.
    let body = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut last = String::new();
        for _ in 0..50 {
            if let Ok(mut s) = std::net::TcpStream::connect(&metrics_addr) {
                s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .unwrap();
                last.clear();
                s.read_to_string(&mut last).unwrap();
                if last.contains("retain_requests_total") {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        last
    })
    .await
    .unwrap();
    assert!(
        body.contains(r#"retain_requests_total{rpc="Score",code="Ok"} 1"#),
        "{body}"
    );
    assert!(
        body.contains("retain_request_duration_seconds_bucket"),
        "{body}"
    );
    assert!(
        body.contains(r#"retain_model_loaded{model="cdnow"} 1"#),
        "{body}"
    );

    // An empty model directory: up, but NOT_SERVING.
    let empty = tempfile::tempdir().unwrap();
    let idle = start(empty.path(), &[]);
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel(&idle).await);
    let h = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        h.status,
        tonic_health::pb::health_check_response::ServingStatus::NotServing as i32
    );
    let e = ScoringClient::new(channel(&idle).await)
        .score(request("", summary(1, 1.0, 2.0)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
}

/// One version per artefact: `inspect`, the manifest of a partitioned `score` run,
/// `ListModels` and every `Score` response report the same string, and a hand edit that
/// changes scores changes it (before, the CLI hashed the parameters and the server the bytes).
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_the_manifest_and_the_server_report_one_version() {
    let (dir, models) = models_dir();
    let model = models.join("cdnow.json");
    let inspected: serde_json::Value = serde_json::from_str(&ok(&retain(&[
        "inspect",
        model.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    let version = inspected["version"].as_str().unwrap().to_string();
    assert_eq!(version.len(), 12);

    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(data("CDNOW_sample.txt"), input.join("part-1.txt")).unwrap();
    let out = dir.path().join("scores");
    ok(&retain(&[
        "score",
        "--model",
        model.to_str().unwrap(),
        "--transactions",
        input.to_str().unwrap(),
        "--as-of",
        "1998-06-30",
        "--output",
        out.to_str().unwrap(),
        "--quiet",
    ]));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("_manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["model_version"].as_str(), Some(version.as_str()));

    let server = start(&models, &[]);
    let ch = channel(&server).await;
    let listed = ModelsClient::new(ch.clone())
        .list_models(pb::ListModelsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.models[0].version, version);
    let scored = ScoringClient::new(ch)
        .score(request("cdnow", summary(2, 10.0, 30.0)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(scored.model_version, version);

    // A hand edit of a parameter: a new version from the CLI, though the stored one is stale.
    let text = std::fs::read_to_string(&model).unwrap();
    let edited = dir.path().join("edited.json");
    std::fs::write(
        &edited,
        text.replacen("\"rate\": 0.1,", "\"rate\": 0.2,", 1),
    )
    .unwrap();
    let again: serde_json::Value = serde_json::from_str(&ok(&retain(&[
        "inspect",
        edited.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert_ne!(again["version"].as_str().unwrap(), version);
}

/// Every flag is checked before the server binds: a missing TLS file, a zero limit or an
/// unbounded duration ends `retain serve` with a clear error and no "listening on" line.
#[test]
fn bad_flags_fail_before_listening() {
    let (_dir, models) = models_dir();
    for (flags, expected) in [
        (
            vec![
                "--tls-cert",
                "/nonexistent/cert.pem",
                "--tls-key",
                "/nonexistent/key.pem",
            ],
            "--tls-cert /nonexistent/cert.pem",
        ),
        (
            vec!["--shutdown-grace-seconds", "inf"],
            "--shutdown-grace-seconds",
        ),
        (vec!["--watch-seconds", "1e-300"], "--watch-seconds"),
        (vec!["--max-batch", "0"], "--max-batch"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_retain"))
            .args(["serve", "--addr", "127.0.0.1:0", "--models"])
            .arg(&models)
            .args(&flags)
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(!out.status.success(), "{flags:?}");
        assert!(!stdout.contains("listening on"), "{flags:?}: {stdout}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{flags:?}: {stderr}");
    }
}

/// A delete-then-copy deploy loses no request: a model whose file disappears keeps serving
/// for `--removal-grace-seconds`, and is unloaded once that has passed without the file.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_artefact_keeps_serving_for_the_grace_period() {
    let (dir, models) = models_dir();
    let server = start(
        &models,
        // A grace period well beyond the 1 s of requests below: a loaded CI machine can stall
        // the test for a second or more between the clock check and the request.
        &["--watch-seconds", "0.05", "--removal-grace-seconds", "4"],
    );
    let mut c = ScoringClient::new(channel(&server).await);
    let file = models.join("cdnow.json");
    let kept = dir.path().join("cdnow.json");
    std::fs::rename(&file, &kept).unwrap();
    let started = std::time::Instant::now();
    // Polled every 50 ms: the deletion is seen, but requests keep being answered.
    while started.elapsed() < Duration::from_millis(1000) {
        c.score(request("cdnow", summary(2, 10.0, 30.0)))
            .await
            .expect("served during the grace period");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::copy(&kept, &file).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::remove_file(&file).unwrap();
    // Back in time, then gone again: unloaded once the grace period has passed.
    let mut code = Code::Ok;
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        match c.score(request("cdnow", summary(2, 10.0, 30.0))).await {
            Ok(_) => {}
            Err(e) => {
                code = e.code();
                break;
            }
        }
    }
    assert_eq!(code, Code::NotFound, "still served after the grace period");
}

/// Issue 14: an artefact whose parameters make predictions non-finite (`r: 1e308`) is refused
/// on reload by the loader the CLI uses; the server keeps serving the previous version.
#[tokio::test]
async fn a_reload_with_non_finite_predictions_keeps_the_previous_version() {
    let (_dir, models) = models_dir();
    let server = start(&models, &["--watch-seconds", "0.1"]);
    let mut c = ScoringClient::new(channel(&server).await);
    let before = c
        .score(request("cdnow", summary(2, 10.0, 30.0)))
        .await
        .unwrap()
        .into_inner();
    let path = models.join("cdnow.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["purchase"]["params"]["r"] = serde_json::Value::from(1e308);
    let tmp = models.join(".cdnow.json.tmp");
    std::fs::write(&tmp, serde_json::to_string(&v).unwrap()).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let after = c
        .score(request("cdnow", summary(2, 10.0, 30.0)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.model_version, before.model_version);
    // The CLI's loader refuses the same file, naming it and the parameter.
    let e = super::err(&super::retain(&["inspect", path.to_str().unwrap()]));
    assert!(
        e.contains("cdnow.json") && e.contains("parameter r") && e.contains("non-finite"),
        "{e}"
    );
}
