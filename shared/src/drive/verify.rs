//! Proving the backup opens and belongs to the primary, without writing.

use super::Drive;
use super::common::{check_distinct, check_pair, read_pair, read_state};
use super::error::DriveError;
use super::restore::open_newest;
use crate::identity::Fingerprint;
use crate::recovery::RecoveryCode;

/// What [`verify_backup`] proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The rotation the backup holds (= the primary's).
    pub rotation: u32,
    /// Its fingerprint (= the primary's).
    pub fingerprint: Fingerprint,
}

/// Opens the backup of the primary's current rotation with the passphrase
/// and the recovery code and checks it holds the primary's identity (pair
/// id, rotation, fingerprint). Writes nothing on either drive, so it is
/// safe to run at any time; the app records the outcome with
/// [`super::audit::record`] ([`super::audit::Event::Verify`]).
///
/// # Errors
/// [`DriveError::RecoveryCodeTypo`], [`DriveError::WrongRecoveryCode`],
/// [`DriveError::WrongPassphrase`], [`DriveError::BackupMismatch`],
/// [`DriveError::DifferentPair`], missing or damaged files.
pub async fn verify_backup<D: Drive>(
    primary: &D,
    backup_drive: &D,
    passphrase: &[u8],
    recovery_code: &str,
) -> Result<BackupReport, DriveError> {
    check_distinct(primary, backup_drive).await?;
    let state = read_state(primary).await?;
    check_pair(&state, &read_pair(backup_drive).await?)?;
    let code = RecoveryCode::parse(recovery_code)?;
    let (_, keyring) = open_newest(backup_drive, passphrase, &code, Some(state.rotation)).await?;
    let fingerprint = keyring.current.identity().public().fingerprint();
    if keyring.current.rotation != state.rotation || fingerprint != state.fingerprint {
        return Err(DriveError::BackupMismatch {
            primary_rotation: state.rotation,
            backup_rotation: keyring.current.rotation,
        });
    }
    Ok(BackupReport { rotation: state.rotation, fingerprint })
}
