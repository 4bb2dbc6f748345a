//! Changing the backup passphrase.

use rand_core::CryptoRng;

use super::Drive;
use super::audit::{self, Event};
use super::common::{b, read_keyring};
use super::error::DriveError;
use super::layout;
use super::recover::recover_interrupted;
use super::time::UnixTime;
use crate::crypto::password::Argon2Params;
use crate::format::backup;

/// Re-seals the current backup under `new_passphrase` (same keyring, same
/// recovery code). The single atomic rewrite of `backup_{r}.enc` is the
/// commit point: after a crash the backup opens with the old or the new
/// passphrase, never neither. The identity does not change.
///
/// The old passphrase is not asked for: whoever has the unlocked primary
/// already holds every key the backup protects.
///
/// # Errors
/// [`DriveError`].
#[allow(clippy::too_many_arguments)]
pub async fn change_passphrase<D: Drive, R: CryptoRng + ?Sized>(
    primary: &D,
    backup_drive: &D,
    pin: Option<&[u8]>,
    new_passphrase: &[u8],
    params: &Argon2Params,
    now: UnixTime,
    rng: &mut R,
) -> Result<(), DriveError> {
    let (state, _) = recover_interrupted(primary, Some(backup_drive)).await?;
    let keyring = read_keyring(primary, &state, pin).await?;
    let name = layout::backup(state.rotation);
    let sealed = backup::seal(&keyring, new_passphrase, params, rng).map_err(|e| DriveError::from_backup(&name, e))?;
    b(backup_drive.write_atomic(&name, &sealed).await)?;
    let detail = format!("rotation {}", state.rotation);
    // Committed; the audit entry is best effort (see `rotate`).
    let _ = audit::record(primary, &keyring, &state.pair_id, Event::PassphraseChange, &detail, now).await;
    Ok(())
}
