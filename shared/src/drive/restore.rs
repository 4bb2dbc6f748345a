//! Restoring the identity from the backup drive onto a new primary.

use rand_core::CryptoRng;
use serde_json::Map;

use super::Drive;
use super::audit::{self, Event};
use super::common::{b, check_distinct, classified, encode_token, p, random_id, read_pair};
use super::error::{DriveError, DriveRole};
use super::init::{check_fresh_primary, clear_uncommitted_primary};
use super::layout::{self, Name};
use super::state::State;
use super::time::UnixTime;
use super::unlock::Unlocked;
use crate::crypto::password::Argon2Params;
use crate::format::backup;
use crate::recovery::RecoveryCode;

/// Opens the newest backup on `backup_drive` (passphrase + recovery code)
/// and returns its name and keyring, with the pair marker.
pub(crate) async fn open_newest<D: Drive>(
    backup_drive: &D,
    passphrase: &[u8],
    code: &RecoveryCode,
    rotation: Option<u32>,
) -> Result<(super::state::PairMarker, crate::identity::Keyring), DriveError> {
    let pair = read_pair(backup_drive).await?;
    let inside = classified(backup_drive, layout::BACKUP_DIR, DriveRole::Backup).await?.unwrap_or_default();
    let newest = inside
        .iter()
        .filter_map(|(_, k)| match k {
            Name::Backup(r) if rotation.is_none_or(|want| want == *r) => Some(*r),
            _ => None,
        })
        .max();
    let r = newest.ok_or_else(|| DriveError::MissingFile {
        role: DriveRole::Backup,
        name: layout::backup(rotation.unwrap_or(0)),
    })?;
    let name = layout::backup(r);
    let bytes = b(backup_drive.read(&name).await)?
        .ok_or_else(|| DriveError::MissingFile { role: DriveRole::Backup, name: name.clone() })?;
    let keyring = backup::open(&bytes, passphrase, code).map_err(|e| DriveError::from_backup(&name, e))?;
    Ok((pair, keyring))
}

/// Restores onto `new_primary`, which must not hold an identity (nothing is
/// overwritten). `recovery_code` is the text as typed: a typo is reported as
/// [`DriveError::RecoveryCodeTypo`], a well-formed code of another backup as
/// [`DriveError::WrongRecoveryCode`], before the slow passphrase step.
///
/// The newest backup on the drive is used (if a rotation was interrupted at
/// the moment the primary was lost, that is a complete identity whose
/// keyring also holds every earlier rotation's KEM key). Order of writes:
/// token → `audit.log` (a new log, starting with the restore) →
/// `state.json` (commit, with a new device id and the pair's id). The
/// backup drive is only read. The new token is PIN-sealed if `pin` is given.
///
/// # Errors
/// [`DriveError`].
#[allow(clippy::too_many_arguments)]
pub async fn restore<D: Drive, R: CryptoRng + ?Sized>(
    backup_drive: &D,
    new_primary: &D,
    passphrase: &[u8],
    recovery_code: &str,
    pin: Option<&[u8]>,
    params: &Argon2Params,
    now: UnixTime,
    rng: &mut R,
) -> Result<Unlocked, DriveError> {
    check_distinct(new_primary, backup_drive).await?;
    let code = RecoveryCode::parse(recovery_code)?;
    // Refuse unsuitable folders before the slow passphrase step.
    read_pair(backup_drive).await?;
    check_fresh_primary(new_primary).await?;
    let (pair, keyring) = open_newest(backup_drive, passphrase, &code, None).await?;
    clear_uncommitted_primary(new_primary).await?;
    let rotation = keyring.current.rotation;
    let state = State {
        rotation,
        device_id: random_id(rng),
        pair_id: pair.pair_id,
        fingerprint: keyring.current.identity().public().fingerprint(),
        created: now,
        updated: now,
        extra: Map::new(),
    };
    let token = encode_token(&keyring, pin, params, rng)?;
    let detail = format!("rotation {rotation} from backup");
    let log = audit::appended(&[], &keyring, &state.pair_id, Event::Restore, &detail, now);
    p(new_primary.write_atomic(&layout::token(rotation), &token).await)?;
    p(new_primary.write_atomic(layout::AUDIT, &log).await)?;
    p(new_primary.write_atomic(layout::STATE, &state.to_bytes()).await)?;
    Ok(Unlocked { state, keyring })
}
