//! Atomic output: write to a temporary file beside the target, flush it to disk, then rename.
//!
//! An interrupted run never leaves a half-written file under the final name, and never destroys
//! an older complete file (the rename replaces it only once the new one is whole).

use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Creates `dir` (and its parents) for output.
pub fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })
}

/// The temporary file beside `path` that an atomic write fills before renaming it into place.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `path` atomically with the content produced by `fill`.
pub fn write_atomic<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
{
    let tmp = temp_path(path);
    let werr = |source: std::io::Error| Error::Write {
        path: path.to_owned(),
        source,
    };
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        w.flush()?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(werr)
}

/// Writes any serialisable value as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// A multi-file output directory, staged: files are written into a temporary directory
/// beside the target and moved into it only by [`OutputDir::commit`]. A run that fails (or is
/// interrupted) before the commit leaves the target as it was — no mixture of old and new
/// files; the staging directory is removed when the value is dropped.
///
/// Commit moves each staged entry into the target with one rename (the target is created if
/// needed; existing files of the same names are replaced, others are kept).
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    stage: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Starts staging output for `target`.
    pub fn stage(target: &Path) -> Result<Self> {
        let stage = temp_path(target);
        if stage.exists() {
            fs::remove_dir_all(&stage).map_err(|source| Error::Write {
                path: stage.clone(),
                source,
            })?;
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_dir(parent)?;
        }
        create_dir(&stage)?;
        Ok(OutputDir {
            target: target.to_owned(),
            stage,
            committed: false,
        })
    }

    /// Where a file named `name` is written before the commit.
    pub fn path(&self, name: &str) -> PathBuf {
        self.stage.join(name)
    }

    /// The staging directory itself (for writers that take a directory).
    pub fn staged(&self) -> &Path {
        &self.stage
    }

    /// The final directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves every staged entry into the target directory.
    pub fn commit(mut self) -> Result<()> {
        let werr = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Write { path, source }
        };
        create_dir(&self.target)?;
        let entries = fs::read_dir(&self.stage).map_err(werr(&self.stage))?;
        let mut names: Vec<_> = entries
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()
            .map_err(werr(&self.stage))?;
        names.sort();
        for name in names {
            let to = self.target.join(&name);
            if to.is_dir() {
                fs::remove_dir_all(&to).map_err(werr(&to))?;
            }
            fs::rename(self.stage.join(&name), &to).map_err(werr(&to))?;
        }
        fs::remove_dir(&self.stage).map_err(werr(&self.stage))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.stage);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_keeps_old_file_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("sb-atomic-{}", std::process::id()));
        create_dir(&dir).unwrap();
        let p = dir.join("a.txt");
        write_atomic(&p, |w| w.write_all(b"old")).unwrap();
        let r = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("interrupted"))
        });
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn staged_directory_replaces_files_only_on_commit() {
        let dir = std::env::temp_dir().join(format!("sb-stage-{}", std::process::id()));
        let target = dir.join("out");
        create_dir(&target).unwrap();
        fs::write(target.join("a.json"), "old a").unwrap();
        fs::write(target.join("b.json"), "old b").unwrap();
        // a failed run: nothing reaches the target, the stage is gone
        {
            let out = OutputDir::stage(&target).unwrap();
            fs::write(out.path("a.json"), "new a").unwrap();
        }
        assert_eq!(fs::read_to_string(target.join("a.json")).unwrap(), "old a");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        // a complete run: new files replace old ones of the same name
        let out = OutputDir::stage(&target).unwrap();
        fs::write(out.path("a.json"), "new a").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.json")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(target.join("b.json")).unwrap(), "old b");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
