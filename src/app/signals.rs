//! SIGINT and SIGTERM end a run without leaving its temporary files: the signals are blocked in
//! every thread (set before any thread starts, so all inherit it) and one thread waits for them,
//! removes the temporary files registered by [`super::io::AtomicFile`], and exits with 128 + the
//! signal's number, as a shell reports a process killed by it.

use std::path::PathBuf;
use std::sync::Mutex;

/// The temporary files of the outputs being written.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a temporary file to remove if the run is interrupted.
pub(crate) fn register(path: &std::path::Path) {
    TEMPORARIES.lock().unwrap_or_else(|p| p.into_inner()).push(path.to_path_buf());
}

/// Forgets a temporary file (committed or removed).
pub(crate) fn forget(path: &std::path::Path) {
    TEMPORARIES.lock().unwrap_or_else(|p| p.into_inner()).retain(|p| p != path);
}

/// Installs the handling; call once, before any other thread starts.
#[cfg(unix)]
pub(crate) fn install() {
    // SAFETY: the sigset is initialised by sigemptyset before use; pthread_sigmask and sigwait are
    // called with valid pointers to it, and only this module changes the signal mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
            let mut signal: libc::c_int = 0;
            if libc::sigwait(&set, &mut signal) == 0 {
                for p in TEMPORARIES.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(128 + signal);
            }
        });
        if spawned.is_err() {
            // No thread to receive them: let the signals act as before.
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Installs nothing where there are no such signals.
#[cfg(not(unix))]
pub(crate) fn install() {}
