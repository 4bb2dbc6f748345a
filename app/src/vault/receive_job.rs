//! The receive pipeline as a background job (`platform::worker`), so
//! downloading, hashing and decrypting a large file leave the page's thread
//! free (the UI stays responsive and the page does nothing but pass
//! plaintext on to the destination).
//!
//! A picked file goes to the worker itself (file handles are cloneable):
//! the worker opens its own writable on it and commits it only after the
//! signature verified, so the plaintext never passes through the page's
//! thread (which, with a relay, was the slowest stage of a receive: every
//! byte copied into a stream, cloned across threads and written again
//! here). Other destinations (the OPFS scratch file of browsers without a
//! save picker, offered as a download from the page) stay on the page: the
//! page turns its [`Sink`] into a [`Relay`] and transfers the relay's
//! stream to the worker, which writes pending plaintext into it and closes
//! it only after the signature verified (aborts it otherwise). The keyring and the pair's BB84 link keys
//! travel as the job's byte payload (transferred, wiped in the worker's
//! wasm after use); the identities the user trusts for the sender as JSON.
//! Failures come back typed ([`VaultFailure`]), so the page shows the same
//! sentences as when it decrypts itself. Where no worker can be started,
//! the page runs the same pipeline into the same relay.

use serde::{Deserialize, Serialize};
use shared::api::b64;
use shared::crypto::secret::Secret32;
use shared::format::token::{decode_keyring, encode_keyring};
use shared::format::vault::{LINK_ID_LEN, LinkKey, Metadata, Verified};
use shared::identity::{Fingerprint, Keyring, PublicIdentity};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{FileSystemFileHandle, WritableStream};
use zeroize::Zeroizing;

use super::errors::VaultFailure;
use super::input::{DownloadInput, FileInput};
use super::progress::{Cancel, Progress, WAITING, now_ms, sleep_ms};
use super::receive::{Source, decrypt};
use super::sink::{Relay, Saved, Sink};
use crate::platform::worker::{self, Job, JobProgress, ProgressSink, WorkerError};
use crate::platform::worker_entry::take_extra;

/// Receive one file: download (or read) and decrypt it in the worker.
pub struct VaultReceive;

/// What the job needs besides the stream, the keyring and the link keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiveInput {
    /// The file on the server: id and ciphertext size. `None`: a vault
    /// file from disk, sent along as a `File`.
    pub server: Option<(String, u64)>,
    /// Public identities accepted as the sender (`QVID` bytes, base64url).
    pub trusted: Vec<String>,
}

/// A verified file, as it crosses from the worker to the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Received {
    /// The sender's fingerprint, hex.
    pub sender: String,
    /// File name.
    pub name: String,
    /// Plaintext size.
    pub size: u64,
    /// Media type.
    pub mime: String,
    /// Last modification, Unix seconds.
    pub modified: i64,
    /// The sender's note.
    pub note: String,
}

impl From<Verified> for Received {
    fn from(v: Verified) -> Self {
        let m = v.metadata;
        Self {
            sender: hex::encode(v.sender.0),
            name: m.name,
            size: m.size,
            mime: m.mime,
            modified: m.modified,
            note: m.note,
        }
    }
}

impl Received {
    fn into_verified(self) -> Option<Verified> {
        let sender = Fingerprint(hex::decode(&self.sender).ok()?.try_into().ok()?);
        let metadata =
            Metadata { name: self.name, size: self.size, mime: self.mime, modified: self.modified, note: self.note };
        Some(Verified { sender, metadata })
    }
}

