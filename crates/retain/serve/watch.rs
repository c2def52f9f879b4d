//! The one file watcher of the server: it polls the model directory and the batch scores
//! every `--watch-seconds` and reloads what changed.
//!
//! Polling, not inotify: a scan of a handful of file sizes and times is cheap, and polling
//! sees atomic renames and network file systems that event-based watchers miss.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Names, sizes and modification times of some files: a change means "reload".
pub type FileState = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// The state of `files` (a file that vanished between listing and reading counts as empty).
pub fn file_state(files: Vec<PathBuf>) -> FileState {
    files
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (p, len, modified)
        })
        .collect()
}

/// A reload triggered by the watcher.
pub type Reload = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Something the watcher keeps fresh: how to read its file state (blocking) and how to
/// reload it.
pub struct Watched {
    /// What it is, for the log.
    pub what: &'static str,
    /// Its files' state (run on the blocking pool).
    pub state: Arc<dyn Fn() -> FileState + Send + Sync>,
    /// Reloads it.
    pub reload: Arc<dyn Fn() -> Reload + Send + Sync>,
}

async fn state_of(w: &Watched) -> FileState {
    let f = w.state.clone();
    tokio::task::spawn_blocking(move || f())
        .await
        .unwrap_or_default()
}

/// Polls every `every` and reloads each watched item whose files changed. A failed reload
/// is retried at the next change (the reload logs it). The task runs until aborted.
pub fn spawn(every: Duration, watched: Vec<Watched>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = Vec::with_capacity(watched.len());
        for w in &watched {
            last.push(state_of(w).await);
        }
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // The first tick is immediate.
        loop {
            tick.tick().await;
            for (w, last) in watched.iter().zip(last.iter_mut()) {
                let now = state_of(w).await;
                if now != *last {
                    // Let a writer that is not atomic finish before reading.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    *last = state_of(w).await;
                    tracing::debug!(what = w.what, "files changed; reloading");
                    (w.reload)().await;
                }
            }
        }
    })
}
