//! Machine-readable BB84 runner, so results can be checked outside the app.
//!
//! ```text
//! cargo run -p shared --release --example bb84 -- \
//!     --photons 1000000 --distance-km 10 --noise 0.01 --eve 0.0 --seed 1 --json
//! ```
//!
//! Options (all optional): `--photons N`, `--distance-km D`, `--attenuation A`
//! (dB/km), `--noise P`, `--eve F` (intercept-resend fraction), `--pns`
//! (photon-number splitting; needs `--mu`), `--mu M` (weak coherent source),
//! `--efficiency E`, `--dark Y0`, `--threshold T`, `--sample S`, `--seed S`,
//! `--json`. Exit status: 0 for a run (even an aborted one), 2 for bad usage.

use std::process::ExitCode;

use shared::bb84::{Attack, RunParams, Source, run};

fn parse<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let v = value.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse().map_err(|_| format!("{flag}: cannot read {v:?}"))
}

fn params(args: Vec<String>) -> Result<(RunParams, bool), String> {
    let mut p = RunParams::default();
    let mut json = false;
    let mut eve = None;
    let mut pns = false;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--photons" => p.photons = parse(&flag, it.next())?,
            "--distance-km" => p.channel.distance_km = parse(&flag, it.next())?,
            "--attenuation" => p.channel.attenuation_db_per_km = parse(&flag, it.next())?,
            "--noise" => p.channel.noise = parse(&flag, it.next())?,
            "--eve" => eve = Some(parse::<f64>(&flag, it.next())?),
            "--pns" => pns = true,
            "--mu" => {
                p.source = Source::WeakCoherent {
                    mu: parse(&flag, it.next())?,
                }
            }
            "--efficiency" => p.detector.efficiency = parse(&flag, it.next())?,
            "--dark" => p.detector.dark_count_probability = parse(&flag, it.next())?,
            "--threshold" => p.post.qber_threshold = parse(&flag, it.next())?,
            "--sample" => p.post.sample_fraction = parse(&flag, it.next())?,
            "--seed" => p.seed = parse(&flag, it.next())?,
            "--json" => json = true,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    p.attack = match (eve, pns) {
        (Some(_), true) => return Err("choose either --eve or --pns".into()),
        (Some(fraction), false) => Attack::InterceptResend { fraction },
        (None, true) => Attack::PhotonNumberSplitting,
        (None, false) => Attack::None,
    };
    Ok((p, json))
}

fn main() -> ExitCode {
    let (p, json) = match params(std::env::args().skip(1).collect()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("bb84: {e}");
            return ExitCode::from(2);
        }
    };
    let out = match run(&p) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bb84: {e}");
            return ExitCode::from(2);
        }
    };
    let r = &out.report;
    let s = &r.stats;
    let summary = serde_json::json!({
        "photons": p.photons,
        "clicks": s.quantum.clicks,
        "sifted_bits": s.quantum.sifted,
        "sifting_ratio": s.sifting_ratio,
        "qber_estimate": s.qber_estimate,
        "qber_true": s.qber_true,
        "eve_known_fraction": s.eve_known_fraction,
        "reconciled_bits": s.reconciled_bits,
        "leaked_parity_bits": s.leaked_parity_bits,
        "leaked_verify_bits": s.leaked_verify_bits,
        "leaked_bits": s.leaked_parity_bits + s.leaked_verify_bits,
        "efficiency": s.efficiency,
        "frames": s.frames,
        "failed_frames": s.failed_frames,
        "residual_errors": s.residual_errors,
        "finite_key": s.finite_key,
        "final_key_bits": s.final_key_bits,
        "keys_identical": s.keys_identical,
        "aborted": r.aborted(),
        "abort_reason": r.abort.as_ref().map(|a| a.message()),
    });
    if json {
        println!("{summary}");
    } else {
        match serde_json::to_string_pretty(&summary) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("bb84: {e}"),
        }
    }
    ExitCode::SUCCESS
}
