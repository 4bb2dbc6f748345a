//! The one error type at the drive protocol's boundary. Every message says
//! what happened and what the user can do about it.

use crate::crypto::password::PasswordError;
use crate::format::backup::BackupError;
use crate::format::token::TokenError;
use crate::recovery::RecoveryCodeError;

use super::state::StateError;

/// Which of the two folders a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriveRole {
    /// The drive with the token.
    Primary,
    /// The drive with `.system_backup/`.
    Backup,
}

impl core::fmt::Display for DriveRole {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Primary => "primary drive",
            Self::Backup => "backup drive",
        })
    }
}

/// What kind of storage failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoErrorKind {
    /// The browser or OS refused access (permission not granted or revoked).
    NotAllowed,
    /// The test drive "lost power" (see `drive::testing`).
    PowerLoss,
    /// A path outside the layout was asked for (a bug, never user input).
    InvalidPath,
    /// Anything else (device removed, disk full, ...).
    Other,
}

/// A storage failure, with the path it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct IoError {
    /// The kind.
    pub kind: IoErrorKind,
    /// The path inside the drive folder.
    pub path: String,
    /// The platform's message.
    pub detail: String,
}

impl IoError {
    /// Shorthand constructor.
    #[must_use]
    pub fn new(kind: IoErrorKind, path: &str, detail: impl Into<String>) -> Self {
        Self { kind, path: path.to_owned(), detail: detail.into() }
    }
}

/// Everything a drive operation can report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriveError {
    /// Reading or writing failed.
    #[error("could not access the {role} ({source}); check it is plugged in and that QuantumVault may use it")]
    Io {
        /// which drive
        role: DriveRole,
        /// the failure
        source: IoError,
    },
    /// The folder holds no QuantumVault identity at all.
    #[error("the {role} holds no QuantumVault identity; pick the folder you set up, or restore from your backup drive")]
    NoIdentity {
        /// which drive
        role: DriveRole,
    },
    /// A file the protocol needs is missing.
    #[error(
        "{name} is missing from the {role}; if you have your backup drive, passphrase and Emergency Kit, restore onto a fresh folder"
    )]
    MissingFile {
        /// which drive
        role: DriveRole,
        /// the file's name
        name: String,
    },
    /// Files that QuantumVault did not write are in the folder.
    #[error(
        "the {role} folder contains files that are not QuantumVault's ({}); pick an empty folder (for example a new folder named QuantumVault)",
        names.join(", ")
    )]
    ForeignFiles {
        /// which drive
        role: DriveRole,
        /// the names found
        names: Vec<String>,
    },
    /// The folder already holds an identity; nothing is overwritten.
    #[error("the {role} already holds a QuantumVault identity; nothing was changed. Pick an empty folder")]
    AlreadyInUse {
        /// which drive
        role: DriveRole,
    },
    /// The backup drive was picked where the primary was expected.
    #[error(
        "this is a backup drive, not a primary drive: the folders seem swapped; pick the primary (with state.json) first"
    )]
    BackupPickedAsPrimary,
    /// The primary drive was picked where the backup was expected.
    #[error(
        "this is a primary drive, not a backup drive: the folders seem swapped; pick the backup (with .system_backup) second"
    )]
    PrimaryPickedAsBackup,
    /// The two drives belong to different identities.
    #[error(
        "the backup drive belongs to another identity (pair {backup}, this primary is pair {primary}); pick the backup made with this primary"
    )]
    DifferentPair {
        /// pair id on the primary
        primary: String,
        /// pair id on the backup
        backup: String,
    },
    /// The two folders are the same folder.
    #[error("the primary and the backup are the same folder; the backup must be on a second drive")]
    SameFolder,
    /// One folder lies inside the other.
    #[error(
        "one of the folders is inside the other; the backup must be on a second drive so that losing one keeps the other"
    )]
    NestedFolders,
    /// `state.json` is not a valid state file.
    #[error("state.json on the primary drive is damaged ({0}); restore onto a fresh folder from your backup drive")]
    BadState(#[from] StateError),
    /// `.system_backup/pair.json` is not a valid pair file.
    #[error(
        ".system_backup/pair.json on the backup drive is damaged ({0}); change nothing on this drive, its backup file may still be intact"
    )]
    BadPairFile(StateError),
    /// The token could not be read.
    #[error("token_{rotation}.bin: {source}")]
    Token {
        /// rotation of the token
        rotation: u32,
        /// the problem
        source: TokenError,
    },
    /// The token does not match `state.json`.
    #[error(
        "token_{rotation}.bin does not match state.json ({what}); restore onto a fresh folder from your backup drive"
    )]
    TokenMismatch {
        /// rotation of the token
        rotation: u32,
        /// what differs
        what: &'static str,
    },
    /// The recovery code as typed has a typo (checksum or character).
    #[error(transparent)]
    RecoveryCodeTypo(#[from] RecoveryCodeError),
    /// The recovery code is well-formed but belongs to another backup.
    #[error("this recovery code does not belong to this backup; use the Emergency Kit printed for this backup drive")]
    WrongRecoveryCode,
    /// AEAD failure with the right recovery code.
    #[error("wrong passphrase (or the backup file was modified)")]
    WrongPassphrase,
    /// The backup file is damaged or unsupported.
    #[error("the backup file {name} cannot be used: {source}")]
    BadBackup {
        /// its name
        name: String,
        /// the problem
        source: BackupError,
    },
    /// The backup holds a different identity than the primary.
    #[error(
        "the backup drive holds rotation {backup_rotation} of another identity than this primary (rotation {primary_rotation}); make a new backup with “Rotate keys”"
    )]
    BackupMismatch {
        /// rotation on the primary
        primary_rotation: u32,
        /// rotation in the backup
        backup_rotation: u32,
    },
    /// Compare-and-swap on the rotation failed: someone else changed it.
    #[error("the keys were changed meanwhile (expected rotation {expected}, found {found}); reload and try again")]
    RotationConflict {
        /// what the caller believed
        expected: u32,
        /// what the drive holds
        found: u32,
    },
    /// No further rotation number exists.
    #[error("no rotation number is left")]
    RotationExhausted,
    /// Argon2id parameters were refused.
    #[error(transparent)]
    Password(#[from] PasswordError),
}

impl DriveError {
    /// An I/O failure on `role`.
    #[must_use]
    pub fn io(role: DriveRole, e: IoError) -> Self {
        Self::Io { role, source: e }
    }

    /// A backup-format error mapped to the specific variants.
    #[must_use]
    pub fn from_backup(name: &str, e: BackupError) -> Self {
        match e {
            BackupError::WrongRecoveryCode => Self::WrongRecoveryCode,
            BackupError::WrongPassphrase => Self::WrongPassphrase,
            source => Self::BadBackup { name: name.to_owned(), source },
        }
    }
}
