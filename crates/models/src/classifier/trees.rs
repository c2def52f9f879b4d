//! Histogram trees (being written).
