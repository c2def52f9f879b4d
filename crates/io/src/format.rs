//! The one place that chooses a file format by extension: `.parquet` / `.pq` is Parquet; for
//! outputs `.csv` is CSV; for inputs anything else is delimited text. An output path of `-`
//! is standard output (CSV unless a format is given explicitly).

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

/// The output path that means standard output.
pub const STDOUT: &str = "-";

/// Whether an output path is `-`, standard output.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new(STDOUT)
}

impl OutputFormat {
    /// From the file extension (`.csv`, `.parquet`, `.pq`); anything else is refused. `-`
    /// (standard output) is CSV.
    pub fn from_path(path: &Path) -> Result<Self, IoError> {
        if is_stdout(path) {
            return Ok(OutputFormat::Csv);
        }
        Self::from_extension(path).ok_or_else(|| IoError::UnknownFormat {
            path: path.to_path_buf(),
        })
    }

    /// The format an output's extension names, if any.
    pub fn from_extension(path: &Path) -> Option<Self> {
        match extension(path).as_deref() {
            Some("csv") => Some(OutputFormat::Csv),
            Some("parquet") | Some("pq") => Some(OutputFormat::Parquet),
            _ => None,
        }
    }

    /// An output's format when a flag may also name one: the extension decides, an explicit
    /// format that contradicts it is refused (`flag` names the format flag in the message);
    /// `-` (standard output) and a path without a format extension take the explicit format,
    /// else `default`.
    pub fn resolve(
        path: &Path,
        explicit: Option<OutputFormat>,
        default: OutputFormat,
        flag: &str,
    ) -> Result<Self, IoError> {
        let by_extension = if is_stdout(path) {
            None
        } else {
            Self::from_extension(path)
        };
        match (by_extension, explicit) {
            (Some(e), Some(x)) if e != x => Err(IoError::write(
                path,
                format!(
                    "{flag} {} contradicts the extension, which says {}: drop {flag} or change \
                     the extension",
                    x.extension(),
                    e.extension()
                ),
            )),
            (Some(e), _) => Ok(e),
            (None, Some(x)) => Ok(x),
            (None, None) => Ok(default),
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
        // Standard output is CSV by default; an explicit format decides where no extension does.
        assert_eq!(
            OutputFormat::from_path(Path::new("-")).unwrap(),
            OutputFormat::Csv
        );
        let csv = OutputFormat::Csv;
        let pq = OutputFormat::Parquet;
        assert_eq!(
            OutputFormat::resolve(Path::new("x.parquet"), None, csv, "--format").unwrap(),
            pq
        );
        assert_eq!(
            OutputFormat::resolve(Path::new("-"), Some(pq), csv, "--format").unwrap(),
            pq
        );
        assert_eq!(
            OutputFormat::resolve(Path::new("dir"), None, csv, "--format").unwrap(),
            csv
        );
        assert_eq!(
            OutputFormat::resolve(Path::new("x.PQ"), Some(pq), csv, "--format").unwrap(),
            pq
        );
        let e =
            OutputFormat::resolve(Path::new("x.parquet"), Some(csv), csv, "--format").unwrap_err();
        assert!(e.to_string().contains("--format csv contradicts"), "{e}");
    }
}
