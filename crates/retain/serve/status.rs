//! The one mapping from what can go wrong in a request to a gRPC status.
//!
//! Every refusal of the server is an [`ApiError`]; [`From<ApiError> for Status`] is the only
//! place that picks a code, and its `match` has no wildcard, so a new kind of failure must be
//! given its code here. (A `From<ScoreError> for Status` cannot be written in this crate: both
//! types are foreign. Domain errors enter through `From<OnlineError>`.)

use retain_score::online::OnlineError;
use tonic::{Code, Status};

/// Why a request was refused or failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// A request field is wrong: INVALID_ARGUMENT naming it.
    Invalid {
        /// The field, e.g. `summary.t_x` or `requests[3].horizon.value`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The named model is not loaded: NOT_FOUND on `field` (`model` or `name`).
    ModelNotLoaded {
        /// The request field that named it.
        field: &'static str,
        /// The name asked for (empty: the default).
        name: String,
        /// Names of the loaded models.
        loaded: Vec<String>,
    },
    /// A batch larger than `--max-batch`: RESOURCE_EXHAUSTED.
    BatchTooLarge {
        /// Customers in the batch.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The server was started without `--scores`: FAILED_PRECONDITION.
    NoScoreSource,
    /// `--scores` is set but nothing is loaded yet: UNAVAILABLE.
    ScoresNotLoaded,
    /// No or a wrong bearer token: UNAUTHENTICATED.
    Unauthenticated {
        /// Whether a token was sent at all.
        sent: bool,
    },
    /// Every concurrency permit is taken: RESOURCE_EXHAUSTED (callers back off).
    Busy {
        /// `--max-concurrent`.
        limit: usize,
    },
    /// The caller's deadline passed before the work was done: DEADLINE_EXCEEDED.
    DeadlinePassed,
    /// Something failed inside: INTERNAL. The detail is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// The same error about the `i`-th request of a batch (`requests[i].` before the field).
    pub fn in_batch(self, i: usize) -> ApiError {
        match self {
            ApiError::Invalid { field, message } => ApiError::Invalid {
                field: format!("requests[{i}].{field}"),
                message,
            },
            other => other,
        }
    }

    /// The request field at fault, if one is (cut as in messages).
    pub fn field(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ApiError::Invalid { field, .. } => cut(field, FIELD_CHARS),
            ApiError::ModelNotLoaded { field, .. } => (*field).into(),
            ApiError::BatchTooLarge { .. } => "requests".into(),
            ApiError::NoScoreSource
            | ApiError::ScoresNotLoaded
            | ApiError::Unauthenticated { .. }
            | ApiError::Busy { .. }
            | ApiError::DeadlinePassed
            | ApiError::Internal(_) => "".into(),
        }
    }

    /// The status code and the text the caller sees. Values that come from the request are
    /// cut to [`ECHO_CHARS`] characters and the whole text to [`MESSAGE_CHARS`], so a huge
    /// input cannot turn the status into RESOURCE_EXHAUSTED (gRPC metadata is limited to a
    /// few KB).
    pub fn code_and_message(&self) -> (Code, String) {
        match self {
            ApiError::Invalid { field, message } => (
                Code::InvalidArgument,
                cut(
                    &format!("{}: {message}", cut(field, FIELD_CHARS)),
                    MESSAGE_CHARS,
                )
                .into_owned(),
            ),
            ApiError::ModelNotLoaded {
                field,
                name,
                loaded,
            } => {
                let what = if name.is_empty() {
                    "no default model is loaded".to_string()
                } else {
                    format!("model {:?} is not loaded", cut(name, ECHO_CHARS))
                };
                let loaded = if loaded.is_empty() {
                    "none".to_string()
                } else {
                    loaded.join(", ")
                };
                let text = format!("{field}: {what} (loaded: {loaded})");
                (Code::NotFound, cut(&text, MESSAGE_CHARS).into_owned())
            }
            ApiError::BatchTooLarge { size, limit } => (
                Code::ResourceExhausted,
                format!(
                    "requests: {size} customers in one batch; the limit is {limit} (split it, or use ScoreStream)"
                ),
            ),
            ApiError::NoScoreSource => (
                Code::FailedPrecondition,
                "the server was started without --scores".into(),
            ),
            ApiError::ScoresNotLoaded => (Code::Unavailable, "no scores loaded".into()),
            ApiError::Unauthenticated { sent: true } => {
                (Code::Unauthenticated, "invalid bearer token".into())
            }
            ApiError::Unauthenticated { sent: false } => (
                Code::Unauthenticated,
                "this RPC needs an `authorization: Bearer <token>` header".into(),
            ),
            ApiError::Busy { limit } => (
                Code::ResourceExhausted,
                format!("too many requests in flight (limit {limit}); retry with backoff"),
            ),
            ApiError::DeadlinePassed => (
                Code::DeadlineExceeded,
                "the deadline passed before the work was done".into(),
            ),
            ApiError::Internal(_) => (Code::Internal, "internal error while scoring".into()),
        }
    }
}

/// Most characters of a request value echoed in an error (then "…").
pub const ECHO_CHARS: usize = 64;
/// Most characters of a field path in an error (a feature name is a request value).
const FIELD_CHARS: usize = ECHO_CHARS + 32;
/// Most characters of an error message.
pub const MESSAGE_CHARS: usize = 512;

/// `text` cut to `max` characters, "…" marking a cut.
fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

impl From<OnlineError> for ApiError {
    fn from(e: OnlineError) -> Self {
        match e {
            OnlineError::Invalid { field, message } => ApiError::Invalid { field, message },
            OnlineError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        if let ApiError::Internal(detail) = &e {
            // The detail stays in the server's log; the caller learns only that it failed.
            tracing::error!(%detail, "request failed inside the server");
        }
        let (code, message) = e.code_and_message();
        Status::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_the_field_and_internal_details_stay_inside() {
        let e = ApiError::from(OnlineError::Invalid {
            field: "summary.t_x".into(),
            message: "must be finite".into(),
        })
        .in_batch(3);
        assert_eq!(e.field(), "requests[3].summary.t_x");
        let s = Status::from(e);
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(s.message(), "requests[3].summary.t_x: must be finite");
        let s = Status::from(ApiError::Internal("secret path /x".into()));
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("secret"));
        let s = Status::from(ApiError::ModelNotLoaded {
            field: "model",
            name: "nope".into(),
            loaded: vec!["a".into(), "b".into()],
        });
        assert_eq!(s.code(), Code::NotFound);
        assert!(s.message().starts_with("model: ") && s.message().ends_with("(loaded: a, b)"));
    }

    #[test]
    fn echoed_values_are_cut() {
        let huge = "é".repeat(20_000);
        let s = Status::from(ApiError::ModelNotLoaded {
            field: "model",
            name: huge.clone(),
            loaded: vec!["cdnow".into()],
        });
        assert_eq!(s.code(), Code::NotFound);
        assert!(
            s.message()
                .contains(&format!("{}…", "é".repeat(ECHO_CHARS)))
        );
        assert!(s.message().chars().count() < 200, "{}", s.message());
        let s = Status::from(ApiError::Invalid {
            field: format!("features.{huge}"),
            message: huge,
        });
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().chars().count() <= MESSAGE_CHARS + 1);
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "abc…");
    }
}
