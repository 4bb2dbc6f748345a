//! Sharing (and local encryption): a `File` is read in slices, encrypted
//! through WebCrypto batches (`platform::webcrypto::WebVaultEncoder`), and
//! written as it goes — to the server in resumable pieces, or to a file
//! the user picked. At most two read slices (one being read ahead), two
//! pieces (one filling, one on the wire) and two cipher batches are in
//! memory at any time.

use std::future::Future;
use std::pin::Pin;

use js_sys::Uint8Array;

use shared::api::{FileInfo, UploadStatus};
use shared::crypto::rng::os_rng;
use shared::format::stream::{HEADER_LEN, ciphertext_len};
use shared::format::vault::{Metadata, Recipient, TRAILER_LEN};
use shared::identity::Identity;

use super::errors::VaultFailure;
use super::input::FileInput;
use super::progress::{Cancel, Progress, now_ms, sleep_ms};
use super::sink::Sink;
use crate::client::{ClientError, api};
use crate::platform::webcrypto::{Backend, WebVaultEncoder};

/// Ciphertext bytes per upload request. Each request costs the server a
/// durable write (fsync, rename, database commit), so pieces are large;
/// memory is a few pieces (one filling, one kept until the server
/// acknowledges it, the browser's copies of request bodies until collected),
/// whatever the file size.
pub const PIECE_SIZE: u32 = 16 * 1024 * 1024;

/// Where the encrypted file goes.
pub enum Destination {
    /// Upload for these usernames (the owner is implicit).
    Upload(Vec<String>),
    /// A local file (local mode).
    Local(Sink),
}

/// One file to encrypt.
pub struct Outgoing<'a> {
    /// The file.
    pub file: &'a web_sys::File,
    /// Note for the recipients (encrypted).
    pub note: &'a str,
}

/// Metadata of a browser `File`.
#[must_use]
pub fn metadata_of(file: &web_sys::File, note: &str) -> Metadata {
    Metadata {
        name: file.name(),
        size: file.size() as u64,
        mime: file.type_(),
        modified: (file.last_modified() / 1000.0) as i64,
        note: note.to_owned(),
    }
}

/// The exact vault-file size for a header of `header_len` bytes (including
/// the body's salt and commitment) and `size` content bytes.
#[must_use]
pub fn vault_len(header_len: usize, size: u64) -> Option<u64> {
    (header_len as u64)
        .checked_sub(HEADER_LEN as u64)?
        .checked_add(ciphertext_len(size)?)?
        .checked_add(TRAILER_LEN as u64)
}

/// A piece sent and not yet acknowledged (kept to resend it).
struct InFlight {
    start: u64,
    data: Uint8Array,
    answer: Pin<Box<dyn Future<Output = Result<UploadStatus, ClientError>>>>,
}

/// Resumable upload of one file in [`PIECE_SIZE`] pieces, one piece on the
/// wire while the next is being encrypted. Ciphertext is gathered in a
/// fresh JS array per piece, which is sent as it is and kept until the
/// server acknowledges it so a dropped connection can resend it.
///
/// Why a fresh array per piece and not one reused: Chromium keeps its own
/// copy of every request body until the garbage collector frees the
/// request, and in a worker that allocates nothing on the JS heap the
/// collector never runs. A new `ArrayBuffer` per piece is memory V8
/// counts, so it collects as it goes (measured, 2.5 GiB in 16 MiB pieces
/// from a worker: renderer peak 2624 MiB sending one reused array, 515 MiB
/// with a new one per piece). Filling a new array costs less than copying
/// a reused one (a 16 MiB copy per piece, ~5 % of the worker's time).
struct Uploader {
    id: String,
    acked: u64,
    /// The array being filled (allocated on first use).
    piece: Option<Uint8Array>,
    filled: u32,
    inflight: Option<InFlight>,
}

/// Attempts per piece while the connection is down.
const MAX_ATTEMPTS: u32 = 40;

impl Uploader {
    fn new(id: String) -> Self {
        Self { id, acked: 0, piece: None, filled: 0, inflight: None }
    }

    async fn write(&mut self, mut bytes: &[u8], cancel: &Cancel, waiting: &dyn Fn(bool)) -> Result<(), VaultFailure> {
        while !bytes.is_empty() {
            let piece = self.piece.get_or_insert_with(|| Uint8Array::new_with_length(PIECE_SIZE));
            let room = (PIECE_SIZE - self.filled) as usize;
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            let end = self.filled + now.len() as u32;
            piece.subarray(self.filled, end).copy_from(now);
            self.filled = end;
            bytes = rest;
            if self.filled == PIECE_SIZE {
                self.settle(cancel, waiting).await?;
                self.launch()?;
            }
        }
        Ok(())
    }

    /// Sends what is left and waits until the server has every byte.
    async fn flush(&mut self, cancel: &Cancel, waiting: &dyn Fn(bool)) -> Result<(), VaultFailure> {
        self.settle(cancel, waiting).await?;
        if self.filled > 0 {
            self.launch()?;
            self.settle(cancel, waiting).await?;
        }
        Ok(())
    }

    /// Sends the gathered piece; the next one fills a new array (see
    /// [`Uploader`] for why).
    fn launch(&mut self) -> Result<(), VaultFailure> {
        let Some(piece) = self.piece.take() else { return Ok(()) };
        let data = if self.filled == PIECE_SIZE { piece } else { piece.subarray(0, self.filled) };
        self.filled = 0;
        let answer = Box::pin(api::start_upload_piece(&self.id, self.acked, &data)?);
        self.inflight = Some(InFlight { start: self.acked, data, answer });
        Ok(())
    }

