//! Failures of the pipelines, in plain words.

use shared::format::vault::VaultError;

use crate::client::ClientError;
use crate::platform::webcrypto::WebCryptoError;

/// Why sharing, receiving or a local encryption failed. (Serialisable: a
/// receive in the background worker hands it back to the page as it is.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum VaultFailure {
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The file is not addressed to this identity.
    #[error("this file was not shared with you (not for your keys)")]
    NotForYou,
    /// Header, body or signature do not check out.
    #[error("the file was tampered with ({0}); nothing was saved")]
    Tampered(String),
    /// The file ends early.
    #[error("the file is truncated (incomplete download or damaged file); nothing was saved")]
    Truncated,
    /// The signer is not known (or their new key not yet accepted).
    #[error("the sender's key is unknown or not yet accepted ({0}); nothing was saved")]
    UnknownSender(String),
    /// Not a vault file at all.
    #[error("this is not a QuantumVault file")]
    NotAVaultFile,
    /// Other format errors.
    #[error("{0}")]
    Format(String),
    /// Reading the local file failed.
    #[error("the file could not be read: {0}")]
    Read(String),
    /// Saving failed.
    #[error("the file could not be saved: {0}")]
    Save(String),
    /// Server or connection.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The browser's crypto failed.
    #[error("{0}")]
    Crypto(String),
}

impl From<VaultError> for VaultFailure {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::NotARecipient | VaultError::MissingLinkKey => Self::NotForYou,
            VaultError::TamperedHeader
            | VaultError::TamperedBody
            | VaultError::BadSignature
            | VaultError::TrailingData
            | VaultError::Malformed(_)
            | VaultError::WrongSigner { .. } => Self::Tampered(e.to_string()),
            VaultError::Truncated => Self::Truncated,
            VaultError::UnknownSigner(fp) => Self::UnknownSender(fp.to_human()),
            VaultError::NotAVaultFile => Self::NotAVaultFile,
            other => Self::Format(other.to_string()),
        }
    }
}

impl From<WebCryptoError> for VaultFailure {
    fn from(e: WebCryptoError) -> Self {
        match e {
            WebCryptoError::Vault(v) => v.into(),
            WebCryptoError::Stream(s) => Self::Tampered(s.to_string()),
            other => Self::Crypto(other.to_string()),
        }
    }
}

impl VaultFailure {
    /// A short stable code for tests and styling.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::NotForYou => "not-for-you",
            Self::Tampered(_) => "tampered",
            Self::Truncated => "truncated",
            Self::UnknownSender(_) => "unknown-sender",
            Self::NotAVaultFile => "not-a-vault-file",
            Self::Format(_) => "format",
            Self::Read(_) => "read",
            Self::Save(_) => "save",
            Self::Client(_) => "server",
            Self::Crypto(_) => "crypto",
        }
    }
}
