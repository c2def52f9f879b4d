//! Subscription CLV from a per-period churn probability (being written).
