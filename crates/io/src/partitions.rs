//! Which files make up a partitioned input (a file, a directory or a glob), and the output name
//! of each partition.

use crate::IoError;
use std::path::{Path, PathBuf};

/// The partitions named by `input`: the file itself; every `.csv`, `.txt`, `.tsv` or
/// `.parquet` file of a directory (not hidden or `_`-prefixed ones); or the files a glob
/// pattern matches. Sorted by path.
pub fn partitions(input: &Path) -> Result<Vec<PathBuf>, IoError> {
    let text = input.to_string_lossy();
    let mut files: Vec<PathBuf> = if text.contains(['*', '?', '[']) {
        glob::glob(&text)
            .map_err(|e| IoError::Pattern {
                pattern: text.to_string(),
                reason: e.to_string(),
            })?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect()
    } else if input.is_dir() {
        std::fs::read_dir(input)
            .map_err(|e| IoError::read(input, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && is_partition_name(p))
            .collect()
    } else {
        vec![input.to_path_buf()]
    };
    files.sort();
    if files.is_empty() {
        return Err(IoError::NoPartitions {
            input: text.to_string(),
        });
    }
    Ok(files)
}

fn is_partition_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    !name.starts_with(['.', '_']) && matches!(ext.as_str(), "csv" | "txt" | "tsv" | "parquet")
}

/// The output file name for a partition: its stem with `extension`.
pub fn output_name(input: &Path, extension: &str) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "part".into());
    format!("{stem}.{extension}")
}

/// The output file name of every partition ([`output_name`]), in order; two partitions mapping
/// to one name (`part-1.csv` and `part-1.parquet`) are refused, naming both, before anything
/// is processed.
pub fn output_names(inputs: &[PathBuf], extension: &str) -> Result<Vec<String>, IoError> {
    let mut seen: std::collections::HashMap<String, &PathBuf> = Default::default();
    let mut names = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = output_name(input, extension);
        if let Some(first) = seen.insert(name.clone(), input) {
            return Err(IoError::PartitionClash {
                first: first.clone(),
                second: input.clone(),
                output: name,
            });
        }
        names.push(name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_listed_sorted_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.csv",
            "a.parquet",
            ".a.csv.tmp",
            "_manifest.json",
            "notes.md",
            "c.txt",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
                .collect()
        };
        assert_eq!(
            names(partitions(dir.path()).unwrap()),
            ["a.parquet", "b.csv", "c.txt"]
        );
        let pattern = dir.path().join("*.csv");
        assert_eq!(names(partitions(&pattern).unwrap()), ["b.csv"]);
        let empty = tempfile::tempdir().unwrap();
        assert!(partitions(empty.path()).is_err());
        assert_eq!(
            output_name(Path::new("x/part-00001.csv"), "parquet"),
            "part-00001.parquet"
        );
    }

    #[test]
    fn partitions_with_one_stem_are_refused_naming_both() {
        let inputs = [
            PathBuf::from("d/part-1.csv"),
            PathBuf::from("d/part-1.parquet"),
        ];
        let e = output_names(&inputs, "csv").unwrap_err().to_string();
        assert!(
            e.contains("d/part-1.csv")
                && e.contains("d/part-1.parquet")
                && e.contains("rename one"),
            "{e}"
        );
        let fine = [PathBuf::from("d/part-1.csv"), PathBuf::from("d/part-2.csv")];
        assert_eq!(
            output_names(&fine, "parquet").unwrap(),
            ["part-1.parquet", "part-2.parquet"]
        );
    }
}
