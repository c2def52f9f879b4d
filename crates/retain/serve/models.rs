//! `retain.v1.Models`: list, describe and reload the served models; and the reload routine
//! shared by the RPC, SIGHUP and the directory watcher.

use super::convert::unit_to_pb;
use super::guard::Guard;
use super::registry::{Registry, ReloadReport, Served};
use super::status::ApiError;
use crate::pb::v1 as pb;
use pb::models_server::Models;
use pb::scoring_server::ScoringServer;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use tonic_health::server::HealthReporter;

/// What reloading touches besides the registry.
#[derive(Clone)]
pub struct Reloader {
    /// Served models.
    pub registry: Arc<Registry>,
    /// Health of the Scoring service: SERVING only while a model is loaded.
    pub health: HealthReporter,
    /// Signalled when a removal grace period ends: [`Reloader::spawn_due_reloads`] reloads.
    pub due: Arc<tokio::sync::Notify>,
}

impl Reloader {
    /// A reloader of `registry` that keeps `health` up to date.
    pub fn new(registry: Arc<Registry>, health: HealthReporter) -> Self {
        Reloader {
            registry,
            health,
            due: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Reloads whenever a removal grace period ends (until the task is aborted).
    pub fn spawn_due_reloads(&self) -> tokio::task::JoinHandle<()> {
        let r = self.clone();
        tokio::spawn(async move {
            loop {
                r.due.notified().await;
                r.reload("removal grace ended").await;
            }
        })
    }

    /// Reloads the directory, then updates health and the model-version gauge.
    pub async fn reload(&self, why: &str) -> ReloadReport {
        let report = self.registry.reload().await;
        let snapshot = self.registry.snapshot();
        tracing::info!(
            trigger = why,
            models = snapshot.models.len(),
            changed = report.changed.len(),
            refused = report.refused.len(),
            removed = report.removed.len(),
            "models reloaded"
        );
        for name in &report.removed {
            metrics::gauge!("retain_model_loaded", "model" => name.clone()).set(0.0);
        }
        for (name, s) in &snapshot.models {
            metrics::gauge!("retain_model_loaded", "model" => name.clone()).set(1.0);
            if report.changed.contains(name) {
                metrics::counter!("retain_model_loads_total", "model" => name.clone(), "version" => s.model.version.clone()).increment(1);
            }
        }
        metrics::counter!("retain_model_refusals_total").increment(report.refused.len() as u64);
        if !report.missing.is_empty() {
            // Look again when the grace period ends, even if nothing else changes by then.
            let due = self.due.clone();
            let grace = self.registry.removal_grace();
            tokio::spawn(async move {
                tokio::time::sleep(grace).await;
                due.notify_one();
            });
        }
        if snapshot.models.is_empty() {
            self.health
                .set_not_serving::<ScoringServer<super::scoring::ScoringService>>()
                .await;
            self.health
                .set_service_status("", tonic_health::ServingStatus::NotServing)
                .await;
        } else {
            self.health
                .set_serving::<ScoringServer<super::scoring::ScoringService>>()
                .await;
            self.health
                .set_service_status("", tonic_health::ServingStatus::Serving)
                .await;
        }
        report
    }
}

/// The Models service.
pub struct ModelsService {
    /// Reload routine (and the registry).
    pub reloader: Reloader,
    /// Auth, limits, metrics.
    pub guard: Arc<Guard>,
}

fn info(s: &Served, is_default: bool) -> pb::ModelInfo {
    let m = &s.model;
    pb::ModelInfo {
        name: m.name.clone(),
        version: m.version.clone(),
        kind: m.kind().to_string(),
        time_unit: m.time_unit().map_or(pb::TimeUnit::Unspecified, unit_to_pb) as i32,
        model_type: m.model_type(),
        trained_at: m.trained_at().to_string(),
        is_default,
        loaded_at: Some(prost_types::Timestamp::from(s.loaded_at)),
    }
}

fn all_infos(registry: &Registry) -> Vec<pb::ModelInfo> {
    let snapshot = registry.snapshot();
    snapshot
        .models
        .iter()
        .map(|(name, s)| info(s, snapshot.default.as_deref() == Some(name)))
        .collect()
}

/// GetModel: one model's description and artefact (`full`: as saved; otherwise without the
/// training command, data file and reference sample).
fn model(
    registry: &Registry,
    r: pb::GetModelRequest,
    full: bool,
) -> Result<pb::GetModelResponse, ApiError> {
    let pb::GetModelRequest { name } = r;
    let snapshot = registry.snapshot();
    let s = snapshot
        .get(&name)
        .ok_or_else(|| ApiError::ModelNotLoaded {
            field: "name",
            name: name.clone(),
            loaded: snapshot.models.keys().cloned().collect(),
        })?;
    Ok(pb::GetModelResponse {
        info: Some(info(s, snapshot.default.as_deref() == Some(&s.model.name))),
        artefact_json: if full {
            s.model.text.clone()
        } else {
            s.model.public_text.clone()
        },
    })
}

/// ReloadModels' answer: the models now served and the files refused.
fn reloaded(registry: &Registry, report: ReloadReport) -> pb::ReloadModelsResponse {
    let refused = report
        .refused
        .into_iter()
        .map(|r| pb::RefusedModel {
            file: r
                .file
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default(),
            reason: r.reason,
        })
        .collect();
    pb::ReloadModelsResponse {
        models: all_infos(registry),
        refused,
    }
}

#[tonic::async_trait]
impl Models for ModelsService {
    async fn list_models(
        &self,
        request: Request<pb::ListModelsRequest>,
    ) -> Result<Response<pb::ListModelsResponse>, Status> {
        let admitted = self.guard.admit("ListModels", request.metadata(), false)?;
        let models = all_infos(&self.reloader.registry);
        admitted.finish(Ok::<_, Status>(Response::new(pb::ListModelsResponse {
            models,
        })))
    }

    async fn get_model(
        &self,
        request: Request<pb::GetModelRequest>,
    ) -> Result<Response<pb::GetModelResponse>, Status> {
        let admitted = self.guard.admit("GetModel", request.metadata(), false)?;
        let full = self.guard.is_admin(request.metadata());
        let result = model(&self.reloader.registry, request.into_inner(), full);
        admitted.finish(result.map(Response::new))
    }

    async fn reload_models(
        &self,
        request: Request<pb::ReloadModelsRequest>,
    ) -> Result<Response<pb::ReloadModelsResponse>, Status> {
        let admitted = self.guard.admit("ReloadModels", request.metadata(), true)?;
        let report = self.reloader.reload("ReloadModels").await;
        let response = reloaded(&self.reloader.registry, report);
        admitted.finish(Ok::<_, Status>(Response::new(response)))
    }
}
