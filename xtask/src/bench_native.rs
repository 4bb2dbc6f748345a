//! Native figures: the criterion benches in `shared/benches`, read back
//! from criterion's own estimates (`<CRITERION_HOME>/<group>/<bench>/new/`)
//! plus the side records the benches append (Cascade efficiency, the
//! calibrated Argon2id parameters).

use std::path::Path;

use serde_json::Value;

use crate::bench::{Mode, read_json_lines};
use crate::bench_rows::{Figure, Row, Target};
use crate::process::{self, args};

/// Criterion settings: short but real measurements in full mode, the bare
/// minimum (10 samples of tiny inputs) in smoke mode.
fn criterion_flags(mode: &Mode) -> Vec<String> {
    let (warm, measure) = if mode.smoke { ("0.01", "0.01") } else { ("1", "3") };
    let mut flags = args(&["--noplot", "--warm-up-time", warm, "--measurement-time", measure]);
    if mode.smoke {
        // `cargo test` runs criterion in test mode unless told to measure
        // (`cargo bench` says so itself, and refuses a second `--bench`).
        flags.extend(args(&["--bench", "--sample-size", "10"]));
    }
    flags
}

/// Runs both benches and turns their results into rows.
pub fn run(mode: &Mode) -> Result<Vec<Row>, String> {
    let home = mode.out.join("criterion");
    let side = mode.out.join("native.jsonl");
    let _ = std::fs::remove_dir_all(&home);
    let _ = std::fs::remove_file(&side);
    // Smoke mode reuses the test profile the suite has already built.
    let cargo = if mode.smoke { "test" } else { "bench" };
    let mut cmd = args(&[cargo, "--package", "shared", "--bench", "crypto", "--bench", "bb84", "--"]);
    cmd.extend(criterion_flags(mode));
    let mut env = vec![("CRITERION_HOME", home.display().to_string()), ("QV_BENCH_JSON", side.display().to_string())];
    if mode.smoke {
        env.push(("QV_BENCH_SMOKE", "1".into()));
    }
    process::run("cargo", &cmd, &env)?;
    let side = read_json_lines(&side)?;
    Ok(rows(&Estimates { home: &home }, &side))
}

/// Criterion's results on disk.
struct Estimates<'a> {
    home: &'a Path,
}

impl Estimates<'_> {
    fn load(&self, group: &str, bench: &str, file: &str) -> Option<Value> {
        let path = self.home.join(group).join(bench).join("new").join(file);
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    }

    /// Median time per iteration in nanoseconds.
    fn median_ns(&self, group: &str, bench: &str) -> Option<f64> {
        self.load(group, bench, "estimates.json")?.pointer("/median/point_estimate")?.as_f64()
    }

    /// Elements or bytes per iteration, as the bench declared them.
    fn per_iteration(&self, group: &str, bench: &str) -> Option<f64> {
        let t = self.load(group, bench, "benchmark.json")?;
        let t = t.get("throughput")?;
        t.get("Bytes").or_else(|| t.get("Elements"))?.as_f64()
    }

    fn time(&self, group: &str, bench: &str, unit: &'static str) -> Option<Figure> {
        let ns = self.median_ns(group, bench)?;
        let scale = match unit {
            "µs" => 1e3,
            "ms" => 1e6,
            _ => 1.0,
        };
        Some(Figure::new(ns / scale, unit))
    }

    /// Throughput: `per_iteration / median`, scaled to `unit`.
    fn rate(&self, group: &str, bench: &str, unit: &'static str) -> Option<Figure> {
        let per_sec = self.per_iteration(group, bench)? / (self.median_ns(group, bench)? / 1e9);
        let scale = match unit {
            "GiB/s" => f64::from(1u32 << 30),
            "Mbit/s" => 1e6,
            _ => 1.0,
        };
        Some(Figure::new(per_sec / scale, unit))
    }
}

const MISSING: &str = "criterion wrote no estimate (bench renamed or failed?)";

