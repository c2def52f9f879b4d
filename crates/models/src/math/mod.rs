//! The numerical building blocks under the models: special functions, quadrature and small
//! dense linear algebra. Nothing here knows about customers.

pub mod linalg;
pub mod quadrature;
pub mod special;
