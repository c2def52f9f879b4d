//! The one place that chooses a file format by extension: `.parquet` / `.pq` is Parquet; for
//! outputs `.csv` is CSV; for inputs anything else is delimited text.

use crate::IoError;
use std::path::Path;

/// The format of a file `retain` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Comma-separated text with a header.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl OutputFormat {
    /// From the file extension (`.csv`, `.parquet`, `.pq`); anything else is refused.
    pub fn from_path(path: &Path) -> Result<Self, IoError> {
        match extension(path).as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("parquet") | Some("pq") => Ok(OutputFormat::Parquet),
            _ => Err(IoError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }

    /// The extension written for this format.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Parquet => "parquet",
        }
    }
}

/// The lower-case extension of `path`.
fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// Whether an input file is read as Parquet (`.parquet`, `.pq`); otherwise it is delimited text.
pub fn is_parquet(path: &Path) -> bool {
    matches!(extension(path).as_deref(), Some("parquet") | Some("pq"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension_case_insensitively() {
        assert_eq!(
            OutputFormat::from_path(Path::new("a/B.CSV")).unwrap(),
            OutputFormat::Csv
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("x.pq")).unwrap(),
            OutputFormat::Parquet
        );
        let e = OutputFormat::from_path(Path::new("x.json")).unwrap_err();
        assert!(e.to_string().contains(".csv or .parquet"), "{e}");
        assert!(is_parquet(Path::new("p.Parquet")));
        assert!(!is_parquet(Path::new("p.txt")));
        assert!(!is_parquet(Path::new("parquet")));
    }
}
