//! Names and details of files on the server. Names are never on the server:
//! the header and encrypted metadata are fetched with a `Range` request and
//! opened with our keys here.

use shared::api::FileInfo;
use shared::format::vault::{MAX_HEADER_LEN, parse_header};
use shared::identity::{Fingerprint, Keyring};

use super::errors::VaultFailure;
use crate::client::{api, transport};

/// The decrypted details of one file (pending until a download verifies the signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    /// File name.
    pub name: String,
    /// Plaintext size.
    pub size: u64,
    /// Media type.
    pub mime: String,
    /// Modification time, Unix seconds.
    pub modified: i64,
    /// Note from the sender.
    pub note: String,
    /// Sender fingerprint named by the header.
    pub sender: Fingerprint,
}

/// First guess of the header size: one or two stanzas and a short name.
const FIRST_RANGE: u64 = 16 * 1024;

/// Fetches and opens the header of `info`.
///
/// # Errors
/// [`VaultFailure`] (not for you, tampered header, connection).
pub async fn details(
    keyring: &Keyring,
    info: &FileInfo,
    link_keys: &dyn Fn(&[u8; shared::format::vault::LINK_ID_LEN]) -> Option<shared::crypto::secret::Secret32>,
) -> Result<Details, VaultFailure> {
    let mut want = FIRST_RANGE.min(info.size);
    loop {
        let response = api::content(&info.id, 0, Some(want.saturating_sub(1))).await?;
        let bytes = transport::bytes(response).await?;
        match parse_header(&bytes)? {
            Some((raw, _)) => {
                let opened = raw.open(keyring, link_keys)?;
                let m = &opened.metadata;
                return Ok(Details {
                    name: m.name.clone(),
                    size: m.size,
                    mime: m.mime.clone(),
                    modified: m.modified,
                    note: m.note.clone(),
                    sender: opened.sender,
                });
            }
            None if want < info.size.min(MAX_HEADER_LEN as u64) => want = info.size.min(MAX_HEADER_LEN as u64),
            None => return Err(VaultFailure::Truncated),
        }
    }
}
