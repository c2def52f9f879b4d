//! The one check that an output never overwrites an input: every subcommand that writes calls
//! [`refuse_overwrite`] with its input and output flags before it reads or writes anything.
//!
//! Two paths are the same file when their canonical paths are equal (symbolic links resolved;
//! for an output that does not exist yet, its parent directory is canonicalised) or, where both
//! exist, when they have the same device and inode (hard links). An output *directory* (a
//! partitioned score run, `simulate --out`, `report --out`) is refused exactly when writing it
//! could replace or mix with an input: when it is an input (file or directory), when it is the
//! directory of a partitioned input's files (a directory or glob input), or when it holds an
//! input file whose name matches one of the names the command writes there (glob patterns such
//! as `part-*.csv`). An input file in it under any other name is left alone and not refused.

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
    /// A directory that files are written into, with the patterns of the names written
    /// (globs matched against file names, e.g. `*.csv`, `report.html`).
    Dir(Named<'a>, &'a [&'a str]),
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
        if let Output::Dir(n, _) = output
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
        let partitioned = input_files.len() > 1 || is_partitioned(input.path);
        for output in outputs {
            let (out, writes) = match output {
                Output::File(n) => (n, None),
                Output::Dir(n, w) => (n, Some(*w)),
            };
            if out.path == Path::new("-") {
                continue;
            }
            let clash = input_files.iter().any(|f| {
                if same_file(f, out.path) {
                    return true;
                }
                let Some(writes) = writes else {
                    return false;
                };
                let in_dir = f.is_file() && f.parent().is_some_and(|p| same_dir(p, out.path));
                in_dir && (partitioned || writes_name(writes, f))
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

/// Whether an input names partitions (a directory or a glob pattern), not one file.
fn is_partitioned(input: &Path) -> bool {
    input.to_string_lossy().contains(['*', '?', '[']) || input.is_dir()
}

/// Whether a file's name matches one of the patterns of names a command writes.
fn writes_name(patterns: &[&str], file: &Path) -> bool {
    let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let options = glob::MatchOptions {
        case_sensitive: false,
        ..glob::MatchOptions::new()
    };
    patterns
        .iter()
        .any(|p| glob::Pattern::new(p).is_ok_and(|p| p.matches_with(name, options)))
}

/// The paths an input names: the path itself, plus, for a directory or a glob pattern, the
/// files in it.
fn files_of(input: &Path) -> Vec<PathBuf> {
    let mut files = vec![input.to_path_buf()];
    if is_partitioned(input) {
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

    const CSV: &[&str] = &["*.csv"];

    #[test]
    fn an_output_directory_holding_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join("base");
        std::fs::create_dir(&parts).unwrap();
        std::fs::write(parts.join("part-1.csv"), "x").unwrap();
        // The partition directory itself, as a directory or through a glob.
        assert!(check(&parts, Output::Dir(named("--output", &parts), CSV)).is_err());
        let glob = parts.join("*.csv");
        assert!(check(&glob, Output::Dir(named("--output", &parts), CSV)).is_err());
        // A single input file inside the output directory, named like what is written there.
        let file = parts.join("part-1.csv");
        assert!(check(&file, Output::Dir(named("--output", &parts), CSV)).is_err());
        // ... but one under a name never written there is safe: the directory may hold it.
        let page = &["report.html", "*.png"];
        check(&file, Output::Dir(named("--out", &parts), page)).unwrap();
        // Through a symlinked directory, the same.
        #[cfg(unix)]
        {
            let link = dir.path().join("linked");
            std::os::unix::fs::symlink(&parts, &link).unwrap();
            assert!(check(&file, Output::Dir(named("--output", &link), CSV)).is_err());
            check(&file, Output::Dir(named("--out", &link), page)).unwrap();
            // A partitioned input's own directory is refused whatever is written there.
            assert!(check(&parts, Output::Dir(named("--out", &link), page)).is_err());
        }
        // The output directory is the input file itself.
        assert!(check(&file, Output::Dir(named("--out", &file), page)).is_err());
        // A file output named like a partition of the input directory.
        assert!(check(&parts, Output::File(named("--output", &file))).is_err());
        let elsewhere = dir.path().join("scores");
        check(&parts, Output::Dir(named("--output", &elsewhere), CSV)).unwrap();
        // Standard output cannot be a directory.
        let e = check(&file, Output::Dir(named("--output", Path::new("-")), CSV)).unwrap_err();
        assert!(e.to_string().contains("standard output"), "{e}");
        // Absent optional inputs are skipped.
        refuse_overwrite(&[None], &[Output::Dir(named("--output", &parts), CSV)]).unwrap();
    }
}
