//! Interoperability with clients the team did not write (being written).
