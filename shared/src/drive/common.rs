//! Steps shared by the operations: reading and checking each drive.

use rand_core::CryptoRng;

use super::error::{DriveError, DriveRole};
use super::layout::{self, Name};
use super::state::{Id, PairMarker, State};
use super::{Drive, Relation};
use crate::crypto::password::Argon2Params;
use crate::format::token;
use crate::identity::Keyring;

/// Maps an I/O error on the primary.
pub(crate) fn p<T>(r: Result<T, super::IoError>) -> Result<T, DriveError> {
    r.map_err(|e| DriveError::io(DriveRole::Primary, e))
}

/// Maps an I/O error on the backup.
pub(crate) fn b<T>(r: Result<T, super::IoError>) -> Result<T, DriveError> {
    r.map_err(|e| DriveError::io(DriveRole::Backup, e))
}

/// Refuses the same folder twice and nested folders.
pub(crate) async fn check_distinct<D: Drive>(primary: &D, backup: &D) -> Result<(), DriveError> {
    match p(primary.relation_to(backup).await)? {
        Relation::Distinct => Ok(()),
        Relation::Same => Err(DriveError::SameFolder),
        Relation::InsideOther | Relation::ContainsOther => Err(DriveError::NestedFolders),
    }
}

/// Names in a folder, classified; `None` if the folder does not exist.
pub(crate) async fn classified<D: Drive>(
    drive: &D,
    dir: &str,
    role: DriveRole,
) -> Result<Option<Vec<(String, Name)>>, DriveError> {
    let list = drive.list(dir).await.map_err(|e| DriveError::io(role, e))?;
    Ok(list.map(|entries| {
        entries
            .into_iter()
            .map(|e| {
                let name = layout::classify(&e.name, dir == layout::BACKUP_DIR);
                // A folder can only be ours if it is `.system_backup`.
                let name = if e.is_dir && name != Name::BackupDir { Name::Foreign } else { name };
                let name = if !e.is_dir && name == Name::BackupDir { Name::Foreign } else { name };
                (e.name, name)
            })
            .collect()
    }))
}

/// Foreign names (OS housekeeping files excluded).
pub(crate) fn foreign(names: &[(String, Name)]) -> Vec<String> {
    names.iter().filter(|(n, k)| *k == Name::Foreign && !layout::is_os_noise(n)).map(|(n, _)| n.clone()).collect()
}

/// Reads `state.json`: missing → the most helpful error for what *is* there.
pub(crate) async fn read_state<D: Drive>(primary: &D) -> Result<State, DriveError> {
    match p(primary.read(layout::STATE).await)? {
        Some(bytes) => Ok(State::parse(&bytes)?),
        None => {
            let names = classified(primary, "", DriveRole::Primary).await?.unwrap_or_default();
            if names.iter().any(|(_, k)| *k == Name::BackupDir) {
                Err(DriveError::BackupPickedAsPrimary)
            } else if names.iter().any(|(_, k)| matches!(k, Name::Token(_))) {
                Err(DriveError::MissingFile { role: DriveRole::Primary, name: layout::STATE.into() })
            } else {
                Err(DriveError::NoIdentity { role: DriveRole::Primary })
            }
        }
    }
}

/// Reads the current token and checks it against `state.json`.
pub(crate) async fn read_keyring<D: Drive>(
    primary: &D,
    state: &State,
    pin: Option<&[u8]>,
) -> Result<Keyring, DriveError> {
    let rotation = state.rotation;
    let name = layout::token(rotation);
    let bytes = p(primary.read(&name).await)?.ok_or(DriveError::MissingFile { role: DriveRole::Primary, name })?;
    let keyring = token::decode(&bytes, pin).map_err(|source| DriveError::Token { rotation, source })?;
    if keyring.current.rotation != rotation {
        return Err(DriveError::TokenMismatch { rotation, what: "rotation" });
    }
    if keyring.current.identity().public().fingerprint() != state.fingerprint {
        return Err(DriveError::TokenMismatch { rotation, what: "fingerprint" });
    }
    Ok(keyring)
}

/// Encodes a token, PIN-sealed when a PIN is given.
pub(crate) fn encode_token<R: CryptoRng + ?Sized>(
    keyring: &Keyring,
    pin: Option<&[u8]>,
    params: &Argon2Params,
    rng: &mut R,
) -> Result<Vec<u8>, DriveError> {
    let rotation = keyring.current.rotation;
    match pin {
        None => Ok(token::encode_plain(keyring).to_vec()),
        Some(pin) => {
            token::encode_pin_sealed(keyring, pin, params, rng).map_err(|source| DriveError::Token { rotation, source })
        }
    }
}

/// Reads the backup drive's pair marker, recognising a swapped primary.
pub(crate) async fn read_pair<D: Drive>(backup: &D) -> Result<PairMarker, DriveError> {
    match b(backup.read(layout::PAIR).await)? {
        Some(bytes) => PairMarker::parse(&bytes).map_err(DriveError::BadPairFile),
        None => {
            let names = classified(backup, "", DriveRole::Backup).await?.unwrap_or_default();
            if names.iter().any(|(_, k)| *k == Name::State || matches!(k, Name::Token(_))) {
                Err(DriveError::PrimaryPickedAsBackup)
            } else if names.iter().any(|(_, k)| *k == Name::BackupDir) {
                Err(DriveError::MissingFile { role: DriveRole::Backup, name: layout::PAIR.into() })
            } else {
                Err(DriveError::NoIdentity { role: DriveRole::Backup })
            }
        }
    }
}

/// Checks the backup drive belongs to the primary's pair.
pub(crate) fn check_pair(state: &State, pair: &PairMarker) -> Result<(), DriveError> {
    if state.pair_id == pair.pair_id {
        Ok(())
    } else {
        Err(DriveError::DifferentPair {
            primary: super::state::hex(&state.pair_id),
            backup: super::state::hex(&pair.pair_id),
        })
    }
}

/// 16 random bytes.
pub(crate) fn random_id<R: CryptoRng + ?Sized>(rng: &mut R) -> Id {
    let mut id = [0u8; 16];
    rng.fill_bytes(&mut id);
    id
}
