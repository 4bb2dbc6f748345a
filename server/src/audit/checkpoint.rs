//! Signed checkpoints of chain heads, and the server key that signs them.

use std::path::Path;

use shared::api::signing::checkpoint_message;
use shared::crypto::secret::Secret32;

use crate::store::{Checkpoint, Store, StoreError};
use crate::verify::{CONTEXT_AUDIT_CHECKPOINT, ServerSigner};

/// Why the server key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read or create the server key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the server key file {0} must hold exactly 32 bytes")]
    Length(String),
}

/// Loads the 32-byte seed from `path`, creating it (mode 0600) on first run.
pub async fn load_or_create_key(path: &Path) -> Result<ServerSigner, KeyFileError> {
    let io = |source| KeyFileError::Io { path: path.display().to_string(), source };
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            let seed = Secret32::from_slice(&bytes).ok_or_else(|| KeyFileError::Length(path.display().to_string()))?;
            Ok(ServerSigner::from_seed(seed))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let seed = Secret32::random(&mut shared::crypto::rng::os_rng());
            let tmp = path.with_extension("tmp");
            {
                let mut options = tokio::fs::OpenOptions::new();
                options.write(true).create(true).truncate(true);
                #[cfg(unix)]
                options.mode(0o600);
                let mut file = options.open(&tmp).await.map_err(io)?;
                tokio::io::AsyncWriteExt::write_all(&mut file, seed.expose()).await.map_err(io)?;
                file.sync_all().await.map_err(io)?;
            }
            tokio::fs::rename(&tmp, path).await.map_err(io)?;
            Ok(ServerSigner::from_seed(seed))
        }
        Err(err) => Err(io(err)),
    }
}

/// Signs every chain head that moved since its last checkpoint; returns how many.
pub async fn run(store: &dyn Store, signer: &ServerSigner, now: i64) -> Result<usize, StoreError> {
    let heads = store.unchecked_heads().await?;
    for head in &heads {
        let message = checkpoint_message(&head.username_lower, head.seq, &head.hash, now);
        let signature =
            signer.sign(&message, CONTEXT_AUDIT_CHECKPOINT).map_err(|_| StoreError::Corrupt("checkpoint signing"))?;
        store
            .insert_checkpoint(head.user_id, &Checkpoint { seq: head.seq, hash: head.hash.clone(), at: now, signature })
            .await?;
    }
    Ok(heads.len())
}
