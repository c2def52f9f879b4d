//! `retain`: churn prediction and customer lifetime value, from the command line.
//!
//! # Layout
//! - `cli/`: one file per subcommand (`train`, `inspect`, `score`) plus shared data flags.
//! - `pb`: the gRPC messages compiled from `proto/` by `build.rs`.
//! - `serve/`: the gRPC server (`retain serve`).

mod cli;
mod pb;
mod serve;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if args.verbose || args.is_server() {
            "info"
        } else {
            "warn"
        })
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if args.log_json {
        logs.json().init();
    } else {
        logs.init();
    }
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
