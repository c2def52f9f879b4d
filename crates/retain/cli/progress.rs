//! The one home of progress on a terminal: a phase spinner (reading, summarising, scoring,
//! writing) and counted bars, drawn to stderr only when stderr is a terminal and `--quiet`
//! was not given; piped or redirected runs draw nothing (no escape codes in logs).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// `--quiet`, set once by [`super::run`] before any command starts.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences progress for the rest of the process (`--quiet`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether progress is drawn: stderr is a terminal and `--quiet` is off.
pub fn visible() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

fn target() -> ProgressDrawTarget {
    if visible() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A command's phases: a spinner whose message names the current phase, with the time spent.
pub struct Phases(ProgressBar);

impl Phases {
    /// Starts the spinner of `command` (e.g. `score`).
    pub fn start(command: &str) -> Phases {
        let bar = ProgressBar::with_draw_target(None, target());
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix}: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(command.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Phases(bar)
    }

    /// Enters a phase (`reading`, `summarising`, `scoring`, `writing`, ...).
    pub fn phase(&self, name: &str) {
        self.0.set_message(name.to_string());
    }

    /// Enters a counted phase: `done` of `total` `what` so far.
    pub fn count(&self, name: &str, done: u64, total: u64, what: &str) {
        self.0.set_message(format!("{name} {done}/{total} {what}"));
    }

    /// Clears the spinner (the command's summary follows on stdout).
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

impl Drop for Phases {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A bar of `total` units drawn with `template` (indicatif's syntax).
pub fn bar(total: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), target());
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
