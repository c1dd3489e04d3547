//! Files only the user may read: unsent replies, the moderation trail, logs and keys. Every
//! directory modterm creates is 0700 and every file 0600, whatever the umask.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) if needed, and makes it 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Makes an existing file 0600 (files created before modterm cared).
fn tighten(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let _ = path;
    Ok(())
}

/// Opens a file for appending, created 0600 in a 0700 directory.
pub fn append_private(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let file = options().create(true).append(true).open(path)?;
    tighten(path)?;
    Ok(file)
}

/// Writes a whole file through a temporary file and a rename, so readers see the old or the
/// new content and never half of one. The file is 0600.
pub fn write_private_atomic(path: &Path, body: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    {
        let mut f = options()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(body)?;
        f.sync_all()?;
    }
    tighten(&tmp)?;
    std::fs::rename(&tmp, path)
}

/// Whether others than the owner may read the file (a key file that is, gets a warning).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o077 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        let file = dir.join("audit.log");
        let mut f = append_private(&file).unwrap();
        writeln!(f, "x").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        let other = dir.join("draft.json");
        write_private_atomic(&other, b"{}").unwrap();
        assert_eq!(mode(&other), 0o600);
        // A file made world-readable earlier is tightened on the next write.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(readable_by_others(&file));
        append_private(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(!readable_by_others(&file));
    }
}
