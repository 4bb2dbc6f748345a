//! Metadata storage: accounts, keys, challenges, sessions, files, links and
//! the audit chain. [`Store`] is the seam; [`sql::SqlStore`] implements it
//! over SQLite or PostgreSQL with the same migrations and queries.

pub mod migrations;
pub mod sql;

use async_trait::async_trait;

/// A failure of the metadata store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule or a compare-and-swap condition was not met.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The database URL names no supported database.
    #[error("unsupported database URL (expected sqlite://… or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// The database refused or failed an operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value is out of range (a bug or a tampered database).
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An account and its current keys.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub username_lower: String,
    pub created_at: i64,
    pub current: KeyRecord,
}

/// One rotation of a user's public identity.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub rotation: u32,
    pub mldsa65_public_key: Vec<u8>,
    pub xwing_public_key: Vec<u8>,
    pub fingerprint: Vec<u8>,
    pub self_signature: Vec<u8>,
    pub rotation_signature: Option<Vec<u8>>,
    pub created_at: i64,
}

/// A pending sign-in challenge.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: String,
    pub user_id: i64,
    pub nonce: Vec<u8>,
    pub origin: String,
    pub expires_at: i64,
}

/// A live session, looked up by token hash.
#[derive(Debug, Clone)]
pub struct Session {
    /// SHA-256 of the token, as stored; compared again in constant time.
    pub token_hash: Vec<u8>,
    pub user_id: i64,
    pub username: String,
    pub username_lower: String,
    pub expires_at: i64,
}

/// Per-user storage limits.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub bytes: u64,
    pub files: u64,
}

/// What [`Store::create_file`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Created,
    /// Refused; the owner's usage before this file.
    OverQuota {
        bytes: u64,
        files: u64,
    },
}

/// A file's metadata row.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub id: String,
    pub owner_id: i64,
    pub owner: String,
    pub size: u64,
    pub uploaded: u64,
    pub finalized_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// (user id, username) of each recipient.
    pub recipients: Vec<(i64, String)>,
}

/// One acknowledged piece of an upload, stored as its own blob.
#[derive(Debug, Clone)]
pub struct Piece {
    pub offset: u64,
    pub len: u64,
    pub blob_key: String,
}

/// A stored BB84 link record.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    pub from: String,
    pub to: String,
    pub from_id: i64,
    pub to_id: i64,
    pub record: Vec<u8>,
    pub created_at: i64,
}

/// One audit chain entry.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub seq: u64,
    pub at: i64,
    pub event: String,
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A chain head that has no checkpoint yet.
#[derive(Debug, Clone)]
pub struct ChainHead {
    pub user_id: i64,
    pub username_lower: String,
    pub seq: u64,
    pub hash: Vec<u8>,
}

/// A signed checkpoint of a chain head.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: Vec<u8>,
    pub at: i64,
    pub signature: Vec<u8>,
}

/// Metadata storage. Every method is one atomic step, so a crash between
/// two calls leaves the database consistent.
#[async_trait]
pub trait Store: Send + Sync {
    /// Creates an account with its rotation-0 keys; `Conflict` if the name is taken (any case).
    async fn create_user(&self, username: &str, username_lower: &str, keys: &KeyRecord, now: i64) -> Result<i64>;
    async fn find_user(&self, username_lower: &str) -> Result<Option<User>>;
    async fn find_user_by_id(&self, id: i64) -> Result<Option<User>>;
    /// Every rotation of a user, oldest first.
    async fn key_history(&self, user_id: i64) -> Result<Vec<KeyRecord>>;
    /// Adds rotation `keys.rotation`; `Conflict` unless it is exactly current + 1.
    async fn add_rotation(&self, user_id: i64, keys: &KeyRecord) -> Result<()>;

    async fn insert_challenge(&self, challenge: &Challenge) -> Result<()>;
    /// Marks the challenge used and returns it, if it exists, is unused and has not expired.
    async fn take_challenge(&self, id: &str, now: i64) -> Result<Option<Challenge>>;

    async fn insert_session(&self, token_hash: &[u8], user_id: i64, now: i64, expires_at: i64) -> Result<()>;
    /// The session for a token hash, if it exists, is not revoked and has not expired.
    async fn find_session(&self, token_hash: &[u8], now: i64) -> Result<Option<Session>>;
    async fn revoke_session(&self, token_hash: &[u8]) -> Result<()>;

    /// Creates the file unless the owner's usage (unfinished uploads
    /// included) plus this file would exceed `quota`. Check and insert are
    /// one transaction that first locks the owner's row, so concurrent
    /// creates cannot together overrun the quota.
    async fn create_file(&self, file: &FileRecord, quota: Quota) -> Result<Admission>;
    async fn get_file(&self, id: &str) -> Result<Option<FileRecord>>;
    /// Records an acknowledged piece; `Conflict` unless `piece.offset` is the
    /// current uploaded size and the file is not finalized.
    async fn add_piece(&self, file_id: &str, piece: &Piece, now: i64) -> Result<()>;
    async fn pieces(&self, file_id: &str) -> Result<Vec<Piece>>;
    /// Finalizes if every declared byte arrived; `false` otherwise.
    async fn finalize_file(&self, file_id: &str, now: i64) -> Result<bool>;
    /// Finalized files the user owns (`shared = false`) or receives (`shared = true`), newest first.
    async fn list_files(&self, user_id: i64, shared: bool) -> Result<Vec<FileRecord>>;
    async fn delete_file(&self, file_id: &str) -> Result<()>;
    /// Unfinished uploads idle since before `before`.
    async fn abandoned_uploads(&self, before: i64) -> Result<Vec<String>>;

    async fn insert_link(&self, link: &Link) -> Result<()>;
    async fn get_link(&self, id: &str) -> Result<Option<Link>>;
    async fn list_links(&self, user_id: i64) -> Result<Vec<Link>>;

    /// The last entry of a user's chain.
    async fn audit_head(&self, user_id: i64) -> Result<Option<AuditRow>>;
    /// Appends; `Conflict` if `row.seq` is already taken (a concurrent append won).
    async fn insert_audit(&self, user_id: i64, row: &AuditRow) -> Result<()>;
    async fn audit_entries(&self, user_id: i64) -> Result<Vec<AuditRow>>;
    /// Chain heads newer than their latest checkpoint.
    async fn unchecked_heads(&self) -> Result<Vec<ChainHead>>;
    async fn insert_checkpoint(&self, user_id: i64, checkpoint: &Checkpoint) -> Result<()>;
    async fn latest_checkpoint(&self, user_id: i64) -> Result<Option<Checkpoint>>;

    /// Deletes used or expired challenges and expired or revoked sessions.
    async fn purge_expired(&self, now: i64) -> Result<()>;
}
