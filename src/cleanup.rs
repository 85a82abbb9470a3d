//! Private staging directories that must not outlive the process: removed
//! when their guard drops (success or error), when the process is
//! interrupted (SIGINT, SIGTERM, SIGHUP), and, for those a killed process
//! left behind, at the next start.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Exit code after an interrupt (128 + SIGINT, as shells report it).
const INTERRUPTED: i32 = 130;
/// Attempts at removing a directory other threads may still be writing to.
const REMOVE_ATTEMPTS: usize = 20;
/// Pause between those attempts.
const REMOVE_PAUSE: Duration = Duration::from_millis(10);
/// Without `/proc` to tell whether a process lives, a staging directory
/// this old is taken as left behind.
const STALE_AGE: Duration = Duration::from_secs(24 * 3600);

/// Suffix of a staging directory being removed after an interrupt.
const REMOVING_SUFFIX: &str = ".removing";

/// Directories to remove if the process is interrupted.
static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn remove(dir: &Path) {
    for _ in 0..REMOVE_ATTEMPTS {
        match fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => std::thread::sleep(REMOVE_PAUSE),
            _ => return,
        }
    }
}

/// Installs the interrupt handler (once, at start).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        // The lock is held until the process exits: a staging directory
        // being dropped, or files being moved into place, wait for it, so
        // the process ends here, with this exit code.
        let dirs = match REGISTERED.lock() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        for dir in dirs.iter() {
            // Renamed first: threads still writing into it then fail to
            // create anything there, and the removal cannot race them.
            let mut doomed = dir.clone().into_os_string();
            doomed.push(REMOVING_SUFFIX);
            let doomed = PathBuf::from(doomed);
            let target = if fs::rename(dir, &doomed).is_ok() {
                doomed
            } else {
                dir.clone()
            };
            remove(&target);
            eprintln!("interrupted: removed {}", dir.display());
        }
        std::process::exit(INTERRUPTED);
    });
}

/// Runs `f` with interrupts held back until it returns (moving finished
/// files into place: an interrupt then comes before or after, never in
/// the middle). `f` must not create or drop a [`Staging`].
pub fn uninterrupted<T>(f: impl FnOnce() -> T) -> T {
    let guard = REGISTERED.lock();
    let out = f();
    drop(guard);
    out
}

/// A staging directory: created now, removed when dropped or on interrupt.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    /// Creates `dir` (and its parents) and registers it.
    pub fn create(dir: PathBuf) -> std::io::Result<Self> {
        if let Ok(mut d) = REGISTERED.lock() {
            d.push(dir.clone());
        }
        fs::create_dir_all(&dir)?;
        Ok(Staging { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        remove(&self.dir);
        if let Ok(mut d) = REGISTERED.lock() {
            d.retain(|p| p != &self.dir);
        }
    }
}

/// Whether the process `pid` is alive; `None` when this system cannot tell.
fn alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// Removes the directories `<dir>/<prefix><pid>` (or their `.removing`
/// rename) that a process no longer running left behind (killed before it
/// could clean up); returns them.
pub fn remove_stale(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let me = std::process::id();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .map(|p| p.strip_suffix(REMOVING_SUFFIX).unwrap_or(p))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let stale = match alive(pid) {
            Some(alive) => !alive,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_AGE),
        };
        if stale {
            remove(&entry.path());
            removed.push(entry.path());
        }
    }
    removed
}
