//! What every RPC goes through before and after its work: bearer-token check, the concurrency
//! limit, the caller's deadline, and the request metrics.

use super::status::ApiError;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::metadata::MetadataMap;
use tonic::{Code, Status};

/// Which RPCs need the bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthScope {
    /// Every RPC (health and reflection excepted).
    All,
    /// Only admin RPCs (ReloadModels).
    Admin,
}

/// Shared per-server guard.
pub struct Guard {
    token: Option<String>,
    scope: AuthScope,
    permits: Arc<Semaphore>,
    limit: usize,
}

/// An admitted request: holds its concurrency permit and times itself.
pub struct Admitted {
    _permit: OwnedSemaphorePermit,
    rpc: &'static str,
    started: Instant,
    deadline: Option<Instant>,
}

/// When the caller gives up (None: never).
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// DEADLINE_EXCEEDED once the deadline has passed.
    pub fn check(self) -> Result<(), ApiError> {
        match self.0 {
            Some(d) if Instant::now() >= d => Err(ApiError::DeadlinePassed),
            _ => Ok(()),
        }
    }
}

/// The caller's deadline from the `grpc-timeout` header (`<digits><H|M|S|m|u|n>`).
pub fn deadline_of(md: &MetadataMap) -> Option<Instant> {
    let v = md.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    let d = match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    };
    Instant::now().checked_add(d)
}

impl Guard {
    /// A guard with an optional token and a limit on requests in flight.
    pub fn new(token: Option<String>, scope: AuthScope, max_concurrent: usize) -> Self {
        Guard {
            token,
            scope,
            permits: Arc::new(Semaphore::new(max_concurrent)),
            limit: max_concurrent,
        }
    }

    /// Checks the token (for admin RPCs whenever one is set), takes a concurrency permit
    /// (RESOURCE_EXHAUSTED when none is free: callers should back off rather than queue), and
    /// notes the deadline.
    pub fn admit(
        &self,
        rpc: &'static str,
        md: &MetadataMap,
        admin: bool,
    ) -> Result<Admitted, Status> {
        let started = Instant::now();
        let result = self.check(md, admin).and_then(|()| {
            self.permits
                .clone()
                .try_acquire_owned()
                .map_err(|_| ApiError::Busy { limit: self.limit })
        });
        match result {
            Ok(permit) => {
                let a = Admitted {
                    _permit: permit,
                    rpc,
                    started,
                    deadline: deadline_of(md),
                };
                a.check_deadline()?;
                Ok(a)
            }
            Err(e) => {
                let s = Status::from(e);
                record(rpc, s.code(), started);
                Err(s)
            }
        }
    }

    /// Whether the call carries the admin credentials: a token is configured and sent.
    pub fn is_admin(&self, md: &MetadataMap) -> bool {
        self.token.is_some() && self.check(md, true).is_ok()
    }

    fn check(&self, md: &MetadataMap, admin: bool) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Ok(());
        };
        if !admin && self.scope == AuthScope::Admin {
            return Ok(());
        }
        let header = md.get("authorization");
        match header.and_then(|v| v.to_str().ok()).and_then(bearer) {
            Some(g) if constant_time_eq(g.as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(ApiError::Unauthenticated {
                sent: header.is_some(),
            }),
        }
    }
}

/// The credentials of an `authorization` value of the Bearer scheme, whose name is
/// case-insensitive (RFC 9110 §11.1), after one or more spaces.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start_matches(' '))
}

/// Token comparison whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Admitted {
    /// DEADLINE_EXCEEDED once the caller's deadline has passed (checked before each unit of
    /// work, so no work is done for a caller who has given up).
    pub fn check_deadline(&self) -> Result<(), ApiError> {
        self.deadline().check()
    }

    /// The caller's deadline, to check from work that runs apart from the request.
    pub fn deadline(&self) -> Deadline {
        Deadline(self.deadline)
    }

    /// Records the outcome in the metrics and turns a refusal into its status.
    pub fn finish<T, E: Into<Status>>(self, result: Result<T, E>) -> Result<T, Status> {
        let result = result.map_err(Into::into);
        let code = match &result {
            Ok(_) => Code::Ok,
            Err(s) => s.code(),
        };
        record(self.rpc, code, self.started);
        result
    }
}

