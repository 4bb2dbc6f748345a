//! Receiving (and local decryption): ciphertext from the server or a local
//! file is decrypted through WebCrypto into a pending [`Sink`]; only a
//! verified signature commits it, any failure discards it.

use shared::format::vault::Verified;
use shared::identity::{Fingerprint, Keyring, PublicIdentity};

use super::errors::VaultFailure;
use super::input::{DownloadInput, FileInput};
use super::progress::{Cancel, Progress, now_ms};
use super::sink::{Saved, Sink};
use crate::platform::webcrypto::{Backend, WebVaultDecoder};

/// Where the ciphertext comes from.
pub enum Source {
    /// A file on the server: id and ciphertext size.
    Server(DownloadInput),
    /// A vault file from disk.
    Local(FileInput),
}

impl Source {
    fn total(&self) -> u64 {
        match self {
            Self::Server(d) => d.size(),
            Self::Local(f) => f.size(),
        }
    }
}

/// Decrypts `source` into `sink`, verifying the sender with `lookup`
/// (fingerprint → public identity the user trusts). The sink is committed
/// only if everything verified.
///
/// # Errors
/// [`VaultFailure`], after the sink was discarded.
pub async fn decrypt(
    keyring: &Keyring,
    mut source: Source,
    mut sink: Sink,
    lookup: &dyn Fn(&Fingerprint) -> Option<PublicIdentity>,
    link_keys: &dyn Fn(&[u8; shared::format::vault::LINK_ID_LEN]) -> Option<shared::crypto::secret::Secret32>,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<(Verified, Saved), VaultFailure> {
    let mut decoder = WebVaultDecoder::new(keyring, link_keys, Backend::Auto);
    let total = source.total();
    let started = now_ms();
    let done = std::cell::Cell::new(0u64);
    let report = |waiting: bool| {
        progress(Progress { done: done.get(), total, started_ms: started, now_ms: now_ms(), waiting });
    };
    let mut pending = Vec::new();
    let result = async {
        report(false);
        loop {
            if cancel.is_cancelled() {
                return Err(VaultFailure::Cancelled);
            }
            let piece = match &mut source {
                Source::Server(d) => d.next(cancel, &report).await?,
                Source::Local(f) => f.next().await?,
            };
            let Some(piece) = piece else { break };
            decoder.update(&piece, &mut pending).await?;
            sink.write(&pending).await?;
            pending.clear();
            done.set(done.get() + piece.len() as u64);
            report(false);
        }
        let verified = decoder.finish(&mut pending, lookup).await?;
        sink.write(&pending).await?;
        pending.clear();
        Ok::<Verified, VaultFailure>(verified)
    }
    .await;
    match result {
        Ok(verified) => Ok((verified, sink.commit().await?)),
        Err(e) => {
            sink.discard().await;
            Err(e)
        }
    }
}
