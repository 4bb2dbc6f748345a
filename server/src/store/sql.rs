//! [`Store`] over SQLite or PostgreSQL through `sqlx`'s `Any` driver: one set
//! of portable queries, the backend chosen by the database URL.

use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
// `AssertSqlSafe` wraps queries assembled only from the constant fragments below.
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::{
    Admission, AuditRow, ChainHead, Challenge, Checkpoint, FileRecord, KeyRecord, Link, Piece, Quota, Result, Session,
    Store, StoreError, User,
};

/// Metadata store over a `sqlx` pool.
pub struct SqlStore {
    pool: AnyPool,
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn to_i64(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("value exceeds 2^63"))
}

fn to_u64(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("negative size or sequence"))
}

fn unhex(text: &str) -> Result<Vec<u8>> {
    hex::decode(text).map_err(|_| StoreError::Corrupt("bytes column is not hex"))
}

impl SqlStore {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and runs migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("postgres:") && !url.starts_with("postgresql:") {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        }
        let options = AnyPoolOptions::new().max_connections(if sqlite { 4 } else { 16 });
        let pool = if sqlite {
            // WAL lets readers proceed during a write; a busy timeout queues writers
            // instead of failing them. Both are per connection, so set them on each.
            options
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        sqlx::raw_sql(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;",
                        )
                        .execute(conn)
                        .await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?
        } else {
            options.connect(url).await?
        };
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS qv_schema (version BIGINT NOT NULL)").execute(&self.pool).await?;
        let current: Option<i64> =
            sqlx::query("SELECT MAX(version) AS v FROM qv_schema").fetch_one(&self.pool).await?.try_get("v")?;
        let current = usize::try_from(current.unwrap_or(0)).map_err(|_| StoreError::Corrupt("schema version"))?;
        for (index, migration) in super::migrations::MIGRATIONS.iter().enumerate().skip(current) {
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(*migration).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO qv_schema (version) VALUES ($1)")
                .bind(to_i64(index as u64 + 1)?)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = index + 1, "database schema migrated");
        }
        Ok(())
    }

    async fn recipients(&self, file_id: &str) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT u.id AS id, u.username AS username FROM file_recipients r JOIN users u ON u.id = r.user_id \
             WHERE r.file_id = $1 ORDER BY u.username_lower",
        )
        .bind(file_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("username")?))).collect()
    }

    async fn file_from_row(&self, row: &AnyRow) -> Result<FileRecord> {
        let id: String = row.try_get("id")?;
        let recipients = self.recipients(&id).await?;
        Ok(FileRecord {
            owner_id: row.try_get("owner_id")?,
            owner: row.try_get("owner")?,
            size: to_u64(row.try_get("size")?)?,
            uploaded: to_u64(row.try_get("uploaded")?)?,
            finalized_at: row.try_get("finalized_at")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            recipients,
            id,
        })
    }
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

fn key_from_row(row: &AnyRow) -> Result<KeyRecord> {
    let rotation: i64 = row.try_get("rotation")?;
    let rotation_signature: Option<String> = row.try_get("rotation_signature")?;
    Ok(KeyRecord {
        rotation: u32::try_from(rotation).map_err(|_| StoreError::Corrupt("rotation"))?,
        mldsa65_public_key: unhex(&row.try_get::<String, _>("mldsa65_public_key")?)?,
        xwing_public_key: unhex(&row.try_get::<String, _>("xwing_public_key")?)?,
        fingerprint: unhex(&row.try_get::<String, _>("fingerprint")?)?,
        self_signature: unhex(&row.try_get::<String, _>("self_signature")?)?,
        rotation_signature: rotation_signature.as_deref().map(unhex).transpose()?,
        created_at: row.try_get("key_created_at")?,
    })
}

const USER_SELECT: &str = "SELECT u.id AS id, u.username AS username, u.username_lower AS username_lower, \
    u.created_at AS created_at, k.rotation AS rotation, k.mldsa65_public_key AS mldsa65_public_key, \
    k.xwing_public_key AS xwing_public_key, k.fingerprint AS fingerprint, k.self_signature AS self_signature, \
    k.rotation_signature AS rotation_signature, k.created_at AS key_created_at \
    FROM users u JOIN user_keys k ON k.user_id = u.id AND k.rotation = u.rotation";

fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        username_lower: row.try_get("username_lower")?,
        created_at: row.try_get("created_at")?,
        current: key_from_row(row)?,
    })
}

