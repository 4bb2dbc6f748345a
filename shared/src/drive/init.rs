//! Setting up a new identity on a primary and a backup drive.

use rand_core::CryptoRng;
use serde_json::Map;

use super::Drive;
use super::audit::{self, Event};
use super::common::{b, check_distinct, classified, encode_token, foreign, p, random_id};
use super::error::{DriveError, DriveRole};
use super::layout::{self, Name};
use super::state::{Id, PairMarker, State};
use super::time::UnixTime;
use super::unlock::Unlocked;
use crate::crypto::password::Argon2Params;
use crate::format::backup;
use crate::identity::{IdentitySeeds, Keyring};
use crate::recovery::RecoveryCode;

/// What [`init`] returns. The recovery code exists nowhere else: the app
/// must show it (Emergency Kit) right away and then drop it.
#[derive(Debug)]
pub struct InitOutcome {
    /// The recovery code, returned exactly once.
    pub recovery_code: RecoveryCode,
    /// The new identity (rotation 0), as if unlocked.
    pub unlocked: Unlocked,
}

/// Checks a folder about to receive a new identity (set-up or restore) and
/// returns the pair id its uncommitted leftovers name, if any.
pub(crate) async fn check_fresh_primary<D: Drive>(primary: &D) -> Result<Option<Id>, DriveError> {
    let names = classified(primary, "", DriveRole::Primary).await?.unwrap_or_default();
    if names.iter().any(|(_, k)| *k == Name::State) {
        return Err(DriveError::AlreadyInUse { role: DriveRole::Primary });
    }
    if names.iter().any(|(_, k)| *k == Name::BackupDir) {
        return Err(DriveError::BackupPickedAsPrimary);
    }
    let f = foreign(&names);
    if !f.is_empty() {
        return Err(DriveError::ForeignFiles { role: DriveRole::Primary, names: f });
    }
    let audit = p(primary.read(layout::AUDIT).await)?;
    Ok(audit.as_deref().and_then(audit::first_pair_id))
}

/// Removes the leftovers of an earlier set-up or restore that never reached
/// its commit point (no `state.json`, so nothing there was ever in use).
pub(crate) async fn clear_uncommitted_primary<D: Drive>(primary: &D) -> Result<(), DriveError> {
    let names = classified(primary, "", DriveRole::Primary).await?.unwrap_or_default();
    for (name, kind) in names {
        if matches!(kind, Name::Temp | Name::Token(_) | Name::Audit) {
            p(primary.remove(&name).await)?;
        }
    }
    Ok(())
}

/// Checks the backup folder and clears leftovers of an interrupted set-up
/// of the same attempt (recognised by the pair id the primary's leftover
/// audit line names). A backup of any other pair is never touched.
async fn prepare_backup<D: Drive>(backup: &D, leftover_pair: Option<Id>) -> Result<(), DriveError> {
    let names = classified(backup, "", DriveRole::Backup).await?.unwrap_or_default();
    if names.iter().any(|(_, k)| *k == Name::State || matches!(k, Name::Token(_))) {
        return Err(DriveError::PrimaryPickedAsBackup);
    }
    let f = foreign(&names);
    if !f.is_empty() {
        return Err(DriveError::ForeignFiles { role: DriveRole::Backup, names: f });
    }
    let Some(inside) = classified(backup, layout::BACKUP_DIR, DriveRole::Backup).await? else {
        return Ok(());
    };
    let f = foreign(&inside);
    if !f.is_empty() {
        return Err(DriveError::ForeignFiles {
            role: DriveRole::Backup,
            names: f.into_iter().map(|n| format!("{}/{n}", layout::BACKUP_DIR)).collect(),
        });
    }
    if let Some(bytes) = b(backup.read(layout::PAIR).await)? {
        let pair = PairMarker::parse(&bytes).map_err(DriveError::BadPairFile)?;
        if Some(pair.pair_id) != leftover_pair {
            return Err(DriveError::AlreadyInUse { role: DriveRole::Backup });
        }
    }
    // Backups without a pair marker were never part of a committed pair:
    // set-up writes the marker before the first backup.
    for (name, kind) in inside {
        if matches!(kind, Name::Temp | Name::Backup(_) | Name::Pair) {
            b(backup.remove(&format!("{}/{name}", layout::BACKUP_DIR)).await)?;
        }
    }
    Ok(())
}

/// Creates a new identity (rotation 0).
///
/// Order of writes, each atomic: primary `audit.log` (its first line names
/// the new pair, so a re-run can recognise this attempt's leftovers) →
/// backup `.system_backup/pair.json` → `.system_backup/backup_0.enc` →
/// primary `token_0.bin` → `state.json` (commit). A crash before the commit
/// leaves no identity, and `init` can simply be run again.
///
/// `params` is the Argon2id cost for the backup (and the PIN, if any);
/// calibrate it on the device (`crypto::password::calibrate`).
///
/// # Errors
/// [`DriveError::SameFolder`], [`DriveError::NestedFolders`],
/// [`DriveError::AlreadyInUse`], [`DriveError::ForeignFiles`], swapped
/// drives, I/O.
#[allow(clippy::too_many_arguments)]
pub async fn init<D: Drive, R: CryptoRng + ?Sized>(
    primary: &D,
    backup: &D,
    passphrase: &[u8],
    pin: Option<&[u8]>,
    params: &Argon2Params,
    now: UnixTime,
    rng: &mut R,
) -> Result<InitOutcome, DriveError> {
    check_distinct(primary, backup).await?;
    let leftover_pair = check_fresh_primary(primary).await?;
    prepare_backup(backup, leftover_pair).await?;
    clear_uncommitted_primary(primary).await?;

    let recovery_code = RecoveryCode::generate(rng);
    let seeds = IdentitySeeds::generate(0, rng);
    let keyring = Keyring::new(seeds, recovery_code.backup_public_key());
    let state = State {
        rotation: 0,
        device_id: random_id(rng),
        pair_id: random_id(rng),
        fingerprint: keyring.current.identity().public().fingerprint(),
        created: now,
        updated: now,
        extra: Map::new(),
    };
    let sealed =
        backup::seal(&keyring, passphrase, params, rng).map_err(|e| DriveError::from_backup(&layout::backup(0), e))?;
    let token = encode_token(&keyring, pin, params, rng)?;
    let audit_log = audit::appended(&[], &keyring, &state.pair_id, Event::Init, "set-up", now);
    let marker = PairMarker { pair_id: state.pair_id, created: now };

    p(primary.write_atomic(layout::AUDIT, &audit_log).await)?;
    b(backup.create_dir(layout::BACKUP_DIR).await)?;
    b(backup.write_atomic(layout::PAIR, &marker.to_bytes()).await)?;
    b(backup.write_atomic(&layout::backup(0), &sealed).await)?;
    p(primary.write_atomic(&layout::token(0), &token).await)?;
    p(primary.write_atomic(layout::STATE, &state.to_bytes()).await)?;
    Ok(InitOutcome { recovery_code, unlocked: Unlocked { state, keyring } })
}
