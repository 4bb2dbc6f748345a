//! The dual-drive custody protocol (DESIGN §4): a user's identity lives on a
//! *primary* folder (token, `state.json`, `audit.log`) and a sealed copy on a
//! distinct *backup* folder (`.system_backup/`).
//!
//! Every operation is written against the [`Drive`] trait, so the same code
//! runs on an in-memory store that can "lose power" (tests), on a real
//! folder ([`native::FolderDrive`]) and on File System Access handles in the
//! browser (the app's `platform` module). Time and randomness are passed in,
//! so every operation is deterministic under test.
//!
//! Crash safety rests on two rules: every file write is atomic
//! ([`Drive::write_atomic`]), and writing `state.json` is the single commit
//! point of every change. Files that disagree with `state.json` are
//! leftovers of an interrupted change, and [`recover::recover_interrupted`]
//! (run by every operation before it reads anything else) removes them.

pub mod audit;
mod common;
pub mod error;
pub mod init;
pub mod layout;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod passphrase;
pub mod recover;
pub mod replace;
pub mod restore;
pub mod rotate;
pub mod state;
#[cfg(any(test, feature = "drive-testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod time;
pub mod unlock;
pub mod verify;

pub use error::{DriveError, DriveRole, IoError, IoErrorKind};
pub use init::{InitOutcome, init};
pub use passphrase::change_passphrase;
pub use recover::{RecoveryReport, recover_interrupted};
pub use replace::replace_backup;
pub use restore::restore;
pub use rotate::rotate;
pub use state::State;
pub use time::UnixTime;
pub use unlock::{Unlocked, unlock};
pub use verify::{BackupReport, verify_backup};

/// How two folders relate; the custody protocol requires [`Relation::Distinct`]
/// for the primary and the backup (a backup inside the primary would be lost
/// with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Neither contains the other.
    Distinct,
    /// The same folder (possibly reached through two handles or paths).
    Same,
    /// `self` lies somewhere inside `other`.
    InsideOther,
    /// `other` lies somewhere inside `self`.
    ContainsOther,
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The name (one path component).
    pub name: String,
    /// Whether it is a folder.
    pub is_dir: bool,
}

/// A folder the protocol reads and writes. Paths are relative to the
/// folder, use `/` as separator, and are one of the names in [`layout`]
/// (at most one level deep: `.system_backup/backup_3.enc`); `""` is the
/// folder itself.
///
/// The futures carry no `Send` bound on purpose: in the browser every
/// File System Access promise is `!Send`. The trait is executor-agnostic
/// (the crate has no runtime); a native implementation may simply do its
/// work synchronously inside the `async fn`.
///
/// How each method maps to the browser (`FileSystemDirectoryHandle` = `dir`):
///
/// | method | File System Access |
/// | --- | --- |
/// | `read` | `dir.getFileHandle(name)` → `getFile()` → `arrayBuffer()`; `NotFoundError` → `Ok(None)` |
/// | `write_atomic` | `getFileHandle(name, {create: true})` → `createWritable()` → `write(bytes)` → `close()` (the swap file is committed on `close()` only); on any error `abort()` |
/// | `list` | `for await (const [name, h] of dir.entries())`, `h.kind === "directory"`; a missing folder → `Ok(None)` |
/// | `remove` | `dir.removeEntry(name)`; `NotFoundError` → `Ok(())` |
/// | `create_dir` | `dir.getDirectoryHandle(name, {create: true})` |
/// | `relation_to` | `a.isSameEntry(b)` → `Same`; `a.resolve(b) !== null` → `ContainsOther`; `b.resolve(a) !== null` → `InsideOther` |
#[allow(async_fn_in_trait)]
pub trait Drive {
    /// Where this folder is, for messages (a path natively, the folder name in the browser).
    fn describe(&self) -> String;

    /// The whole file, or `None` if it does not exist.
    ///
    /// # Errors
    /// [`IoError`] when the file exists but cannot be read.
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError>;

    /// Replaces (or creates) the whole file: afterwards, even after a power
    /// loss, the file holds either its old content or `data`, never a mix.
    ///
    /// # Errors
    /// [`IoError`]; the old content is then still in place.
    async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError>;

    /// The entries of a folder (`""` = this folder), sorted by name, or
    /// `None` if the folder does not exist.
    ///
    /// # Errors
    /// [`IoError`].
    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError>;

    /// Removes a file; a missing file is not an error (removal is idempotent
    /// so recovery can be re-run).
    ///
    /// # Errors
    /// [`IoError`].
    async fn remove(&self, path: &str) -> Result<(), IoError>;

    /// Creates a folder; an existing folder is not an error.
    ///
    /// # Errors
    /// [`IoError`].
    async fn create_dir(&self, path: &str) -> Result<(), IoError>;

    /// How this folder relates to `other` (see [`Relation`]).
    ///
    /// # Errors
    /// [`IoError`] when it cannot be determined.
    async fn relation_to(&self, other: &Self) -> Result<Relation, IoError>;
}
