//! The share pipeline as a background job (`platform::worker`), so
//! encryption, hashing and upload run off the page's thread. The page posts
//! the `File` (structured clone: no bytes are copied), the recipients'
//! public identities and usernames as JSON, and the sender's two seeds as
//! the byte payload (transferred, wiped in the worker's wasm after use);
//! progress comes back as messages. Cancelling terminates the worker.
//! BB84 link keys of the pairs travel in the same wiped payload.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use shared::api::FileInfo;
use shared::api::b64;
use shared::crypto::secret::Secret32;
use shared::format::vault::{LinkKey, Recipient};
use shared::identity::{IdentitySeeds, PublicIdentity};
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use super::errors::VaultFailure;
use super::progress::{Cancel, Progress, WAITING, now_ms};
use super::send::{Destination, Outgoing, encrypt_file};
use crate::client::api;
use crate::platform::worker::{self, Canceller, Job, JobProgress, ProgressSink, WorkerError};
use crate::platform::worker_entry::take_extra;

/// Share one file: encrypt in the worker and upload from it.
pub struct VaultShare;

/// What the job needs besides the file and the seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareInput {
    /// Usernames the server lets fetch the file.
    pub recipients: Vec<String>,
    /// Their public identities (`QVID` bytes, base64url), same order.
    pub keys: Vec<String>,
    /// Note for the recipients (encrypted).
    pub note: String,
}

/// Label prefix of the one report carrying the upload's id (`created:ID`),
/// so the page can delete the partial upload if it terminates the worker.
const CREATED: &str = "created:";

/// The secret payload: `u32 rotation ‖ ML-DSA ξ[32] ‖ X-Wing seed[32]`,
/// then per recipient (in order) `u8 has_link ‖ link id[16] ‖ link key[32]`
/// (zeros without a link). Worker-internal, never stored.
#[must_use]
pub fn secret_payload(seeds: &IdentitySeeds, links: &[Option<LinkKey>]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(68 + links.len() * 49));
    out.extend_from_slice(&seeds.rotation.to_be_bytes());
    out.extend_from_slice(seeds.sign_seed.expose());
    out.extend_from_slice(seeds.kem_seed.expose());
    for link in links {
        match link {
            Some(l) => {
                out.push(1);
                out.extend_from_slice(&l.id);
                out.extend_from_slice(l.key.expose());
            }
            None => out.extend_from_slice(&[0; 49]),
        }
    }
    out
}

fn secrets_from(payload: &[u8], recipients: usize) -> Option<(IdentitySeeds, Vec<Option<LinkKey>>)> {
    if payload.len() != 68 + recipients * 49 {
        return None;
    }
    let rotation = u32::from_be_bytes(payload.get(..4)?.try_into().ok()?);
    let seeds = IdentitySeeds {
        rotation,
        sign_seed: Secret32::from_slice(payload.get(4..36)?)?,
        kem_seed: Secret32::from_slice(payload.get(36..68)?)?,
    };
    let links = payload
        .get(68..)?
        .chunks(49)
        .map(|c| match c.first() {
            Some(1) => Some(LinkKey { id: c.get(1..17)?.try_into().ok()?, key: Secret32::from_slice(c.get(17..49)?)? }),
            _ => None,
        })
        .collect();
    Some((seeds, links))
}

impl Job for VaultShare {
    const NAME: &'static str = "vault.share";
    type Input = ShareInput;
    type Output = Option<FileInfo>;

    fn networked(_input: &ShareInput) -> bool {
        true
    }

    async fn run(
        input: ShareInput,
        payload: Vec<u8>,
        progress: &mut ProgressSink,
    ) -> Result<(Option<FileInfo>, Vec<u8>), String> {
        let payload = Zeroizing::new(payload);
        let (seeds, links) =
            secrets_from(&payload, input.keys.len()).ok_or("the sender's keys did not arrive intact")?;
        drop(payload);
        let file: web_sys::File =
            take_extra().and_then(|v| v.dyn_into().ok()).ok_or("the file to share did not arrive")?;
        let keys = input
            .keys
            .iter()
            .zip(links)
            .map(|(k, link)| {
                b64::decode(k)
                    .and_then(|b| PublicIdentity::from_bytes(&b).ok())
                    .map(|identity| Recipient { identity, link })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("a recipient's key did not arrive intact")?;
        let sender = seeds.identity();
        let sink = RefCell::new(progress);
        let report = |p: Progress| {
            sink.borrow_mut().report(p.done as f64, p.total as f64, if p.waiting { WAITING } else { "encrypting" });
        };
        let outgoing = Outgoing { file: &file, note: &input.note };
        let destination = Destination::Upload(input.recipients);
        // `done >= total`: never dropped by the sink's rate limit.
        let created = |id: &str| sink.borrow_mut().report(0.0, 0.0, &format!("{CREATED}{id}"));
        let info = encrypt_file(&sender, &keys, outgoing, destination, &report, &Cancel::default(), &created)
            .await
            .map_err(|e| e.to_string())?;
        Ok((info, Vec::new()))
    }
}

/// Starts sharing `file` in a background worker. `on_progress` gets page-side
/// [`Progress`] reports. Returns the running job's future and its canceller.
///
/// # Errors
/// [`WorkerError`] if no worker can be started (the caller then runs the
/// pipeline on the page).
pub fn start(
    seeds: &IdentitySeeds,
    recipients: &[(String, Recipient)],
    file: &web_sys::File,
    note: &str,
    on_progress: Box<dyn Fn(Progress)>,
) -> Result<(impl std::future::Future<Output = Result<Option<FileInfo>, VaultFailure>> + use<>, Canceller), WorkerError>
{
    let input = ShareInput {
        recipients: recipients.iter().map(|(u, _)| u.clone()).collect(),
        keys: recipients.iter().map(|(_, r)| b64::encode(&r.identity.to_bytes())).collect(),
        note: note.to_owned(),
    };
    let started = now_ms();
    let links: Vec<Option<LinkKey>> = recipients.iter().map(|(_, r)| r.link.clone()).collect();
    let payload = secret_payload(seeds, &links);
    let upload_id = std::rc::Rc::new(RefCell::new(None::<String>));
    let seen_id = std::rc::Rc::clone(&upload_id);
    let job = worker::start_with::<VaultShare>(&input, payload.to_vec(), file, move |p: JobProgress| {
        if let Some(id) = p.label.strip_prefix(CREATED) {
            *seen_id.borrow_mut() = Some(id.to_owned());
            return;
        }
        on_progress(Progress::from_job(&p, started));
    })?;
    drop(payload);
    let canceller = job.canceller();
    let done = async move {
        match job.finish().await {
            Ok((info, _)) => Ok(info),
            Err(WorkerError::Cancelled) => {
                // The terminated worker cannot clean up: delete its partial
                // upload from here (a failure leaves it to the server's
                // collection of abandoned uploads).
                let id = upload_id.borrow_mut().take();
                if let Some(id) = id {
                    let _ = api::delete_file(&id).await;
                }
                Err(VaultFailure::Cancelled)
            }
            Err(e) => Err(VaultFailure::Crypto(e.to_string())),
        }
    };
    Ok((done, canceller))
}