    /// Waits for the piece in flight; after a failure, asks the server how
    /// much it has and resends only what is missing.
    async fn settle(&mut self, cancel: &Cancel, waiting: &dyn Fn(bool)) -> Result<(), VaultFailure> {
        let Some(InFlight { start, data, answer }) = self.inflight.take() else { return Ok(()) };
        let end = start + u64::from(data.length());
        let mut result = answer.await;
        let mut attempts = 0;
        loop {
            let err = match result {
                Ok(status) if status.offset == end => {
                    self.acked = end;
                    waiting(false);
                    return Ok(());
                }
                Ok(status) => ClientError::Malformed(format!("server acknowledged {} bytes", status.offset)),
                Err(e) => e,
            };
            let retryable = err.is_offline() || err.code() == Some("offset_mismatch");
            attempts += 1;
            if !retryable || attempts >= MAX_ATTEMPTS {
                return Err(err.into());
            }
            if cancel.is_cancelled() {
                return Err(VaultFailure::Cancelled);
            }
            waiting(true);
            sleep_ms(250 * i32::try_from(attempts.min(8)).unwrap_or(8)).await;
            // Where does the server stand? A piece counts only once stored whole.
            result = match api::file(&self.id).await {
                Ok(info) if info.uploaded == end => {
                    Ok(UploadStatus { id: info.id, size: info.size, offset: end, finalized: false })
                }
                Ok(info) if info.uploaded == start => match api::start_upload_piece(&self.id, start, &data) {
                    Ok(f) => f.await,
                    Err(e) => Err(e),
                },
                Ok(info) => {
                    return Err(VaultFailure::Client(ClientError::Malformed(format!(
                        "the server holds {} bytes, expected {start}",
                        info.uploaded
                    ))));
                }
                Err(e) => Err(e),
            };
        }
    }
}

enum Out {
    Upload(Uploader),
    Local(Sink),
}

impl Out {
    async fn write(&mut self, bytes: &[u8], cancel: &Cancel, waiting: &dyn Fn(bool)) -> Result<(), VaultFailure> {
        match self {
            Self::Upload(u) => u.write(bytes, cancel, waiting).await,
            Self::Local(s) => s.write(bytes).await,
        }
    }
}

/// Encrypts `outgoing` from `sender` for `recipients` (each with the
/// pair's BB84 link key if there is one; the sender is always added) and writes it to `destination`. Returns the server's record for
/// uploads. On failure or cancel, the partial upload is deleted and a
/// local destination is aborted. `on_created` gets the server's id of the
/// upload as soon as it exists: whoever can stop this pipeline from outside
/// (the page terminating a worker) needs it to delete the partial upload.
///
/// # Errors
/// [`VaultFailure`].
pub async fn encrypt_file(
    sender: &Identity,
    recipients: &[Recipient],
    outgoing: Outgoing<'_>,
    destination: Destination,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
    on_created: &dyn Fn(&str),
) -> Result<Option<FileInfo>, VaultFailure> {
    let meta = metadata_of(outgoing.file, outgoing.note);
    let mut rng = os_rng();
    let (mut enc, header) = WebVaultEncoder::new(sender, recipients, &meta, &mut rng, Backend::Auto).await?;
    let total = vault_len(header.len(), meta.size).ok_or(VaultFailure::Format("file too large".into()))?;
    let mut out = match destination {
        Destination::Upload(usernames) => {
            let info = api::create_file(total, usernames).await?;
            on_created(&info.id);
            Out::Upload(Uploader::new(info.id))
        }
        Destination::Local(sink) => Out::Local(sink),
    };
    let started = now_ms();
    let report = |done: u64, waiting: bool| {
        progress(Progress { done, total: meta.size, started_ms: started, now_ms: now_ms(), waiting });
    };
    let done = std::cell::Cell::new(0u64);
    let waiting = |w: bool| report(done.get(), w);
    let result = async {
        out.write(&header, cancel, &waiting).await?;
        let mut input = FileInput::new(outgoing.file.clone().into());
        let mut buf = Vec::with_capacity(crate::vault::input::READ_SIZE as usize + 64 * 1024);
        report(0, false);
        while let Some(plain) = input.next().await? {
            if cancel.is_cancelled() {
                return Err(VaultFailure::Cancelled);
            }
            enc.update(&plain, &mut buf).await?;
            out.write(&buf, cancel, &waiting).await?;
            buf.clear();
            done.set(done.get() + plain.len() as u64);
            report(done.get(), false);
        }
        enc.finish(&mut rng, &mut buf).await?;
        out.write(&buf, cancel, &waiting).await?;
        Ok::<(), VaultFailure>(())
    }
    .await;
    match (result, out) {
        (Ok(()), Out::Upload(mut up)) => {
            up.flush(cancel, &waiting).await?;
            let info = api::finalize(&up.id).await?;
            report(meta.size, false);
            Ok(Some(info))
        }
        (Ok(()), Out::Local(sink)) => {
            sink.commit().await?;
            report(meta.size, false);
            Ok(None)
        }
        (Err(e), Out::Upload(up)) => {
            let _ = api::delete_file(&up.id).await;
            Err(e)
        }
        (Err(e), Out::Local(sink)) => {
            sink.discard().await;
            Err(e)
        }
    }
}
