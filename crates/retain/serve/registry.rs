//! The set of served models, swapped atomically on reload.
//!
//! Readers take a snapshot (`Arc<Snapshot>`) at the start of a request and keep using it to the
//! end, so an in-flight request finishes on the model it started with while new requests see
//! the new set. A reload loads every artefact of the directory; one that is corrupt, truncated,
//! of another format version or otherwise refused is logged and reported, and the version of
//! that model already being served (if any) stays in place.

use arc_swap::ArcSwap;
use retain_score::online::LoadedModel;
use retain_score::segments::SegmentRules;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::Mutex;

/// A served model and when this version was loaded.
#[derive(Debug)]
pub struct Served {
    /// The model.
    pub model: LoadedModel,
    /// When the server loaded this version.
    pub loaded_at: SystemTime,
}

/// An immutable set of models.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Models by name.
    pub models: BTreeMap<String, Arc<Served>>,
    /// Name of the default model (used by requests that name none).
    pub default: Option<String>,
}

impl Snapshot {
    /// The model a request names, or the default when `name` is empty.
    pub fn get(&self, name: &str) -> Option<&Arc<Served>> {
        if name.is_empty() {
            self.default.as_ref().and_then(|d| self.models.get(d))
        } else {
            self.models.get(name)
        }
    }
}

/// An artefact file that could not be loaded.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The file.
    pub file: PathBuf,
    /// Why.
    pub reason: String,
}

/// What a reload did.
#[derive(Debug, Default)]
pub struct ReloadReport {
    /// Models whose version changed (new or replaced).
    pub changed: Vec<String>,
    /// Files refused (their previous version, if any, keeps serving).
    pub refused: Vec<Refused>,
    /// Models removed because their file is gone.
    pub removed: Vec<String>,
}

/// The registry: the current snapshot and how to rebuild it.
pub struct Registry {
    dir: PathBuf,
    /// Segment rules applied to every CLV model that has a reference sample.
    rules: Arc<SegmentRules>,
    default_name: Option<String>,
    current: ArcSwap<Snapshot>,
    /// Serialises reloads (RPC, SIGHUP and the directory watcher may race).
    reloading: Mutex<()>,
}

/// The `.json` files of a directory, sorted.
fn artefact_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// A cheap fingerprint of the directory (names, sizes, modification times) to notice changes.
pub fn directory_state(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    artefact_files(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (p, len, modified)
        })
        .collect()
}

impl Registry {
    /// An empty registry over `dir`; call [`Registry::reload`] to load it.
    pub fn new(dir: PathBuf, default_name: Option<String>, rules: SegmentRules) -> Self {
        Registry {
            dir,
            rules: Arc::new(rules),
            default_name,
            current: ArcSwap::from_pointee(Snapshot::default()),
            reloading: Mutex::new(()),
        }
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Rescans the directory and swaps in the new set in one step.
    pub async fn reload(&self) -> ReloadReport {
        let _guard = self.reloading.lock().await;
        let dir = self.dir.clone();
        let rules = self.rules.clone();
        let old = self.snapshot();
        // File reads and JSON parsing are blocking work: keep them off the async workers.
        let loaded = tokio::task::spawn_blocking(move || {
            let files = match artefact_files(&dir) {
                Ok(f) => f,
                Err(e) => {
                    return Err(Refused {
                        file: dir.clone(),
                        reason: format!("cannot list the model directory: {e}"),
                    });
                }
            };
            Ok(files
                .into_iter()
                .map(|f| {
                    let r = LoadedModel::from_file(&f).and_then(|m| m.with_segments(&rules));
                    (f, r)
                })
                .collect::<Vec<_>>())
        })
        .await;
        let mut report = ReloadReport::default();
        let loaded = match loaded {
            Ok(Ok(l)) => l,
            Ok(Err(refused)) => {
                tracing::error!(dir = %refused.file.display(), reason = %refused.reason, "reload failed; keeping every model");
                report.refused.push(refused);
                return report;
            }
            Err(e) => {
                tracing::error!(error = %e, "reload task failed; keeping every model");
                return report;
            }
        };
        let mut models = BTreeMap::new();
        let mut seen_names = Vec::new();
        for (file, result) in loaded {
            let name = file
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            seen_names.push(name.clone());
            match result {
                Ok(model) => {
                    let unchanged = old
                        .models
                        .get(&name)
                        .filter(|s| s.model.version == model.version);
                    let served = match unchanged {
                        Some(s) => s.clone(),
                        None => {
                            tracing::info!(model = %name, version = %model.version, kind = model.kind(), "model loaded");
                            report.changed.push(name.clone());
                            Arc::new(Served {
                                model,
                                loaded_at: SystemTime::now(),
                            })
                        }
                    };
                    models.insert(name, served);
                }
                Err(reason) => {
                    match old.models.get(&name) {
                        Some(prev) => {
                            tracing::error!(file = %file.display(), %reason, kept_version = %prev.model.version, "artefact refused; the previous version keeps serving");
                            models.insert(name, prev.clone());
                        }
                        None => {
                            tracing::error!(file = %file.display(), %reason, "artefact refused");
                        }
                    }
                    report.refused.push(Refused { file, reason });
                }
            }
        }
        for name in old.models.keys() {
            if !seen_names.contains(name) {
                tracing::warn!(model = %name, "artefact removed from the directory; model unloaded");
                report.removed.push(name.clone());
            }
        }
        let default = match &self.default_name {
            Some(d) if models.contains_key(d) => Some(d.clone()),
            Some(d) => {
                tracing::warn!(model = %d, "the configured default model is not loaded");
                None
            }
            None => models.keys().next().cloned(),
        };
        self.current.store(Arc::new(Snapshot { models, default }));
        report
    }
}
