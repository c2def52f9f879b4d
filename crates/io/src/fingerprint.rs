//! The one content hash of `retain`: SHA-256, written `sha256:<64 hex digits>`. Input files of
//! partitioned runs, training data and model versions all use it; a model version is its first
//! [`SHORT`] hex digits.

use crate::IoError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Hex digits of a short form (model versions).
pub const SHORT: usize = 12;

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(digest.len() * 2);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `sha256:<hex>` of a file's bytes, read in 1 MiB blocks.
pub fn of_file(path: &Path) -> Result<String, IoError> {
    let err = |e: std::io::Error| IoError::read(path, e);
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("sha256:{}", hex(&hasher.finalize())))
}

/// `sha256:<hex>` of bytes in memory.
pub fn of_bytes(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// The first [`SHORT`] hex digits of the SHA-256 of `bytes` (a model version).
pub fn short_of_bytes(bytes: &[u8]) -> String {
    let mut h = hex(&Sha256::digest(bytes));
    h.truncate(SHORT);
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_bytes_agree_and_short_is_a_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, "customer_id,date\n1,2020-01-01\n").unwrap();
        let f = of_file(&p).unwrap();
        assert_eq!(f, of_bytes(b"customer_id,date\n1,2020-01-01\n"));
        assert_eq!(f.len(), "sha256:".len() + 64);
        let s = short_of_bytes(b"customer_id,date\n1,2020-01-01\n");
        assert_eq!(s.len(), SHORT);
        assert!(f.starts_with(&format!("sha256:{s}")));
        // Known value: SHA-256 of the empty string.
        assert_eq!(
            of_bytes(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(of_file(&dir.path().join("missing")).is_err());
    }
}
