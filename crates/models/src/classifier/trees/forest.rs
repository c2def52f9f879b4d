//! forest
