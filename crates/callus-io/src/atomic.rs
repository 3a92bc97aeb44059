//! Atomic writes: every file is written to a temporary name beside its place and renamed there
//! once complete, so an interrupted run never leaves a half-written file.

use std::io::Write;
use std::path::Path;

use crate::error::{file, IoError};

/// A temporary file beside `path` (same folder, hidden name ending `.tmp`), to be renamed onto
/// `path` once complete; readable by all like a file created normally (0644 on Unix), not 0600.
pub fn temporary_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    let prefix = format!(
        ".{}.",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
    );
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    builder.tempfile_in(dir)
}

/// Whether `name` is that of a temporary file of [`temporary_beside`] (hidden, ending `.tmp`).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Deletes the temporary files a killed process left in `dir` (not in its sub-folders); a folder
/// that does not exist has none.
pub fn remove_temporaries(dir: &Path) -> Result<(), IoError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry.map_err(file(dir))?.path();
        if path.is_file()
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_temporary)
        {
            std::fs::remove_file(&path).map_err(file(&path))?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let mut tmp = temporary_beside(path).map_err(file(path))?;
    tmp.write_all(bytes).map_err(file(path))?;
    tmp.as_file().sync_all().map_err(file(path))?;
    tmp.persist(path).map_err(|e| file(path)(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: a write lands whole under its name, readable by all, with nothing left beside it;
    /// the temporary files a killed write leaves are cleared (and nothing else); a folder that
    /// does not exist is an error naming the file.
    #[test]
    fn a_file_appears_whole_and_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.csv");
        write_atomically(&path, b"day\n0\n").unwrap();
        write_atomically(&path, b"day\n0\n1\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"day\n0\n1\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["history.csv"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        std::fs::write(dir.path().join(".history.csv.x1.tmp"), b"day\n0").unwrap();
        std::fs::write(dir.path().join(".hidden"), b"").unwrap();
        remove_temporaries(dir.path()).unwrap();
        remove_temporaries(&dir.path().join("absent")).unwrap();
        std::fs::remove_file(dir.path().join(".hidden")).unwrap(); // kept: not a temporary
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["history.csv"]);
        let missing = dir.path().join("no/such/folder/x.csv");
        let e = write_atomically(&missing, b"").unwrap_err().to_string();
        assert!(e.contains("no/such/folder/x.csv"), "{e}");
    }
}
