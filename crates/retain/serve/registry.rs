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
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Mutex;

/// A served model and when this version was loaded.
#[derive(Debug)]
pub struct Served {
    /// The model.
    pub model: LoadedModel,
    /// When the server loaded this version.
    pub loaded_at: SystemTime,
    /// The window of its latest churn probabilities, when it has a training reference.
    pub drift: Option<super::drift::ServedDrift>,
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
    /// Models removed because their file has been gone for the removal grace period.
    pub removed: Vec<String>,
    /// Models whose file is gone but that keep serving until the grace period ends (so a
    /// delete-then-copy deploy loses no request); a reload is due then.
    pub missing: Vec<String>,
}

/// The registry: the current snapshot and how to rebuild it.
pub struct Registry {
    dir: PathBuf,
    /// Segment rules applied to every CLV model that has a reference sample.
    rules: Arc<SegmentRules>,
    default_name: Option<String>,
    /// How long a model whose file disappeared keeps serving.
    removal_grace: Duration,
    /// Latest served scores per model the PSI gauge covers.
    drift_window: usize,
    current: ArcSwap<Snapshot>,
    /// Serialises reloads (RPC, SIGHUP and the directory watcher may race), and holds when
    /// each served model's file was first seen missing.
    reloading: Mutex<HashMap<String, Instant>>,
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

impl Registry {
    /// An empty registry over `dir`; call [`Registry::reload`] to load it.
    pub fn new(
        dir: PathBuf,
        default_name: Option<String>,
        rules: SegmentRules,
        removal_grace: Duration,
        drift_window: usize,
    ) -> Self {
        Registry {
            dir,
            rules: Arc::new(rules),
            default_name,
            removal_grace,
            drift_window,
            current: ArcSwap::from_pointee(Snapshot::default()),
            reloading: Mutex::new(HashMap::new()),
        }
    }

    /// How long a model whose file disappeared keeps serving.
    pub fn removal_grace(&self) -> Duration {
        self.removal_grace
    }

    /// The artefact files of the model directory now, for the watcher.
    pub fn files(&self) -> Vec<PathBuf> {
        artefact_files(&self.dir).unwrap_or_default()
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Rescans the directory and swaps in the new set in one step.
    pub async fn reload(&self) -> ReloadReport {
        let mut missing_since = self.reloading.lock().await;
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
                                drift: super::drift::ServedDrift::new(&model, self.drift_window),
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
        let now = Instant::now();
        missing_since.retain(|name, _| !seen_names.contains(name));
        for (name, served) in &old.models {
            if seen_names.contains(name) {
                continue;
            }
            let since = *missing_since.entry(name.clone()).or_insert(now);
            if now.duration_since(since) >= self.removal_grace {
                tracing::warn!(model = %name, "artefact removed from the directory; model unloaded");
                missing_since.remove(name);
                report.removed.push(name.clone());
            } else {
                tracing::warn!(model = %name, grace_seconds = self.removal_grace.as_secs_f64(), "artefact missing from the directory; the loaded version keeps serving for the grace period");
                models.insert(name.clone(), served.clone());
                report.missing.push(name.clone());
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
