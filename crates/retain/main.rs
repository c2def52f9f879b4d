//! `retain`: churn prediction and customer lifetime value, from the command line. The work is
//! done by the `retain` library (`lib.rs`); this file sets up logging and exits.

use clap::Parser;
use retain::cli;
use std::process::ExitCode;

/// Restores the default action of SIGPIPE (Rust ignores it, so that a write to a closed pipe
/// fails, and `println!` then panics): `retain score ... | head -1` ends quietly when `head`
/// exits, like every Unix tool. Not for the server, whose sockets must not kill it.
#[cfg(unix)]
fn die_quietly_on_closed_pipe() {
    // SAFETY: called once at start-up, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn die_quietly_on_closed_pipe() {}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    if !args.is_server() {
        die_quietly_on_closed_pipe();
    }
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
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
