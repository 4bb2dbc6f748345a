//! Making a new backup drive for an existing identity (the old backup drive
//! was lost or broke).

use rand_core::CryptoRng;

use super::Drive;
use super::audit::{self, Event};
use super::common::{b, check_distinct, classified, foreign, read_keyring};
use super::error::{DriveError, DriveRole};
use super::layout::{self, Name};
use super::recover::recover_interrupted;
use super::state::PairMarker;
use super::time::UnixTime;
use crate::crypto::password::Argon2Params;
use crate::format::backup;

/// Writes a backup of the primary's current rotation onto `new_backup`, an
/// empty folder (or one this same pair's interrupted attempt left behind),
/// under `passphrase`. The recovery code stays the same (the keyring holds
/// its public key), so the existing Emergency Kit opens the new backup.
///
/// Order: `.system_backup/` → `pair.json` (the primary's pair id) →
/// `backup_{r}.enc` → append to `audit.log`. Nothing on the primary
/// changes, so a crash at any point leaves the identity as it was and the
/// operation can be run again. A backup folder of another pair, or with
/// foreign files, is refused and left untouched.
///
/// # Errors
/// [`DriveError`].
#[allow(clippy::too_many_arguments)]
pub async fn replace_backup<D: Drive, R: CryptoRng + ?Sized>(
    primary: &D,
    new_backup: &D,
    pin: Option<&[u8]>,
    passphrase: &[u8],
    params: &Argon2Params,
    now: UnixTime,
    rng: &mut R,
) -> Result<(), DriveError> {
    check_distinct(primary, new_backup).await?;
    let (state, _) = recover_interrupted(primary, None).await?;
    let keyring = read_keyring(primary, &state, pin).await?;
    let names = classified(new_backup, "", DriveRole::Backup).await?.unwrap_or_default();
    if names.iter().any(|(_, k)| *k == Name::State || matches!(k, Name::Token(_))) {
        return Err(DriveError::PrimaryPickedAsBackup);
    }
    let inside = classified(new_backup, layout::BACKUP_DIR, DriveRole::Backup).await?.unwrap_or_default();
    let mut f = foreign(&names);
    f.extend(foreign(&inside).into_iter().map(|n| format!("{}/{n}", layout::BACKUP_DIR)));
    if !f.is_empty() {
        return Err(DriveError::ForeignFiles { role: DriveRole::Backup, names: f });
    }
    if let Some(bytes) = b(new_backup.read(layout::PAIR).await)? {
        let pair = PairMarker::parse(&bytes).map_err(DriveError::BadPairFile)?;
        if pair.pair_id != state.pair_id {
            return Err(DriveError::AlreadyInUse { role: DriveRole::Backup });
        }
    }
    let name = layout::backup(state.rotation);
    let sealed = backup::seal(&keyring, passphrase, params, rng).map_err(|e| DriveError::from_backup(&name, e))?;
    let marker = PairMarker { pair_id: state.pair_id, created: now };
    b(new_backup.create_dir(layout::BACKUP_DIR).await)?;
    if b(new_backup.read(layout::PAIR).await)?.is_none() {
        b(new_backup.write_atomic(layout::PAIR, &marker.to_bytes()).await)?;
    }
    b(new_backup.write_atomic(&name, &sealed).await)?;
    // Other rotations' backups of this pair (an older copy of the drive) are
    // superseded by the one just written; removing them is best effort.
    for (n, kind) in inside {
        if matches!(kind, Name::Temp) || matches!(kind, Name::Backup(r) if r != state.rotation) {
            let _ = new_backup.remove(&format!("{}/{n}", layout::BACKUP_DIR)).await;
        }
    }
    let detail = format!("rotation {} onto {}", state.rotation, new_backup.describe());
    // Done; the audit entry is best effort (see `rotate`).
    let _ = audit::record(primary, &keyring, &state.pair_id, Event::NewBackup, &detail, now).await;
    Ok(())
}