const FILE_SELECT: &str = "SELECT f.id AS id, f.owner_id AS owner_id, u.username AS owner, f.size AS size, \
    f.uploaded AS uploaded, f.finalized_at AS finalized_at, f.created_at AS created_at, f.updated_at AS updated_at \
    FROM files f JOIN users u ON u.id = f.owner_id";

fn audit_from_row(row: &AnyRow) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: to_u64(row.try_get("seq")?)?,
        at: row.try_get("at")?,
        event: row.try_get("event")?,
        detail: row.try_get("detail")?,
        prev_hash: unhex(&row.try_get::<String, _>("prev_hash")?)?,
        hash: unhex(&row.try_get::<String, _>("hash")?)?,
    })
}

const LINK_SELECT: &str = "SELECT l.id AS id, l.from_id AS from_id, l.to_id AS to_id, f.username AS from_name, \
    t.username AS to_name, l.record AS record, l.created_at AS created_at \
    FROM links l JOIN users f ON f.id = l.from_id JOIN users t ON t.id = l.to_id";

fn link_from_row(row: &AnyRow) -> Result<Link> {
    Ok(Link {
        id: row.try_get("id")?,
        from_id: row.try_get("from_id")?,
        to_id: row.try_get("to_id")?,
        from: row.try_get("from_name")?,
        to: row.try_get("to_name")?,
        record: unhex(&row.try_get::<String, _>("record")?)?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl Store for SqlStore {
    async fn create_user(&self, username: &str, username_lower: &str, keys: &KeyRecord, now: i64) -> Result<i64> {
        // Random 63-bit ids: portable (no sequences) and they leak no sign-up order.
        let mut raw = [0u8; 8];
        getrandom::fill(&mut raw).map_err(|_| StoreError::Corrupt("no randomness"))?;
        let id = i64::from_be_bytes(raw) & i64::MAX;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, username_lower, rotation, created_at) VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(id)
        .bind(username)
        .bind(username_lower)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(err) if is_unique_violation(&err) => return Err(StoreError::Conflict("username taken")),
            other => other?,
        };
        insert_key(&mut tx, id, keys).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn find_user(&self, username_lower: &str) -> Result<Option<User>> {
        let row = sqlx::query(AssertSqlSafe(format!("{USER_SELECT} WHERE u.username_lower = $1")))
            .bind(username_lower)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn find_user_by_id(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query(AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn key_history(&self, user_id: i64) -> Result<Vec<KeyRecord>> {
        let rows = sqlx::query(
            "SELECT rotation, mldsa65_public_key, xwing_public_key, fingerprint, self_signature, rotation_signature, \
             created_at AS key_created_at FROM user_keys WHERE user_id = $1 ORDER BY rotation",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    async fn add_rotation(&self, user_id: i64, keys: &KeyRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // The update comes first: it takes the write lock and is the compare-and-swap.
        let done = sqlx::query("UPDATE users SET rotation = $1 WHERE id = $2 AND rotation = $3")
            .bind(i64::from(keys.rotation))
            .bind(user_id)
            .bind(i64::from(keys.rotation) - 1)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("rotation is not current + 1"));
        }
        insert_key(&mut tx, user_id, keys).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_challenge(&self, c: &Challenge) -> Result<()> {
        sqlx::query(
            "INSERT INTO challenges (id, user_id, nonce, origin, expires_at, used) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(&c.id)
        .bind(c.user_id)
        .bind(hex::encode(&c.nonce))
        .bind(&c.origin)
        .bind(c.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_challenge(&self, id: &str, now: i64) -> Result<Option<Challenge>> {
        // Single use: only the request whose update flips `used` gets the
        // challenge. One statement (RETURNING, SQLite ≥ 3.35 and PostgreSQL),
        // so the cleanup task cannot delete the row between claim and read.
        let row = sqlx::query(
            "UPDATE challenges SET used = 1 WHERE id = $1 AND used = 0 AND expires_at > $2 \
             RETURNING id, user_id, nonce, origin, expires_at",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Challenge {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                nonce: unhex(&r.try_get::<String, _>("nonce")?)?,
                origin: r.try_get("origin")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn insert_session(&self, token_hash: &[u8], user_id: i64, now: i64, expires_at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(hex::encode(token_hash))
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn find_session(&self, token_hash: &[u8], now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.token_hash AS token_hash, s.user_id AS user_id, s.expires_at AS expires_at, u.username AS username, \
             u.username_lower AS username_lower FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.revoked = 0 AND s.expires_at > $2",
        )
        .bind(hex::encode(token_hash))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                token_hash: unhex(&r.try_get::<String, _>("token_hash")?)?,
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                username_lower: r.try_get("username_lower")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn revoke_session(&self, token_hash: &[u8]) -> Result<()> {
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE token_hash = $1")
            .bind(hex::encode(token_hash))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_file(&self, f: &FileRecord, quota: Quota) -> Result<Admission> {
        let mut tx = self.pool.begin().await?;
        // A no-op write to the owner's row: PostgreSQL locks the row and SQLite
        // takes its write lock, so a concurrent create by the same owner waits
        // here until this one commits and then counts this file.
        sqlx::query("UPDATE users SET id = id WHERE id = $1").bind(f.owner_id).execute(&mut *tx).await?;
        // PostgreSQL's SUM(BIGINT) is NUMERIC: cast back so both backends return BIGINT.
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes, COUNT(*) AS n FROM files WHERE owner_id = $1",
        )
        .bind(f.owner_id)
        .fetch_one(&mut *tx)
        .await?;
        let (bytes, files) = (to_u64(row.try_get("bytes")?)?, to_u64(row.try_get("n")?)?);
        if files.saturating_add(1) > quota.files || bytes.saturating_add(f.size) > quota.bytes {
            tx.rollback().await?;
            return Ok(Admission::OverQuota { bytes, files });
        }
        sqlx::query(
            "INSERT INTO files (id, owner_id, size, uploaded, finalized_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 0, NULL, $4, $5)",
        )
        .bind(&f.id)
        .bind(f.owner_id)
        .bind(to_i64(f.size)?)
        .bind(f.created_at)
        .bind(f.updated_at)
        .execute(&mut *tx)
        .await?;
        for (user_id, _) in &f.recipients {
            sqlx::query("INSERT INTO file_recipients (file_id, user_id) VALUES ($1, $2)")
                .bind(&f.id)
                .bind(*user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Admission::Created)
    }

    async fn get_file(&self, id: &str) -> Result<Option<FileRecord>> {
        let row = sqlx::query(AssertSqlSafe(format!("{FILE_SELECT} WHERE f.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.file_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn add_piece(&self, file_id: &str, piece: &Piece, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE files SET uploaded = uploaded + $1, updated_at = $2 \
             WHERE id = $3 AND uploaded = $4 AND finalized_at IS NULL AND uploaded + $5 <= size",
        )
        .bind(to_i64(piece.len)?)
        .bind(now)
        .bind(file_id)
        .bind(to_i64(piece.offset)?)
        .bind(to_i64(piece.len)?)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("offset is not the acknowledged size, or the file is finalized"));
        }
        sqlx::query("INSERT INTO file_pieces (file_id, piece_offset, len, blob_key) VALUES ($1, $2, $3, $4)")
            .bind(file_id)
            .bind(to_i64(piece.offset)?)
            .bind(to_i64(piece.len)?)
            .bind(&piece.blob_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pieces(&self, file_id: &str) -> Result<Vec<Piece>> {
        let rows =
            sqlx::query("SELECT piece_offset, len, blob_key FROM file_pieces WHERE file_id = $1 ORDER BY piece_offset")
                .bind(file_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Piece {
                    offset: to_u64(r.try_get("piece_offset")?)?,
                    len: to_u64(r.try_get("len")?)?,
                    blob_key: r.try_get("blob_key")?,
                })
            })
            .collect()
    }

    async fn finalize_file(&self, file_id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE files SET finalized_at = $1, updated_at = $2 WHERE id = $3 AND finalized_at IS NULL AND uploaded = size",
        )
        .bind(now)
        .bind(now)
        .bind(file_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_files(&self, user_id: i64, shared: bool) -> Result<Vec<FileRecord>> {
        let sql = if shared {
            format!(
                "{FILE_SELECT} JOIN file_recipients r ON r.file_id = f.id \
                 WHERE r.user_id = $1 AND f.finalized_at IS NOT NULL ORDER BY f.created_at DESC, f.id"
            )
        } else {
            format!(
                "{FILE_SELECT} WHERE f.owner_id = $1 AND f.finalized_at IS NOT NULL ORDER BY f.created_at DESC, f.id"
            )
        };
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(user_id).fetch_all(&self.pool).await?;
        let mut files = Vec::with_capacity(rows.len());
        for row in &rows {
            files.push(self.file_from_row(row).await?);
        }
        Ok(files)
    }

    async fn delete_file(&self, file_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM files WHERE id = $1",
            "DELETE FROM file_recipients WHERE file_id = $1",
            "DELETE FROM file_pieces WHERE file_id = $1",
        ] {
            sqlx::query(sql).bind(file_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn abandoned_uploads(&self, before: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM files WHERE finalized_at IS NULL AND updated_at < $1")
            .bind(before)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    async fn insert_link(&self, l: &Link) -> Result<()> {
        sqlx::query("INSERT INTO links (id, from_id, to_id, record, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&l.id)
            .bind(l.from_id)
            .bind(l.to_id)
            .bind(hex::encode(&l.record))
            .bind(l.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_link(&self, id: &str) -> Result<Option<Link>> {
        let row = sqlx::query(AssertSqlSafe(format!("{LINK_SELECT} WHERE l.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(link_from_row).transpose()
    }

    async fn list_links(&self, user_id: i64) -> Result<Vec<Link>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{LINK_SELECT} WHERE l.from_id = $1 OR l.to_id = $2 ORDER BY l.created_at DESC, l.id"
        )))
        .bind(user_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    async fn audit_head(&self, user_id: i64) -> Result<Option<AuditRow>> {
        let row = sqlx::query(
            "SELECT seq, at, event, detail, prev_hash, hash FROM audit WHERE user_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(audit_from_row).transpose()
    }

    async fn insert_audit(&self, user_id: i64, a: &AuditRow) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO audit (user_id, seq, at, event, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user_id)
        .bind(to_i64(a.seq)?)
        .bind(a.at)
        .bind(&a.event)
        .bind(&a.detail)
        .bind(hex::encode(&a.prev_hash))
        .bind(hex::encode(&a.hash))
        .execute(&self.pool)
        .await;
        match done {
            Err(err) if is_unique_violation(&err) => Err(StoreError::Conflict("audit sequence taken")),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    async fn audit_entries(&self, user_id: i64) -> Result<Vec<AuditRow>> {
        let rows =
            sqlx::query("SELECT seq, at, event, detail, prev_hash, hash FROM audit WHERE user_id = $1 ORDER BY seq")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn unchecked_heads(&self) -> Result<Vec<ChainHead>> {
        let rows = sqlx::query(
            "SELECT a.user_id AS user_id, u.username_lower AS username_lower, a.seq AS seq, a.hash AS hash \
             FROM audit a JOIN users u ON u.id = a.user_id \
             WHERE a.seq = (SELECT MAX(b.seq) FROM audit b WHERE b.user_id = a.user_id) \
             AND a.seq > COALESCE((SELECT MAX(c.seq) FROM audit_checkpoints c WHERE c.user_id = a.user_id), 0)",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChainHead {
                    user_id: r.try_get("user_id")?,
                    username_lower: r.try_get("username_lower")?,
                    seq: to_u64(r.try_get("seq")?)?,
                    hash: unhex(&r.try_get::<String, _>("hash")?)?,
                })
            })
            .collect()
    }

    async fn insert_checkpoint(&self, user_id: i64, c: &Checkpoint) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO audit_checkpoints (user_id, seq, hash, at, signature) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(to_i64(c.seq)?)
        .bind(hex::encode(&c.hash))
        .bind(c.at)
        .bind(hex::encode(&c.signature))
        .execute(&self.pool)
        .await;
        match done {
            // Another maintenance pass checkpointed the same head: fine.
            Err(err) if is_unique_violation(&err) => Ok(()),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    async fn latest_checkpoint(&self, user_id: i64) -> Result<Option<Checkpoint>> {
        let row = sqlx::query(
            "SELECT seq, hash, at, signature FROM audit_checkpoints WHERE user_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Checkpoint {
                seq: to_u64(r.try_get("seq")?)?,
                hash: unhex(&r.try_get::<String, _>("hash")?)?,
                at: r.try_get("at")?,
                signature: unhex(&r.try_get::<String, _>("signature")?)?,
            })
        })
        .transpose()
    }

    async fn purge_expired(&self, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM challenges WHERE used = 1 OR expires_at <= $1").bind(now).execute(&self.pool).await?;
        sqlx::query("DELETE FROM sessions WHERE revoked = 1 OR expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(())
    }
}

async fn insert_key(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user_id: i64, k: &KeyRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_keys (user_id, rotation, mldsa65_public_key, xwing_public_key, fingerprint, self_signature, \
         rotation_signature, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user_id)
    .bind(i64::from(k.rotation))
    .bind(hex::encode(&k.mldsa65_public_key))
    .bind(hex::encode(&k.xwing_public_key))
    .bind(hex::encode(&k.fingerprint))
    .bind(hex::encode(&k.self_signature))
    .bind(k.rotation_signature.as_ref().map(hex::encode))
    .bind(k.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
