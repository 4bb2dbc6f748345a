//! Opening the primary drive.

use super::Drive;
use super::audit::{self, Event};
use super::common::{p, read_keyring};
use super::error::DriveError;
use super::recover::recover_interrupted;
use super::state::State;
use super::time::UnixTime;
use crate::identity::Keyring;

/// An opened primary drive: its state and the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocked {
    /// `state.json`.
    pub state: State,
    /// The keyring of the current rotation (with earlier KEM keys).
    pub keyring: Keyring,
}

/// Opens the primary: recovers an interrupted change, reads `state.json`
/// and the token (with the PIN if the token has one), checks they agree,
/// and records the unlock in `audit.log`.
///
/// A wrong or missing PIN is [`DriveError::Token`] with
/// [`crate::format::token::TokenError::WrongPin`] /
/// [`PinRequired`](crate::format::token::TokenError::PinRequired); the app
/// counts such failures and records them with [`audit::record`]
/// ([`Event::FailedAttempt`]) once an unlock succeeds, because a failed
/// attempt has no key to MAC its entry with.
///
/// Unlocking writes (recovery, the audit entry), so a write-protected
/// stick is reported as an I/O error rather than opened silently unlogged.
///
/// # Errors
/// [`DriveError`].
pub async fn unlock<D: Drive>(primary: &D, pin: Option<&[u8]>, now: UnixTime) -> Result<Unlocked, DriveError> {
    let (state, _) = recover_interrupted(primary, None).await?;
    let keyring = read_keyring(primary, &state, pin).await?;
    let detail = format!("rotation {}", state.rotation);
    p(audit::record(primary, &keyring, &state.pair_id, Event::Unlock, &detail, now).await)?;
    Ok(Unlocked { state, keyring })
}
