//! The server's live drift gauges end to end: `retain serve --metrics-addr … --drift-window N`
//! as a process (the metrics recorder is process-wide), Score requests, then a scrape of
//! `/metrics`.

use super::serve::pb::scoring_client::ScoringClient;
use super::serve::{channel_to, models_dir, request, start_process, summary};
use super::{err, retain};
use std::time::Duration;

/// The `/metrics` text once it mentions `needle` (retried while the exporter starts).
fn scrape(addr: String, needle: &'static str) -> String {
    use std::io::{Read, Write};
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            last.clear();
            s.read_to_string(&mut last).unwrap();
            if last.contains(needle) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    last
}

/// The value of the sample line that starts with `series` (name and labels).
fn value(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(series).map(str::trim))
        .unwrap_or_else(|| panic!("no {series} in\n{body}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn served_scores_feed_the_churn_histogram_psi_and_a_bounded_window() {
    let (_dir, models) = models_dir();
    let metrics_addr = format!(
        "127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let server = start_process(
        &models,
        &["--metrics-addr", &metrics_addr, "--drift-window", "4"],
    );
    let mut c = ScoringClient::new(channel_to(&server.addr).await);
    // Six customers, from a loyal repeat buyer to a one-time buyer long gone.
    let customers = [
        (10, 50.0, 52.0),
        (5, 40.0, 52.0),
        (2, 10.0, 30.0),
        (1, 2.0, 40.0),
        (0, 0.0, 52.0),
        (3, 5.0, 60.0),
    ];
    let mut served = Vec::new();
    for (x, t_x, t) in customers {
        let s = c
            .score(request("cdnow", summary(x, t_x, t)))
            .await
            .unwrap()
            .into_inner();
        served.push(s.churn_probability);
    }
    let body =
        tokio::task::spawn_blocking(move || scrape(metrics_addr, "retain_served_churn_window"))
            .await
            .unwrap();
    let m = r#"{model="cdnow"}"#;
    // The histogram counts every served score and sums their churn probabilities.
    assert_eq!(
        value(&body, &format!("retain_served_churn_probability_count{m}")),
        6.0
    );
    let sum = value(&body, &format!("retain_served_churn_probability_sum{m}"));
    assert!(
        (sum - served.iter().sum::<f64>()).abs() < 1e-9,
        "{sum} vs {served:?}"
    );
    assert!(
        body.contains(r#"retain_served_churn_probability_bucket{model="cdnow",le="0.5"}"#),
        "{body}"
    );
    // The window holds the latest 4 of the 6 scores (--drift-window 4).
    assert_eq!(value(&body, &format!("retain_served_churn_window{m}")), 4.0);
    // Four scores against CDNOW's reference deciles: a PSI, finite and non-negative (with
    // most bins empty it is large, as it should be for so few scores).
    let psi = value(&body, &format!("retain_served_churn_psi{m}"));
    assert!(psi.is_finite() && psi >= 0.0, "{psi}");
}

#[test]
fn a_drift_window_outside_its_bounds_is_refused() {
    let (_dir, models) = models_dir();
    for bad in ["0", "10000001", "many"] {
        let e = err(&retain(&[
            "serve",
            "--models",
            models.to_str().unwrap(),
            "--drift-window",
            bad,
        ]));
        assert!(e.contains("--drift-window"), "{bad}: {e}");
    }
}
