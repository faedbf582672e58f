//! One daemon per database: an exclusive lock on `<database>.lock`, held for the
//! process's life (the kernel releases it when the process ends, however it ends, so
//! there is no stale lock to clean up). The file holds the holder's pid.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while the daemon runs; dropping it releases the lock.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
    path: PathBuf,
}

impl DatabaseLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("database {database} is in use by another emcd (pid {pid}, which holds {lock}); stop it first, or give this one another storage.path")]
    Held {
        database: PathBuf,
        lock: PathBuf,
        pid: String,
    },
    #[error("cannot lock database {database} through {lock}: {cause}")]
    Io {
        database: PathBuf,
        lock: PathBuf,
        cause: std::io::Error,
    },
}

/// The lock file of `database`: the same path with `.lock` appended.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut p = database.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Takes the lock of `database` or says who holds it. Never waits.
pub fn acquire(database: &Path) -> Result<DatabaseLock, LockError> {
    let lock = lock_path(database);
    let io = |cause| LockError::Io {
        database: database.to_owned(),
        lock: lock.clone(),
        cause,
    };
    if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = match pid.trim() {
                "" => "unknown".to_owned(),
                p => p.to_owned(),
            };
            return Err(LockError::Held {
                database: database.to_owned(),
                lock,
                pid,
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(DatabaseLock {
        _file: file,
        path: lock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_pid_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("emcd.db");
        let first = acquire(&db).unwrap();
        let err = acquire(&db).unwrap_err().to_string();
        assert!(err.contains(&db.display().to_string()), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("emcd.db.lock"), "{err}");
        drop(first);
        acquire(&db).expect("free again once the holder is gone");
    }
}
