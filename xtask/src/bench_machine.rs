//! What the figures were measured on: CPU, cores, memory, load, and the
//! versions of everything that took part, so a reader can compare runs.

use std::process::Command;

use crate::setup::CHROMIUM;

/// Label/value pairs, in the order the report shows them.
pub type Machine = Vec<(&'static str, String)>;

pub fn describe(command: &str) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let commit = version("git", &["rev-parse", "--short=12", "HEAD"]);
    let dirty = version("git", &["status", "--porcelain", "--untracked-files=no"]);
    let commit = if dirty.is_empty() || dirty == "?" { commit } else { format!("{commit} (with local changes)") };
    vec![
        ("Date (UTC)", version("date", &["-u", "+%Y-%m-%d %H:%M"])),
        ("Command", format!("`{command}`")),
        ("Git commit", commit),
        ("CPU", cpu_model(&cpuinfo)),
        ("Cores available", cores.to_string()),
        ("RAM", mem_total(&meminfo)),
        ("Load average at the end (1/5/15 min)", load.join(" / ")),
        ("rustc", version("rustc", &["--version"])),
        ("Chromium", version(CHROMIUM, &["--version"])),
        ("nginx", version("nginx", &["-v"])),
        ("Node.js", version("node", &["--version"])),
        ("OS", os_name()),
    ]
}

/// First line a tool prints about itself (some print on stderr), or "?".
fn version(program: &str, args: &[&str]) -> String {
    let Ok(out) = Command::new(program).args(args).current_dir(crate::root()).output() else { return "?".into() };
    let text = if out.stdout.is_empty() { out.stderr } else { out.stdout };
    let text = String::from_utf8_lossy(&text);
    text.lines().next().map_or_else(String::new, |l| l.trim().to_owned())
}

fn cpu_model(cpuinfo: &str) -> String {
    cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown (no model name in /proc/cpuinfo)".into())
}

fn mem_total(meminfo: &str) -> String {
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(|| "unknown".into(), |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
}

fn os_name() -> String {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map_or_else(|| "unknown".into(), |v| v.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        let cpu = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n";
        assert_eq!(cpu_model(cpu), "AMD EPYC 7B13");
        assert!(cpu_model("processor : 0\n").starts_with("unknown"));
        assert_eq!(mem_total("MemTotal:        8388608 kB\n"), "8.0 GiB");
    }
}
