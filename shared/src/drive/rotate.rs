//! Key rotation: new identity keys, earlier KEM keys kept.

use rand_core::CryptoRng;

use super::Drive;
use super::audit::{self, Event};
use super::common::{b, encode_token, p, read_keyring, read_state};
use super::error::DriveError;
use super::layout;
use super::recover::recover_interrupted;
use super::time::UnixTime;
use super::unlock::Unlocked;
use crate::crypto::password::Argon2Params;
use crate::format::backup;
use crate::identity::IdentitySeeds;

/// Rotates from `prev_rotation` to `prev_rotation + 1`.
///
/// Compare-and-swap: if `state.json` does not name `prev_rotation` (another
/// tab or device rotated meanwhile) the result is
/// [`DriveError::RotationConflict`] and nothing is written; the rotation is
/// checked again right before the commit. Order of writes: new backup →
/// new token → `state.json` (commit) → old token and backup removed →
/// audit entry. Once `state.json` is written the rotation has happened and
/// the result is `Ok`; the steps after it are best effort (the next open
/// finishes them).
///
/// The compare-and-swap catches a stale view (a tab opened before another
/// device rotated). It is not a lock: two writers racing on the same drive
/// at the same moment must be serialised by the caller (the app holds a
/// Web Lock, `navigator.locks`, around every drive operation).
///
/// The new backup is sealed under `passphrase`: there is no stored
/// passphrase verifier (it would let a thief of the backup drive test
/// guesses offline), so the app asks for it twice like at set-up. The token
/// keeps its protection: pass the PIN if it has one (it is needed to read
/// it anyway).
///
/// # Errors
/// [`DriveError`].
#[allow(clippy::too_many_arguments)]
pub async fn rotate<D: Drive, R: CryptoRng + ?Sized>(
    primary: &D,
    backup_drive: &D,
    pin: Option<&[u8]>,
    passphrase: &[u8],
    prev_rotation: u32,
    params: &Argon2Params,
    now: UnixTime,
    rng: &mut R,
) -> Result<Unlocked, DriveError> {
    let (state, _) = recover_interrupted(primary, Some(backup_drive)).await?;
    if state.rotation != prev_rotation {
        return Err(DriveError::RotationConflict { expected: prev_rotation, found: state.rotation });
    }
    let old = read_keyring(primary, &state, pin).await?;
    let next = prev_rotation.checked_add(1).ok_or(DriveError::RotationExhausted)?;
    // `read_keyring` checked the token against state.json, so this only fails on a
    // token whose own rotation is ahead of state.json's: report it as a mismatch.
    let keyring = old
        .rotated(IdentitySeeds::generate(next, rng))
        .map_err(|_| DriveError::TokenMismatch { rotation: state.rotation, what: "its rotation number is ahead" })?;
    let sealed = backup::seal(&keyring, passphrase, params, rng)
        .map_err(|e| DriveError::from_backup(&layout::backup(next), e))?;
    let token = encode_token(&keyring, pin, params, rng)?;
    let mut new_state = state.clone();
    new_state.rotation = next;
    new_state.fingerprint = keyring.current.identity().public().fingerprint();
    new_state.updated = now;

    b(backup_drive.write_atomic(&layout::backup(next), &sealed).await)?;
    p(primary.write_atomic(&layout::token(next), &token).await)?;
    let again = read_state(primary).await?;
    if again.rotation != prev_rotation {
        // Someone committed meanwhile: ours are now leftovers, which the
        // next open removes (they name a rotation `state.json` does not).
        return Err(DriveError::RotationConflict { expected: prev_rotation, found: again.rotation });
    }
    p(primary.write_atomic(layout::STATE, &new_state.to_bytes()).await)?;
    // Committed. What follows is best effort: reporting a failure now would
    // tell the app the rotation did not happen when it did (and a retry
    // would meet a conflict); the next open's recovery removes what is left.
    let _ = primary.remove(&layout::token(prev_rotation)).await;
    let _ = backup_drive.remove(&layout::backup(prev_rotation)).await;
    let detail = format!("rotation {prev_rotation} -> {next}");
    let _ = audit::record(primary, &keyring, &new_state.pair_id, Event::Rotate, &detail, now).await;
    Ok(Unlocked { state: new_state, keyring })
}
