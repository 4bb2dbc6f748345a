//! Schema migrations, written once in SQL both SQLite and PostgreSQL accept:
//! only `BIGINT` and `TEXT` columns (bytes are stored as hex), no
//! dialect-specific types or functions.

/// Ordered migrations; the index + 1 is the schema version. Never edit a
/// released entry: append a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    username_lower TEXT NOT NULL UNIQUE,
    rotation BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE user_keys (
    user_id BIGINT NOT NULL,
    rotation BIGINT NOT NULL,
    mldsa65_public_key TEXT NOT NULL,
    xwing_public_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    self_signature TEXT NOT NULL,
    rotation_signature TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, rotation)
);
CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    origin TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used BIGINT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL
);
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    owner_id BIGINT NOT NULL,
    size BIGINT NOT NULL,
    uploaded BIGINT NOT NULL,
    finalized_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX files_owner ON files (owner_id);
CREATE TABLE file_recipients (
    file_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (file_id, user_id)
);
CREATE INDEX file_recipients_user ON file_recipients (user_id);
CREATE TABLE file_pieces (
    file_id TEXT NOT NULL,
    piece_offset BIGINT NOT NULL,
    len BIGINT NOT NULL,
    blob_key TEXT NOT NULL,
    PRIMARY KEY (file_id, piece_offset)
);
CREATE TABLE links (
    id TEXT PRIMARY KEY,
    from_id BIGINT NOT NULL,
    to_id BIGINT NOT NULL,
    record TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX links_to ON links (to_id);
CREATE INDEX links_from ON links (from_id);
CREATE TABLE audit (
    user_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);
CREATE TABLE audit_checkpoints (
    user_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);
",
];
