//! `retain.v1.Segments` end to end: the server loads the CLI's batch scores (`--scores`),
//! lists at-risk customers filtered and paged, sums them per segment and per value × risk
//! cell (checked against a direct computation from the same file), reloads a replaced file,
//! and keeps serving the previous scores when the new file is corrupt.

use super::serve::pb::{self, segments_client::SegmentsClient};
use super::serve::{channel, models_dir, start};
use super::{data, ok, retain};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tonic::Code;

/// Scores the CDNOW sample over `horizon` into `out` with the CLI.
fn score(models: &Path, out: &Path, horizon: &str) {
    ok(&retain(&[
        "score",
        "--model",
        &models.join("cdnow.json").display().to_string(),
        "--transactions",
        &data("CDNOW_sample.txt"),
        "--as-of",
        "1998-06-30",
        "--horizon",
        horizon,
        "--output",
        &out.display().to_string(),
    ]));
}

struct Row {
    id: String,
    var: f64,
    clv: f64,
    risk: String,
    value: String,
    segment: String,
}

fn rows(path: &Path, horizon: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (var, clv) = (
        col(&format!("value_at_risk_{horizon}")),
        col(&format!("clv_{horizon}")),
    );
    let (id, risk, value, seg) = (
        col("customer_id"),
        col("risk_tier"),
        col("value_tier"),
        col("rfm_segment"),
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                id: f[id].into(),
                var: f[var].parse().unwrap(),
                clv: f[clv].parse().unwrap(),
                risk: f[risk].into(),
                value: f[value].into(),
                segment: f[seg].into(),
            }
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

async fn version(c: &mut SegmentsClient<tonic::transport::Channel>) -> String {
    let r = c.summary(pb::SegmentSummaryRequest {}).await.unwrap();
    r.into_inner().scores.unwrap().version
}

#[tokio::test(flavor = "multi_thread")]
async fn at_risk_lists_page_through_filtered_scores_and_follow_a_replaced_file() {
    let (dir, models) = models_dir();
    let scores = dir.path().join("scores.csv");
    score(&models, &scores, "52w");
    let server = start(
        &models,
        &[
            "--scores",
            &scores.display().to_string(),
            "--watch-seconds",
            "0.1",
        ],
    );
    let mut c = SegmentsClient::new(channel(&server).await);
    let want = rows(&scores, "52_weeks");

    // Summary: per segment and per value × risk cell, as summed directly from the file.
    let s = c
        .summary(pb::SegmentSummaryRequest {})
        .await
        .unwrap()
        .into_inner();
    let all = s.all.unwrap();
    assert_eq!(all.customers, 2357);
    assert!(close(all.value_at_risk, want.iter().map(|r| r.var).sum()));
    let mut direct: BTreeMap<&str, (u64, f64, f64)> = BTreeMap::new();
    for r in &want {
        let e = direct.entry(&r.segment).or_default();
        e.0 += 1;
        e.1 += r.clv;
        e.2 += r.var;
    }
    assert_eq!(s.segments.len(), direct.len());
    for seg in &s.segments {
        let t = seg.totals.unwrap();
        let d = direct[seg.segment.as_str()];
        assert_eq!(t.customers, d.0, "{}", seg.segment);
        assert!(close(t.clv, d.1) && close(t.value_at_risk, d.2));
    }
    // Largest value at risk first.
    assert!(
        s.segments
            .windows(2)
            .all(|w| { w[0].totals.unwrap().value_at_risk >= w[1].totals.unwrap().value_at_risk })
    );
    assert_eq!(s.grid.len(), 9);
    for cell in &s.grid {
        let n = want
            .iter()
            .filter(|r| r.value == cell.value_tier && r.risk == cell.risk_tier)
            .count() as u64;
        assert_eq!(cell.totals.unwrap().customers, n);
    }

    // ListAtRisk: "At Risk" or "Hibernating", high risk, value at risk >= 0.5, 7 per page.
    let request = |token: String| pb::ListAtRiskRequest {
        segments: vec!["At Risk".into(), "Hibernating".into()],
        risk_tiers: vec!["high".into()],
        value_tiers: vec![],
        min_value_at_risk: Some(0.5),
        page_size: 7,
        page_token: token,
    };
    let mut expected: Vec<&Row> = want
        .iter()
        .filter(|r| {
            (r.segment == "At Risk" || r.segment == "Hibernating")
                && r.risk == "high"
                && r.var >= 0.5
        })
        .collect();
    expected.sort_by(|a, b| b.var.total_cmp(&a.var).then_with(|| a.id.cmp(&b.id)));
    assert!(
        expected.len() > 14,
        "want several pages: {}",
        expected.len()
    );
    let mut got = Vec::new();
    let mut token = String::new();
    let mut first_token = None;
    loop {
        let page = c.list_at_risk(request(token)).await.unwrap().into_inner();
        assert_eq!(page.total_matching, expected.len() as u64);
        assert!(page.customers.len() <= 7);
        got.extend(page.customers);
        if page.next_page_token.is_empty() {
            break;
        }
        first_token.get_or_insert(page.next_page_token.clone());
        token = page.next_page_token;
    }
    let first_token = first_token.unwrap();
    let ids: Vec<&str> = got.iter().map(|c| c.customer_id.as_str()).collect();
    let want_ids: Vec<&str> = expected.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, want_ids);
    for (g, w) in got.iter().zip(&expected) {
        assert!(close(g.value_at_risk, w.var) && close(g.clv, w.clv));
        assert_eq!(g.rfm_segment, w.segment);
    }
    // Ranks are over the whole base: strictly increasing, the first at least 1.
    assert!(got.windows(2).all(|w| w[0].rank < w[1].rank) && got[0].rank >= 1);

    // Bad requests name their field.
    let client = c.clone();
    let bad = |r: pb::ListAtRiskRequest| {
        let mut c = client.clone();
        async move { c.list_at_risk(r).await.unwrap_err() }
    };
    let e = bad(pb::ListAtRiskRequest {
        segments: vec!["Nobody".into()],
        ..Default::default()
    })
    .await;
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("segments:"), "{}", e.message());
    let e = bad(pb::ListAtRiskRequest {
        page_size: 1_000_000,
        ..Default::default()
    })
    .await;
    assert!(e.message().starts_with("page_size:"), "{}", e.message());
    let e = bad(pb::ListAtRiskRequest {
        page_token: "garbage".into(),
        ..Default::default()
    })
    .await;
    assert!(e.message().starts_with("page_token:"), "{}", e.message());
    // A token with other filters is refused.
    let e = bad(pb::ListAtRiskRequest {
        page_token: first_token.clone(),
        ..Default::default()
    })
    .await;
    assert!(e.message().contains("filters"), "{}", e.message());

    // The file is replaced (atomic rename, as `retain score` writes): the server follows.
    let v1 = version(&mut c).await;
    let newer = dir.path().join("scores-26w.csv");
    score(&models, &newer, "26w");
    std::fs::rename(&newer, &scores).unwrap();
    let mut v2 = v1.clone();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        v2 = version(&mut c).await;
        if v2 != v1 {
            break;
        }
    }
    assert_ne!(v2, v1, "the replaced scores were not loaded");
    let page = c
        .list_at_risk(pb::ListAtRiskRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.scores.unwrap().value_at_risk_column,
        "value_at_risk_26_weeks"
    );
    // A token from before the reload is refused rather than silently misplaced.
    let e = bad(request(first_token)).await;
    assert!(e.message().contains("reloaded"), "{}", e.message());

    // A corrupt replacement is refused; the previous scores keep serving.
    std::fs::write(&scores, "customer_id,risk_tier\nx,high\n").unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(version(&mut c).await, v2);
    let s = c
        .summary(pb::SegmentSummaryRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.all.unwrap().customers, 2357);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_scores_the_service_says_so() {
    let (_dir, models) = models_dir();
    let server = start(&models, &[]);
    let mut c = SegmentsClient::new(channel(&server).await);
    let e = c.summary(pb::SegmentSummaryRequest {}).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("--scores"), "{}", e.message());
}
