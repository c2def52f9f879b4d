//! `retain`: churn prediction and customer lifetime value, from the command line and over gRPC.
//!
//! The binary (`main.rs`) is a thin shell over this library, so the integration tests can
//! start the gRPC server in-process with [`serve::serve`].
//!
//! # Layout
//! - [`cli`]: one file per subcommand plus the shared data flags.
//! - [`pb`]: the gRPC messages compiled from `proto/` by `build.rs`.
//! - [`serve`]: the gRPC server: `serve(listener, Config, shutdown)` and `retain serve`.

pub mod cli;
pub mod pb;
pub mod serve;