/// The `qkd` crate's published simulation rate (upper end of 2–7×10⁵/s).
const QKD_CRATE_PHOTONS: f64 = 7e5;
/// Toeplitz hashing on a CPU, Sci. Rep. 2019.
const TOEPLITZ_PUBLISHED_MBIT: f64 = 71.0;
/// cascade-cpp "original" at QBER 2 %.
const CASCADE_CPP_F: f64 = 1.16;

fn rows(e: &Estimates<'_>, side: &[Value]) -> Vec<Row> {
    let stream = "stream_16MiB";
    let raw_enc = e.rate(stream, "raw_aes256gcm_16KiB_chunks", "GiB/s");
    let raw_dec = e.rate(stream, "raw_aes256gcm_16KiB_chunks_decrypt", "GiB/s");
    let mut rows = vec![
        Row::maybe("Cobblestone stream encrypt", e.rate(stream, "cobblestone_encrypt", "GiB/s"), MISSING)
            .anchor("raw aes-gcm, same 16 KiB chunks", raw_enc.clone())
            .note("framing + nonce derivation on top of AES-256-GCM"),
        Row::maybe("Cobblestone stream decrypt", e.rate(stream, "cobblestone_decrypt", "GiB/s"), MISSING)
            .anchor("raw aes-gcm open, same chunks", raw_dec),
    ];
    for (what, bench, unit) in [
        ("ML-DSA-65 sign", "mldsa65_sign", "µs"),
        ("ML-DSA-65 verify", "mldsa65_verify", "µs"),
        ("X-Wing encapsulate", "xwing_encaps", "µs"),
        ("X-Wing decapsulate", "xwing_decaps", "µs"),
        ("ML-KEM-1024 encapsulate", "mlkem1024_encaps", "µs"),
        ("ML-KEM-1024 decapsulate", "mlkem1024_decaps", "µs"),
    ] {
        rows.push(Row::maybe(what, e.time("pq", bench, unit), MISSING));
    }
    rows.push(
        Row::maybe("Argon2id default (64 MiB, t=3, p=1)", e.time("argon2id", "default_64MiB_t3_p1", "ms"), MISSING)
            .note("the policy floor for new files"),
    );
    let calibrated = side.iter().find(|v| v["bench"] == "argon2id_calibrated_params");
    let params = calibrated.map_or_else(String::new, |v| {
        format!("{} MiB, t={}", v["memory_kib"].as_u64().unwrap_or(0) / 1024, v["iterations"])
    });
    let target = calibrated.and_then(|v| v["target_secs"].as_f64()).unwrap_or(1.0) * 1e3;
    rows.push(
        Row::maybe(format!("Argon2id calibrated ({params})"), e.time("argon2id", "calibrated_1s", "ms"), MISSING)
            .target(Target::AtMost(target * 1.5))
            .note(format!("calibrate() aims at {target:.0} ms on this machine; passes scale linearly")),
    );

    for (what, bench) in [
        ("BB84 photons, 50 km", "10M_pulses_50km"),
        ("BB84 photons, 0 km, every pulse clicks", "10M_pulses_0km_all_click"),
        ("BB84 photons, 50 km, Eve on 50 %", "10M_pulses_50km_eve_50pct"),
    ] {
        rows.push(
            Row::maybe(what, e.rate("bb84_photons", bench, "photons/s"), MISSING)
                .published("qkd crate (published)", Figure::new(QKD_CRATE_PHOTONS, "photons/s"))
                .target(Target::AtLeast(1e8)),
        );
    }
    rows.push(
        Row::maybe(
            "BB84 whole run (quantum + Cascade + PA), 50 km",
            e.rate("bb84_photons", "full_run_10M_pulses_50km", "photons/s"),
            MISSING,
        )
        .note("pulses per second through the whole pipeline"),
    );
    for pct in [1, 2, 5, 8] {
        rows.push(
            Row::maybe(
                format!("Cascade, 10⁴-bit frame, QBER {pct} %"),
                e.time("bb84_cascade_10k", &format!("qber_{pct}pct"), "ms"),
                MISSING,
            )
            .target(Target::AtMost(1.0)),
        );
        let record = side.iter().find(|v| {
            v["bench"] == "cascade_efficiency" && (v["qber"].as_f64().unwrap_or(0.0) * 100.0).round() as i64 == pct
        });
        let f = record.and_then(|v| v["efficiency"].as_f64()).map(|f| Figure::new(f, ""));
        let mut row = Row::maybe(format!("Cascade efficiency f, QBER {pct} %"), f, "the bench recorded no efficiency")
            .published("cascade-cpp original, QBER 2 % (published)", Figure::new(CASCADE_CPP_F, ""));
        if pct <= 5 {
            row = row.target(Target::AtMost(1.10));
        }
        if let Some(v) = record {
            row = row.note(format!("{} frames, {} not reconciled", v["frames"], v["not_reconciled"]));
        }
        rows.push(row);
    }
    for (what, bench, note) in [
        (
            "Toeplitz PA, 10⁶ → 8·10⁵ bits, seed FFT included",
            "1M_in_800k_out_with_seed_fft",
            "one link's whole hash with a fresh seed (seed spectra, input, product); two threads",
        ),
        (
            "Toeplitz PA, 10⁶ → 8·10⁵ bits, prepared seed",
            "1M_in_800k_out_prepared_seed",
            "seed spectra computed once (Alice's and Bob's keys share them); two threads",
        ),
    ] {
        rows.push(
            Row::maybe(what, e.rate("bb84_toeplitz", bench, "Mbit/s"), MISSING)
                .published("Sci. Rep. 2019, CPU (published)", Figure::new(TOEPLITZ_PUBLISHED_MBIT, "Mbit/s"))
                .target(Target::AtLeast(100.0))
                .note(note),
        );
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_rows::Verdict;

    fn write(home: &Path, group: &str, bench: &str, ns: f64, throughput: &str) {
        let dir = home.join(group).join(bench).join("new");
        std::fs::create_dir_all(&dir).expect("dir");
        let estimates = format!("{{\"median\":{{\"point_estimate\":{ns}}},\"mean\":{{\"point_estimate\":1}}}}");
        std::fs::write(dir.join("estimates.json"), estimates).expect("estimates");
        std::fs::write(dir.join("benchmark.json"), format!("{{\"throughput\":{throughput}}}")).expect("benchmark");
    }

    #[test]
    fn reads_criterion_estimates_into_rows() {
        let home = std::env::temp_dir().join(format!("qv-bench-native-{}", std::process::id()));
        write(&home, "stream_16MiB", "cobblestone_encrypt", 1e9, "{\"Bytes\":2147483648}");
        write(&home, "stream_16MiB", "raw_aes256gcm_16KiB_chunks", 5e8, "{\"Bytes\":2147483648}");
        write(&home, "bb84_cascade_10k", "qber_2pct", 2e6, "null");
        let side = vec![
            serde_json::json!({"bench": "cascade_efficiency", "qber": 0.02, "efficiency": 1.08, "frames": 4, "not_reconciled": 0}),
        ];
        let rows = rows(&Estimates { home: &home }, &side);
        let _ = std::fs::remove_dir_all(&home);

        let enc = &rows[0];
        assert_eq!(enc.value, Ok(Figure::new(2.0, "GiB/s")));
        assert_eq!(enc.ratio(), Some(0.5));
        let cascade = rows.iter().find(|r| r.what == "Cascade, 10⁴-bit frame, QBER 2 %").expect("row");
        assert_eq!(cascade.value, Ok(Figure::new(2.0, "ms")));
        assert_eq!(cascade.verdict(), Verdict::Missed);
        let f = rows.iter().find(|r| r.what == "Cascade efficiency f, QBER 2 %").expect("row");
        assert_eq!(f.verdict(), Verdict::Met);
        let absent = rows.iter().find(|r| r.what == "ML-DSA-65 sign").expect("row");
        assert_eq!(absent.value, Err(MISSING.into()));
    }
}
