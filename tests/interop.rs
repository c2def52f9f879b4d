//! Interoperability with gRPC clients nobody on the team wrote. The tonic tests in `serve.rs`
//! share the server's own code generation, so they cannot see a mistake both sides make alike
//! (wire format, well-known types, reflection descriptors, status codes and details). Here:
//!
//! - the official Python stack (grpcio, stubs generated from `proto/` by `grpc_tools.protoc`
//!   at test time) calls every RPC through `tests/interop/client.py`: Score on a summary, a
//!   raw history (`google.protobuf.Timestamp`) and churn features; ScoreBatch; the bidi
//!   ScoreStream with a bad item; ListModels, GetModel, ReloadModels; INVALID_ARGUMENT and
//!   NOT_FOUND with the field in the details; `grpc.health.v1` via grpcio-health-checking;
//! - grpcurl, which knows nothing but what reflection tells it, lists and describes the
//!   services, scores from JSON and checks health.
//!
//! The tools come from PyPI, pinned in `tests/interop/requirements.txt`, into a venv cached
//! at `$CARGO_TARGET_DIR/interop-venv` (default `target/`), built once under a file lock so
//! parallel runs wait for it instead of racing.

use super::serve::start;
use super::{data, ok, retain};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `cmd`; panics with its output unless it succeeds; returns its stdout.
fn succeeded(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    stdout.into_owned()
}

/// The venv with the pinned tools, created (once) under a lock held until it is ready.
fn venv() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Path::new(ROOT).join(dir),
        None => Path::new(ROOT).join("target"),
    };
    fs::create_dir_all(&target).unwrap();
    let venv = target.join("interop-venv");
    let requirements = Path::new(ROOT).join("tests/interop/requirements.txt");
    let pins = fs::read_to_string(&requirements).unwrap();
    // Released when `lock` drops, or by the OS if this process dies.
    let lock = File::create(target.join("interop-venv.lock")).unwrap();
    lock.lock().unwrap();
    // Written last: a venv without it (interrupted install, other pins) is rebuilt.
    let stamp = venv.join("interop-requirements.txt");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(pins.as_str()) {
        let _ = fs::remove_dir_all(&venv);
        succeeded(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "interop test needs Python 3.11+ with venv: python3 -m venv",
        );
        succeeded(
            Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "--disable-pip-version-check"])
                .args([
                    "--no-input",
                    "--only-binary",
                    "grpcio,grpcio-tools,protobuf",
                ])
                .arg("-r")
                .arg(&requirements),
            "interop test needs PyPI: pip install -r tests/interop/requirements.txt",
        );
        fs::write(&stamp, &pins).unwrap();
    }
    venv
}

#[test]
fn python_grpcio_and_grpcurl_clients_interoperate() {
    let venv = venv();
    let python = venv.join("bin/python");
    let dir = tempfile::tempdir().unwrap();
    let (models, stubs) = (dir.path().join("models"), dir.path().join("stubs"));
    fs::create_dir(&models).unwrap();
    fs::create_dir(&stubs).unwrap();
    fs::copy(
        Path::new(ROOT).join("models/cdnow.json"),
        models.join("cdnow.json"),
    )
    .unwrap();
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
        &models.join("telco").display().to_string(),
    ]));
    succeeded(
        Command::new(&python)
            .current_dir(ROOT)
            .args(["-m", "grpc_tools.protoc", "-I", "proto"])
            .arg(format!("--python_out={}", stubs.display()))
            .arg(format!("--grpc_python_out={}", stubs.display()))
            .arg("proto/retain/v1/scoring.proto"),
        "grpc_tools.protoc",
    );
    let server = start(&models, &[]);
    let addr = server.addr.as_str();

    let report = succeeded(
        Command::new(&python)
            .arg(Path::new(ROOT).join("tests/interop/client.py"))
            .arg(addr)
            .env("PYTHONPATH", &stubs),
        "tests/interop/client.py",
    );
    println!("{report}");

    let grpcurl = |args: &[&str]| {
        succeeded(
            Command::new(venv.join("bin/grpcurl"))
                .args(["-plaintext", "-max-time", "30"])
                .args(args),
            &format!("grpcurl {args:?}"),
        )
    };
    let services = grpcurl(&[addr, "list"]);
    for s in [
        "retain.v1.Scoring",
        "retain.v1.Models",
        "grpc.health.v1.Health",
    ] {
        assert!(services.lines().any(|l| l == s), "{s} not in:\n{services}");
    }
    let described = grpcurl(&[addr, "describe", "retain.v1.ScoreRequest"]);
    assert!(
        described.contains("message ScoreRequest")
            && described.contains(".retain.v1.CustomerSummary summary = 4;"),
        "{described}"
    );
    let request = r#"{"customer_id":"c1","summary":{"x":2,"t_x":30.43,"t":38.86,
        "monetary_value":22.35,"time_unit":"TIME_UNIT_WEEK"}}"#;
    let score: serde_json::Value =
        serde_json::from_str(&grpcurl(&["-d", request, addr, "retain.v1.Scoring/Score"])).unwrap();
    let p = score["pAlive"].as_f64().unwrap_or(f64::NAN);
    assert!(p > 0.0 && p <= 1.0, "{score}");
    assert_eq!(score["customerId"], "c1", "{score}");
    let health: serde_json::Value = serde_json::from_str(&grpcurl(&[
        "-d",
        r#"{"service":""}"#,
        addr,
        "grpc.health.v1.Health/Check",
    ]))
    .unwrap();
    assert_eq!(health["status"], "SERVING", "{health}");
}
