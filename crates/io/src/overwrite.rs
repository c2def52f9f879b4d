//! The one check that an output never overwrites an input: every subcommand that writes calls
//! [`refuse_overwrite`] with its input and output flags before it reads or writes anything.
//!
//! Two paths are the same file when their canonical paths are equal (symbolic links resolved;
//! for an output that does not exist yet, its parent directory is canonicalised) or, where both
//! exist, when they have the same device and inode (hard links). An output *directory* (a
//! partitioned score run, `simulate --out`, `report --out`) is refused when it is an input, an
//! input directory, or the directory holding an input file: files written into it could replace
//! that input.

use crate::IoError;
use std::path::{Path, PathBuf};

/// An input or output path with the flag that named it (`--transactions`, `--output`, ...).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// The flag, e.g. `--output`.
    pub flag: &'a str,
    /// The path as given.
    pub path: &'a Path,
}

/// What an output flag names.
#[derive(Debug, Clone, Copy)]
pub enum Output<'a> {
    /// One file.
    File(Named<'a>),
    /// A directory that files are written into.
    Dir(Named<'a>),
}

/// `flag` naming `path`.
pub fn named<'a>(flag: &'a str, path: &'a Path) -> Named<'a> {
    Named { flag, path }
}

/// `flag` naming `path`, if the flag was given.
pub fn optional<'a>(flag: &'a str, path: Option<&'a Path>) -> Option<Named<'a>> {
    path.map(|p| named(flag, p))
}

/// Refuses any output that is, or would overwrite, one of `inputs` (files, directories or
/// glob patterns of partitions). Inputs given as `None` (an absent optional flag) are skipped;
/// `-` (standard input or output) is never a file, and never a directory output.
pub fn refuse_overwrite(
    inputs: &[Option<Named<'_>>],
    outputs: &[Output<'_>],
) -> Result<(), IoError> {
    for output in outputs {
        if let Output::Dir(n) = output
            && crate::format::is_stdout(n.path)
        {
            return Err(IoError::write(
                n.path,
                format!(
                    "{} here names a directory of files, which standard output cannot hold: \
                     give a directory",
                    n.flag
                ),
            ));
        }
    }
    for input in inputs.iter().flatten() {
        if input.path == Path::new("-") {
            continue;
        }
        let input_files = files_of(input.path);
        for output in outputs {
            let (out, is_dir) = match output {
                Output::File(n) => (n, false),
                Output::Dir(n) => (n, true),
            };
            if out.path == Path::new("-") {
                continue;
            }
            let clash = input_files.iter().any(|f| {
                same_file(f, out.path)
                    || (is_dir && f.is_file() && f.parent().is_some_and(|p| same_dir(p, out.path)))
            });
            if clash {
                return Err(IoError::OverwritesInput {
                    output_flag: out.flag.to_string(),
                    output: out.path.to_path_buf(),
                    input_flag: input.flag.to_string(),
                    input: input.path.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// The paths an input names: the path itself, plus, for a directory or a glob pattern, the
/// files in it.
fn files_of(input: &Path) -> Vec<PathBuf> {
    let mut files = vec![input.to_path_buf()];
    if input.to_string_lossy().contains(['*', '?', '[']) || input.is_dir() {
        files.extend(crate::partitions::partitions(input).unwrap_or_default());
    }
    files
}

/// `p` canonicalised; for a path that does not exist, its parent canonicalised joined with its
/// name (so that `dir/../x.csv` and a symlinked directory compare equal).
fn canonical(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Some(c);
    }
    let name = p.file_name()?;
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
    let parent = match parent {
        Some(d) => std::fs::canonicalize(d).ok()?,
        None => std::env::current_dir().ok()?,
    };
    Some(parent.join(name))
}

/// Whether `a` and `b` are one file (or directory): same canonical path or same (device, inode).
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Some(x), Some(y)) = (canonical(a), canonical(b))
        && x == y
    {
        return true;
    }
    same_inode(a, b)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let a = if a.as_os_str().is_empty() {
        Path::new(".")
    } else {
        a
    };
    same_file(a, b)
}

#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &Path, output: Output<'_>) -> Result<(), IoError> {
        refuse_overwrite(&[Some(named("--transactions", input))], &[output])
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_through_any_link() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("log.csv");
        std::fs::write(&input, "x").unwrap();
        let e = check(&input, Output::File(named("--output", &input))).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--output") && text.contains("--transactions"),
            "{text}"
        );
        let dotted = dir.path().join("sub/../log.csv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(check(&input, Output::File(named("--output", &dotted))).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(check(&input, Output::File(named("--output", &link))).is_err());
        }
        let hard = dir.path().join("hard.csv");
        std::fs::hard_link(&input, &hard).unwrap();
        assert!(check(&input, Output::File(named("--output", &hard))).is_err());
        let other = dir.path().join("scores.csv");
        check(&input, Output::File(named("--output", &other))).unwrap();
        // Standard output is never an input.
        check(&input, Output::File(named("--output", Path::new("-")))).unwrap();
    }

    #[test]
    fn an_output_directory_holding_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join("base");
        std::fs::create_dir(&parts).unwrap();
        std::fs::write(parts.join("part-1.csv"), "x").unwrap();
        // The partition directory itself, as a directory or through a glob.
        assert!(check(&parts, Output::Dir(named("--output", &parts))).is_err());
        let glob = parts.join("*.csv");
        assert!(check(&glob, Output::Dir(named("--output", &parts))).is_err());
        // A single input file inside the output directory.
        let file = parts.join("part-1.csv");
        assert!(check(&file, Output::Dir(named("--output", &parts))).is_err());
        // A file output named like a partition of the input directory.
        assert!(check(&parts, Output::File(named("--output", &file))).is_err());
        let elsewhere = dir.path().join("scores");
        check(&parts, Output::Dir(named("--output", &elsewhere))).unwrap();
        // Absent optional inputs are skipped.
        refuse_overwrite(&[None], &[Output::Dir(named("--output", &parts))]).unwrap();
    }
}
