//! Peak memory of the processes a script starts (the server it spawns,
//! Chromium's renderers), watched from outside through /proc while it runs:
//! the share benchmark belongs to the vault flow and reports only speeds.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::bench::{drain_all, spawn_piped};

/// What a watched run printed, how it ended, and its processes' peaks.
#[derive(Debug)]
pub struct Watched {
    pub output: String,
    pub status: Result<(), String>,
    pub peaks: Peaks,
}

/// Highest VmHWM (KiB) seen per kind of process.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Peaks {
    pub server_kib: u64,
    pub renderer_kib: u64,
}

/// `(pid, ppid)` of every process, from /proc/PID/stat.
fn parents() -> HashMap<u32, u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return HashMap::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some((pid, ppid_of(&stat)?))
        })
        .collect()
}

/// The parent pid in a /proc/PID/stat line (the field after `(comm) state`).
fn ppid_of(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn descendants(root: u32) -> HashSet<u32> {
    let parents = parents();
    let mut found = HashSet::from([root]);
    loop {
        let before = found.len();
        for (pid, ppid) in &parents {
            if found.contains(ppid) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// VmHWM in KiB from a /proc/PID/status text.
fn vm_hwm(status: &str) -> Option<u64> {
    status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()
}

fn sample(root: u32, peaks: &mut Peaks) {
    for pid in descendants(root) {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        let Some(hwm) = std::fs::read_to_string(format!("/proc/{pid}/status")).ok().as_deref().and_then(vm_hwm) else {
            continue;
        };
        if cmdline.contains("quantumvault-server") {
            peaks.server_kib = peaks.server_kib.max(hwm);
        } else if cmdline.contains("--type=renderer") {
            peaks.renderer_kib = peaks.renderer_kib.max(hwm);
        }
    }
}

/// Runs `program args` in the workspace root, echoing and returning its
/// standard output, while sampling its process tree every 100 ms. The
/// output and peaks come back even when the program fails (what it printed
/// before failing still counts).
pub fn run_watched(program: &str, args: &[String], env: &[(&str, String)]) -> Watched {
    let (child, line) = match spawn_piped(program, args, env) {
        Ok(started) => started,
        Err(e) => return Watched { output: String::new(), status: Err(e), peaks: Peaks::default() },
    };
    let (pid, done) = (child.id(), Arc::new(AtomicBool::new(false)));
    let peaks = Arc::new(Mutex::new(Peaks::default()));
    let watcher = {
        let (done, peaks) = (Arc::clone(&done), Arc::clone(&peaks));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let mut p = peaks.lock().map(|p| *p).unwrap_or_default();
                sample(pid, &mut p);
                if let Ok(mut shared) = peaks.lock() {
                    *shared = p;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let (output, status) = drain_all(child, &line);
    done.store(true, Ordering::Relaxed);
    let _ = watcher.join();
    let peaks = peaks.lock().map(|p| *p).unwrap_or_default();
    Watched { output, status, peaks }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_lines() {
        assert_eq!(ppid_of("42 (a (weird) name) S 7 42 42 0"), Some(7));
        assert_eq!(ppid_of("garbage"), None);
        assert_eq!(vm_hwm("Name:\tx\nVmHWM:\t   20480 kB\nVmRSS: 1 kB\n"), Some(20480));
    }

    #[test]
    fn watches_a_real_process_tree() {
        // A shell whose child is named like the server: its peak is seen.
        let args = ["-c", "exec -a quantumvault-server sleep 1"].map(String::from);
        let Watched { output, status, peaks } = run_watched("bash", &args, &[]);
        assert_eq!((output.as_str(), status), ("", Ok(())));
        assert!(peaks.server_kib > 0, "{peaks:?}");
        assert_eq!(peaks.renderer_kib, 0);
    }

    #[test]
    fn a_failing_run_keeps_its_output() {
        let args = ["-c", "echo '{\"bench\":\"x\"}'; exit 3"].map(String::from);
        let run = run_watched("bash", &args, &[]);
        assert_eq!(run.output, "{\"bench\":\"x\"}\n");
        assert!(run.status.is_err_and(|e| e.contains("failed")));
    }
}
