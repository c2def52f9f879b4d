//! The one way `retain` writes a file that must never be seen half-written: a temporary file
//! beside the target (same directory, so the rename cannot cross file systems), flushed to disk,
//! renamed over the target, and the directory flushed so the rename itself survives a crash.
//! A temporary file that was not committed is removed when its [`AtomicFile`] is dropped, and
//! only ever that one: names carry the process id and a per-process counter, so concurrent
//! writers (threads or processes) never touch each other's temporaries.

use crate::IoError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Per-process sequence number of temporary files.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A file being written under a temporary name until [`AtomicFile::commit`].
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

/// `dir/x.csv` → `dir/.x.csv.<pid>.<n>.tmp`.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Whether the file name `name` is a temporary this module made in this process, so that a
/// clean-up of stale temporaries can spare every other run's.
pub fn is_own_temporary(name: &str) -> bool {
    let own = format!(".{}.", std::process::id());
    name.starts_with('.') && name.ends_with(".tmp") && name.contains(&own)
}

impl AtomicFile {
    /// Creates the parent directory if needed and opens the temporary file.
    pub fn create(path: &Path) -> Result<AtomicFile, IoError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| IoError::write(path, e))?;
        }
        let tmp = temporary_name(path);
        let file = File::create(&tmp).map_err(|e| IoError::write(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary path being written.
    pub fn temporary_path(&self) -> &Path {
        &self.tmp
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        // Safe: `file` is only taken by `commit`, which consumes `self`.
        self.file
            .as_mut()
            .expect("an uncommitted AtomicFile holds its file")
    }

    /// A second handle on the temporary file (for a writer that owns its own handle).
    pub fn try_clone_file(&self) -> Result<File, IoError> {
        match &self.file {
            Some(f) => f.try_clone().map_err(|e| IoError::write(&self.path, e)),
            None => Err(IoError::write(&self.path, "already committed")),
        }
    }

    /// Flushes the temporary file to disk, renames it over the target and flushes the
    /// directory entry.
    pub fn commit(mut self) -> Result<(), IoError> {
        let file = self.file.take();
        if let Some(f) = &file {
            f.sync_all().map_err(|e| IoError::write(&self.path, e))?;
        }
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| IoError::write(&self.path, e))?;
        sync_parent(&self.path);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Committed files were renamed away (the remove then fails harmlessly); anything else
        // is a partial write of ours.
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Flushes a directory entry change (a rename) to disk. Best effort: some file systems refuse
/// to open a directory for syncing, and the data itself is already on disk.
fn sync_parent(path: &Path) {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    use std::io::Write;
    let mut f = AtomicFile::create(path)?;
    f.file()
        .write_all(bytes)
        .map_err(|e| IoError::write(path, e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_file_replaces_the_target_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/model.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_dropped_file_leaves_the_target_untouched_and_removes_only_its_temporary() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "old").unwrap();
        // Another run's temporary for the same target must survive.
        let other = dir.path().join(".x.csv.1.0.tmp");
        std::fs::write(&other, "theirs").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.file().write_all(b"half").unwrap();
        let tmp = f.temporary_path().to_path_buf();
        assert!(tmp.exists());
        assert!(is_own_temporary(
            &tmp.file_name().unwrap().to_string_lossy()
        ));
        drop(f);
        assert!(!tmp.exists());
        assert!(other.exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    }

    #[test]
    fn two_writers_of_one_target_get_different_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let a = AtomicFile::create(&path).unwrap();
        let b = AtomicFile::create(&path).unwrap();
        assert_ne!(a.temporary_path(), b.temporary_path());
    }
}