fn record(rpc: &'static str, code: Code, started: Instant) {
    metrics::counter!("retain_requests_total", "rpc" => rpc, "code" => format!("{code:?}"))
        .increment(1);
    metrics::histogram!("retain_request_duration_seconds", "rpc" => rpc)
        .record(started.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grpc_timeouts() {
        let mut md = MetadataMap::new();
        md.insert("grpc-timeout", "250m".parse().unwrap());
        let d = deadline_of(&md).unwrap();
        let left = d - Instant::now();
        assert!(left <= Duration::from_millis(250) && left > Duration::from_millis(200));
        md.insert("grpc-timeout", "x".parse().unwrap());
        assert!(deadline_of(&md).is_none());
    }

    // End to end, tonic's client enforces a `grpc-timeout` itself (CANCELLED, "Timeout
    // expired") and races the server, so the server's own check is tested here.
    #[test]
    fn a_passed_deadline_is_deadline_exceeded() {
        let g = Guard::new(None, AuthScope::All, 4);
        let mut md = MetadataMap::new();
        md.insert("grpc-timeout", "1n".parse().unwrap());
        std::thread::sleep(Duration::from_millis(1));
        let e = match g.admit("Score", &md, false) {
            Err(e) => e,
            Ok(_) => panic!("admitted after the deadline"),
        };
        assert_eq!(e.code(), Code::DeadlineExceeded);
        md.insert("grpc-timeout", "10S".parse().unwrap());
        let a = g.admit("Score", &md, false).unwrap();
        assert!(a.check_deadline().is_ok());
    }

    #[test]
    fn the_concurrency_limit_refuses_instead_of_queueing() {
        let g = Guard::new(None, AuthScope::All, 1);
        let md = MetadataMap::new();
        let first = g.admit("Score", &md, false).unwrap();
        let e = match g.admit("Score", &md, false) {
            Err(e) => e,
            Ok(_) => panic!("admitted over the limit"),
        };
        assert_eq!(e.code(), Code::ResourceExhausted);
        drop(first);
        assert!(g.admit("Score", &md, false).is_ok());
    }

    #[test]
    fn tokens_are_checked_by_scope() {
        let g = Guard::new(Some("s3cret".into()), AuthScope::Admin, 4);
        let empty = MetadataMap::new();
        assert!(g.check(&empty, false).is_ok());
        assert_eq!(
            g.check(&empty, true).unwrap_err(),
            ApiError::Unauthenticated { sent: false }
        );
        let mut md = MetadataMap::new();
        md.insert("authorization", "Bearer s3cret".parse().unwrap());
        assert!(g.check(&md, true).is_ok());
        md.insert("authorization", "bearer  s3cret".parse().unwrap());
        assert!(g.check(&md, true).is_ok(), "the scheme is case-insensitive");
        md.insert("authorization", "Bearer s3cre".parse().unwrap());
        assert_eq!(
            g.check(&md, true).unwrap_err(),
            ApiError::Unauthenticated { sent: true }
        );
        md.insert("authorization", "Basic s3cret".parse().unwrap());
        assert!(g.check(&md, true).is_err());
        let all = Guard::new(Some("s3cret".into()), AuthScope::All, 4);
        assert!(all.check(&empty, false).is_err());
        md.insert("authorization", "Bearer s3cret".parse().unwrap());
        assert!(g.is_admin(&md) && !g.is_admin(&empty));
        assert!(!Guard::new(None, AuthScope::All, 4).is_admin(&md));
    }
}
