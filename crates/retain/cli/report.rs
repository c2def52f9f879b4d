//! Text rendering of a CLV artefact, shared by `train` and `inspect`.

use retain_score::artefact::{ClvArtefact, FitInfo};
use std::fmt::Write;

fn params(out: &mut String, fit: &FitInfo) {
    for p in &fit.params {
        let se = p
            .std_error
            .map(|s| format!("{s:.4}"))
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(out, "    {:<6} {:>12.4}  (se {se})", p.name, p.value);
    }
    let _ = writeln!(
        out,
        "    log-likelihood {:.2}  ({} customers, {} patterns, {} {} iterations, |grad| {:.1e}, {:.1} ms)",
        fit.log_likelihood,
        fit.customers,
        fit.patterns,
        fit.convergence.iterations,
        match fit.convergence.optimiser {
            retain_models::fit::Optimiser::Newton => "Newton",
            retain_models::fit::Optimiser::Lbfgs => "L-BFGS",
        },
        fit.convergence.grad_norm,
        fit.fit_ms
    );
}

/// The human-readable report of an artefact.
pub fn render(a: &ClvArtefact) -> String {
    let mut out = String::new();
    let u = a.time_unit.plural();
    let _ = writeln!(
        out,
        "model {} version {} (retain {}, trained {})",
        a.name, a.version, a.retain_version, a.trained_at
    );
    let _ = writeln!(
        out,
        "data  {} ({}): {} transactions, {} customers, calibration to {}, observation to {}, time unit: {}",
        a.data.file,
        a.data.fingerprint.get(..19).unwrap_or(&a.data.fingerprint),
        a.data.transactions,
        a.data.customers,
        a.data.calibration_end,
        a.data.observation_end,
        a.time_unit
    );
    let _ = writeln!(out, "\ncandidates (time parameters in {u}):");
    for c in &a.candidates {
        let _ = writeln!(out, "  {}", c.model.kind().display_name());
        params(&mut out, &c.fit);
        if let Some(h) = &c.holdout {
            let _ = writeln!(
                out,
                "    holdout {:.2} {u}: predicted {:.1} vs actual {:.0} purchases, MAE {:.4}, RMSE {:.4}",
                h.length, h.predicted_total, h.actual_total, h.mae, h.rmse
            );
        }
    }
    let _ = writeln!(
        out,
        "\nchosen: {} — {}",
        a.purchase.kind().display_name(),
        a.selection
    );
    if let Some(h) = &a.holdout {
        let _ = writeln!(
            out,
            "\nholdout purchases by calibration frequency (mean per customer):"
        );
        let _ = writeln!(
            out,
            "  {:>4} {:>9} {:>9} {:>9}",
            "x", "customers", "actual", "predicted"
        );
        for r in h.by_frequency.iter().filter(|r| r.customers > 0) {
            let label = if r.x == retain_score::holdout::FREQUENCY_CAP {
                format!("{}+", r.x)
            } else {
                r.x.to_string()
            };
            let _ = writeln!(
                out,
                "  {label:>4} {:>9} {:>9.3} {:>9.3}",
                r.customers, r.actual, r.predicted
            );
        }
    }
    match (&a.spend, &a.spend_fit) {
        (Some(_), Some(f)) => {
            let _ = writeln!(out, "\nspend: Gamma-Gamma (repeat buyers)");
            params(&mut out, f);
        }
        _ => {
            let _ = writeln!(out, "\nspend: none (no CLV)");
        }
    }
    let _ = writeln!(
        out,
        "CLV defaults: step {}, discount {}",
        a.clv.step, a.clv.discount
    );
    out
}