/// The secret payload: `u32 keyring length ‖ keyring (token layout) ‖
/// (link id[16] ‖ link key[32])*`. Worker-internal, never stored.
fn secret_payload(keyring: &Keyring, links: &[LinkKey]) -> Zeroizing<Vec<u8>> {
    let encoded = encode_keyring(keyring);
    let mut out = Zeroizing::new(Vec::with_capacity(4 + encoded.len() + links.len() * 48));
    out.extend_from_slice(&u32::try_from(encoded.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&encoded);
    for link in links {
        out.extend_from_slice(&link.id);
        out.extend_from_slice(link.key.expose());
    }
    out
}

fn secrets_from(payload: &[u8]) -> Option<(Keyring, Vec<LinkKey>)> {
    let len = usize::try_from(u32::from_be_bytes(payload.get(..4)?.try_into().ok()?)).ok()?;
    let keyring = decode_keyring(payload.get(4..4usize.checked_add(len)?)?).ok()?;
    let rest = payload.get(4 + len..)?;
    if rest.len() % (LINK_ID_LEN + 32) != 0 {
        return None;
    }
    let links = rest
        .chunks(LINK_ID_LEN + 32)
        .map(|c| {
            Some(LinkKey {
                id: c.get(..LINK_ID_LEN)?.try_into().ok()?,
                key: Secret32::from_slice(c.get(LINK_ID_LEN..)?)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((keyring, links))
}

fn identities(encoded: &[String]) -> Option<Vec<PublicIdentity>> {
    encoded.iter().map(|k| b64::decode(k).and_then(|b| PublicIdentity::from_bytes(&b).ok())).collect()
}

/// Where a receive reads from.
pub enum Origin {
    /// File `id` on the server, of `size` ciphertext bytes.
    Server(String, u64),
    /// A vault file from disk.
    Local(web_sys::File),
}

impl Origin {
    fn source(self) -> Source {
        match self {
            Self::Server(id, size) => Source::Server(DownloadInput::new(&id, size)),
            Self::Local(file) => Source::Local(FileInput::new(file.into())),
        }
    }
}

/// Runs [`decrypt`] into `sink` with the keys the job carries.
async fn decrypt_with(
    keyring: &Keyring,
    links: &[LinkKey],
    trusted: &[PublicIdentity],
    from: Origin,
    sink: Sink,
    report: &dyn Fn(Progress),
) -> Result<Verified, VaultFailure> {
    let lookup = |fp: &Fingerprint| trusted.iter().find(|k| &k.fingerprint() == fp).cloned();
    let link_keys = |id: &[u8; LINK_ID_LEN]| links.iter().find(|l| &l.id == id).map(|l| l.key.clone());
    let (verified, _) = decrypt(keyring, from.source(), sink, &lookup, &link_keys, report, &Cancel::default()).await?;
    Ok(verified)
}

impl Job for VaultReceive {
    const NAME: &'static str = "vault.receive";
    type Input = ReceiveInput;
    type Output = Result<Received, VaultFailure>;

    fn networked(input: &ReceiveInput) -> bool {
        input.server.is_some()
    }

    async fn run(
        input: ReceiveInput,
        payload: Vec<u8>,
        progress: &mut ProgressSink,
    ) -> Result<(Self::Output, Vec<u8>), String> {
        let payload = Zeroizing::new(payload);
        let (keyring, links) = secrets_from(&payload).ok_or("the receiver's keys did not arrive intact")?;
        drop(payload);
        let extra = take_extra().ok_or("the destination did not arrive")?;
        let field = |name: &str| js_sys::Reflect::get(&extra, &name.into()).ok().filter(|v| !v.is_undefined());
        let sink = match (field("file"), field("stream")) {
            (Some(file), _) => {
                let file: FileSystemFileHandle = file.dyn_into().map_err(|_| "the destination did not arrive")?;
                match Sink::to_handle(&file).await {
                    Ok(sink) => sink,
                    Err(e) => return Ok((Err(e), Vec::new())),
                }
            }
            (None, Some(stream)) => {
                let stream: WritableStream = stream.dyn_into().map_err(|_| "the destination did not arrive")?;
                Sink::to_stream(stream).map_err(|e| e.to_string())?
            }
            (None, None) => return Err("the destination did not arrive".into()),
        };
        let from = match input.server {
            Some((id, size)) => Origin::Server(id, size),
            None => {
                Origin::Local(field("source").and_then(|f| f.dyn_into().ok()).ok_or("the file to open did not arrive")?)
            }
        };
        let trusted = identities(&input.trusted).ok_or("a sender's key did not arrive intact")?;
        let progress = std::cell::RefCell::new(progress);
        let report = |p: Progress| {
            let label = if p.waiting { WAITING } else { "decrypting" };
            progress.borrow_mut().report(p.done as f64, p.total as f64, label);
        };
        let result = decrypt_with(&keyring, &links, &trusted, from, sink, &report).await;
        Ok((result.map(Received::from), Vec::new()))
    }
}

/// A receive that verified and was saved.
#[derive(Debug)]
pub struct Receipt {
    /// Sender and metadata, verified.
    pub verified: Verified,
    /// Where the plaintext went.
    pub saved: Saved,
    /// Whether the work ran in the background worker (else on the page).
    pub in_worker: bool,
}

impl Receipt {
    /// "in the background worker" or "on this page", for messages.
    #[must_use]
    pub fn place(&self) -> &'static str {
        if self.in_worker { "in the background worker" } else { "on this page" }
    }
}

/// Receives into `sink` in a background worker (on the page if no worker
/// can be started): `trusted` are the identities accepted as the sender,
/// `links` the BB84 link keys shared with them. `on_progress` gets
/// page-side reports; `cancel` stops the work and discards the plaintext.
/// The destination is committed only after the signature verified.
///
/// # Errors
/// [`VaultFailure`], after the destination was discarded.
pub async fn receive(
    keyring: &Keyring,
    links: &[LinkKey],
    trusted: &[PublicIdentity],
    from: Origin,
    sink: Sink,
    on_progress: impl Fn(Progress) + 'static,
    cancel: &Cancel,
) -> Result<Receipt, VaultFailure> {
    // The picked file itself if there is one, else a relay into the sink.
    let (destination, relay): (JsValue, Option<Relay>) = match sink.into_file().await {
        Ok(file) => (file.into(), None),
        Err(sink) => {
            let (stream, relay) = sink.relay()?;
            (stream.into(), Some(relay))
        }
    };
    let input = ReceiveInput {
        server: match &from {
            Origin::Server(id, size) => Some((id.clone(), *size)),
            Origin::Local(_) => None,
        },
        trusted: trusted.iter().map(|k| b64::encode(&k.to_bytes())).collect(),
    };
    let extra = js_sys::Object::new();
    let key = if relay.is_some() { "stream" } else { "file" };
    let _ = js_sys::Reflect::set(&extra, &key.into(), &destination);
    if let Origin::Local(file) = &from {
        let _ = js_sys::Reflect::set(&extra, &"source".into(), file);
    }
    let started = now_ms();
    let on_progress = std::rc::Rc::new(on_progress);
    let page_progress = std::rc::Rc::clone(&on_progress);
    let payload = secret_payload(keyring, links);
    // A stream moves to the worker; a file handle is copied (it only names the file).
    let transfer: Vec<JsValue> = if relay.is_some() { vec![destination.clone()] } else { Vec::new() };
    let job = worker::start_transferring::<VaultReceive>(
        &input,
        payload.to_vec(),
        &extra,
        &transfer,
        move |p: JobProgress| {
            on_progress(Progress::from_job(&p, started));
        },
    );
    drop(payload);
    let in_worker = job.is_ok();
    let outcome = match job {
        Ok(job) => {
            let canceller = job.canceller();
            let finished = std::rc::Rc::new(std::cell::Cell::new(false));
            let watch = (cancel.clone(), std::rc::Rc::clone(&finished));
            // The worker cannot see the page's cancel flag: terminate it when set.
            wasm_bindgen_futures::spawn_local(async move {
                while !watch.1.get() {
                    if watch.0.is_cancelled() {
                        canceller.cancel();
                        break;
                    }
                    sleep_ms(100).await;
                }
            });
            let result = job.finish().await;
            finished.set(true);
            match result {
                Ok((Ok(received), _)) => received
                    .into_verified()
                    .ok_or_else(|| VaultFailure::Crypto("the worker's answer was damaged".into())),
                Ok((Err(failure), _)) => Err(failure),
                Err(WorkerError::Cancelled) => Err(VaultFailure::Cancelled),
                Err(e) => Err(VaultFailure::Crypto(e.to_string())),
            }
        }
        // No worker: the same pipeline on the page, into the same destination.
        Err(_) => {
            let sink = if relay.is_some() {
                Sink::to_stream(destination.unchecked_into())?
            } else {
                Sink::to_handle(destination.unchecked_ref()).await?
            };
            let report = |p: Progress| page_progress(p);
            decrypt_with(keyring, links, trusted, from, sink, &report).await
        }
    };
    match (outcome, relay) {
        (Ok(verified), Some(relay)) => Ok(Receipt { verified, saved: relay.commit().await?, in_worker }),
        // The worker (or the page) committed the picked file itself.
        (Ok(verified), None) => Ok(Receipt { verified, saved: Saved::Picked, in_worker }),
        (Err(e), Some(relay)) => {
            relay.discard().await;
            Err(e)
        }
        // Discarded where it was written; a terminated worker's writable
        // is dropped unclosed, which leaves the file as it was.
        (Err(e), None) => Err(e),
    }
}
