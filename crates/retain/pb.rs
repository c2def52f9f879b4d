//! Protobuf messages and gRPC stubs of `proto/retain/v1`, generated at build time.
//!
//! The scoring server that serves them is the subject of the server issue; until it lands the
//! generated items are only compiled (and checked against the proto), hence the `dead_code`
//! allowance.
#![allow(dead_code, clippy::all, missing_docs)]

/// `retain.v1`.
pub mod v1 {
    tonic::include_proto!("retain.v1");
}

/// Encoded file descriptor set of every compiled proto, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/retain_descriptor.bin"));
