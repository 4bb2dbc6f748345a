//! The Argon2id cost for new files: calibrated once on this device to take
//! about a second (never below the policy floor), then remembered in
//! `localStorage` — the parameters are public (they are written in every
//! sealed file's header), so keeping them is harmless and spares a
//! measurement on every operation.

use shared::crypto::password::{self, Argon2Params, MIN_MEMORY_KIB};

use super::run::{millis, step};
use super::state::DrivesState;

const KEY: &str = "quantumvault.argon2id";
/// What one derivation should cost on this device.
pub const TARGET_SECS: f64 = 1.0;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn remembered() -> Option<Argon2Params> {
    let text = storage()?.get_item(KEY).ok().flatten()?;
    let mut it = text.split(',').map(str::parse::<u32>);
    let (m, i, p) = (it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?);
    // `new` re-applies the policy: an edited value cannot weaken new files.
    Argon2Params::new(m, i, p).ok()
}

/// The parameters for a new sealed file, measuring this device first if it
/// was never measured.
///
/// # Errors
/// When Argon2id itself fails (out of memory).
pub async fn params(st: DrivesState) -> Result<Argon2Params, String> {
    if let Some(p) = remembered() {
        return Ok(p);
    }
    step(st, "Measuring how fast this device is (one Argon2id run)…").await;
    let mut failed = None;
    let p = password::calibrate(MIN_MEMORY_KIB, TARGET_SECS, |probe| {
        let t0 = millis();
        if let Err(e) = password::derive(b"calibration", &[0; password::SALT_LEN], probe) {
            failed = Some(e);
        }
        (millis() - t0) / 1000.0
    })
    .map_err(|e| e.to_string())?;
    if let Some(e) = failed {
        return Err(super::run::capitalised(&e.to_string()));
    }
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, &format!("{},{},{}", p.memory_kib(), p.iterations(), p.parallelism()));
    }
    Ok(p)
}

/// "about N s" for `runs` derivations at the calibrated cost, for progress messages.
pub fn estimate(runs: u32) -> String {
    format!("about {:.0} s", (TARGET_SECS * f64::from(runs)).ceil().max(1.0))
}
