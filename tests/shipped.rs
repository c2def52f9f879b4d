//! The shipped default model (`models/cdnow.json`) is what its own training command gives
//! today: same candidates, parameters and holdout figures. Catches a model file regenerated
//! by a broken build, or left stale after a change to training.

use super::{ok, retain};
use std::path::Path;

#[test]
fn the_shipped_model_is_reproduced_by_its_training_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("models/cdnow.json")).unwrap())
            .unwrap();
    let command = shipped["training_command"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cdnow");
    // The recorded command line, run from the repository root, writing elsewhere.
    let mut args: Vec<String> = command
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect();
    let at = args.iter().position(|a| a == "--out").unwrap();
    args[at + 1] = out.display().to_string();
    for a in &mut args {
        if a.starts_with("tests/") {
            *a = root.join(&*a).display().to_string();
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&retain(&refs));
    let fresh: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap())
            .unwrap();
    // Parameters to 1e-6 (a change in the last bits of a special function may move them by
    // an ulp, and with them the content version, without making the shipped file wrong).
    let close = |a: &serde_json::Value, b: &serde_json::Value, what: &str| {
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{what}"
        );
        for (k, v) in a {
            let (x, y) = (v.as_f64().unwrap(), b[k].as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                "{what} {k}: {x} vs {y}"
            );
        }
    };
    assert_eq!(fresh["purchase"]["kind"], shipped["purchase"]["kind"]);
    close(
        &fresh["purchase"]["params"],
        &shipped["purchase"]["params"],
        "purchase",
    );
    close(&fresh["spend"], &shipped["spend"], "spend");
    assert_eq!(fresh["reference"], shipped["reference"]);
    let candidates = |v: &serde_json::Value| -> Vec<(String, f64, f64)> {
        v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["model"]["kind"].as_str().unwrap().to_string(),
                    c["holdout"]["predicted_total"].as_f64().unwrap(),
                    c["holdout"]["mae"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let (want, got) = (candidates(&shipped), candidates(&fresh));
    assert_eq!(want.len(), got.len());
    for ((wk, wp, wm), (gk, gp, gm)) in want.iter().zip(&got) {
        assert_eq!(wk, gk);
        assert!(
            (wp - gp).abs() < 1e-6 * wp.abs().max(1.0),
            "{wk}: {wp} vs {gp}"
        );
        assert!((wm - gm).abs() < 1e-9, "{wk}: MAE {wm} vs {gm}");
        // A forecast of nothing is a broken model, not a candidate.
        assert!(*gp > 1000.0, "{gk} predicts {gp} holdout purchases");
    }
}
