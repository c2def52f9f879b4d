//! Protobuf messages and gRPC stubs of `proto/retain/v1`, generated at build time.
//!
//! Generated code: some client items are unused by the binary (tests use them).
#![allow(dead_code, clippy::all, missing_docs)]

/// `retain.v1`.
pub mod v1 {
    tonic::include_proto!("retain.v1");
}

/// Encoded file descriptor set of every compiled proto, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/retain_descriptor.bin"));
