//! `retain`: churn prediction and customer lifetime value, from the command line.
//!
//! # Layout
//! - `cli/`: one file per subcommand (`train`, `inspect`, `score`) plus shared data flags.
//! - `pb`: the gRPC messages compiled from `proto/` by `build.rs`.

mod cli;
mod pb;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if args.verbose { "info" } else { "warn" })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
