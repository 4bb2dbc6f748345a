//! The hand-over of a key rotation to the server (DESIGN §7): when the
//! Drives page commits a rotation, it puts both key sets in
//! [`Session::rotation`]. We sign the statement with the previous key and
//! the self-signature with the new one, clear the hand-over at once (which
//! drops the old keys), keep the signed request — public data — in
//! `localStorage`, and send it, again whenever the browser comes back
//! online, until the server has it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::api::RotateRequest;
use shared::api::signing::{CONTEXT_REGISTER, CONTEXT_ROTATE, register_message, rotation_message};
use shared::crypto::rng::os_rng;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::account::{Account, remembered_username};
use super::keys::to_wire;
use super::{api, local_store};
use crate::session::{RotationEvent, Session};

const KEY: &str = "pending-rotations.v1";

/// A signed rotation waiting to reach the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    /// Account it is for.
    pub username: String,
    /// The signed request.
    pub request: RotateRequest,
}

/// Signed rotations not yet acknowledged by the server.
#[must_use]
pub fn pending() -> Vec<Pending> {
    local_store::load(KEY).unwrap_or_default()
}

/// Builds and signs the request of a rotation event.
///
/// # Errors
/// A sentence if signing fails.
pub fn build(username: &str, event: &RotationEvent) -> Result<RotateRequest, String> {
    let lower = username.to_ascii_lowercase();
    let previous = event.previous.keyring.current.identity();
    let current = event.current.keyring.current.identity();
    let wire = to_wire(current.public());
    let rotation = event.current.keyring.current.rotation;
    let statement = rotation_message(&lower, rotation, &previous.public().fingerprint().0, &wire);
    let mut rng = os_rng();
    let rotation_signature =
        previous.signing_key().sign(&statement, CONTEXT_ROTATE, &mut rng).map_err(|_| "signing failed".to_owned())?;
    let self_signature = current
        .signing_key()
        .sign(&register_message(&lower, &wire), CONTEXT_REGISTER, &mut rng)
        .map_err(|_| "signing failed".to_owned())?;
    Ok(RotateRequest {
        rotation,
        identity: wire,
        rotation_signature: rotation_signature.to_vec(),
        self_signature: self_signature.to_vec(),
    })
}

/// Sends every pending rotation; keeps those that failed for lack of a
/// connection or session. Returns a sentence about the outcome.
pub async fn flush(account: Account) -> Option<String> {
    let mut left = Vec::new();
    let mut note = None;
    for p in pending() {
        let signed_in = account.username.get_untracked().is_some_and(|u| u.eq_ignore_ascii_case(&p.username));
        if !signed_in {
            left.push(p);
            continue;
        }
        match api::rotate(&p.request).await {
            Ok(info) => note = Some(format!("the server now has rotation {} of {}", info.rotation, info.username)),
            Err(e) if e.is_offline() || e.code() == Some("unauthorized") => {
                note = Some(format!("the new keys will be sent to the server when possible ({e})"));
                left.push(p);
            }
            // A stale or refused statement can never succeed: drop it, say why.
            Err(e) => note = Some(format!("the server refused the key rotation: {e}")),
        }
    }
    local_store::save(KEY, &left);
    note
}

/// Watches the session for rotations and sends them; retries when online.
/// [`Account::notice`] receives a sentence for the UI.
pub fn watch(session: Session, account: Account) {
    let notice = account.notice;
    Effect::new(move |_| {
        let Some(event) = session.rotation.get() else { return };
        // Drop the previous keys as soon as they have signed.
        session.rotation.set(None);
        let username = remembered_username(&event.current).or_else(|| account.username.get_untracked());
        let Some(username) = username else {
            notice.set(Some("keys rotated; this identity has no server account yet".to_owned()));
            return;
        };
        match build(&username, &event) {
            Ok(request) => {
                let mut all = pending();
                all.push(Pending { username: username.clone(), request });
                local_store::save(KEY, &all);
            }
            Err(e) => notice.set(Some(e)),
        }
        // Without a session, the server still knows only the previous key:
        // sign in with it once, then let it go.
        let previous = account.username.get_untracked().is_none().then(|| event.previous.clone());
        drop(event);
        leptos::task::spawn_local(async move {
            if let Some(previous) = previous {
                let _ = super::account::sign_in(account, &previous, &username).await;
                drop(previous);
            }
            notice.set(flush(account).await);
        });
    });
    // Retry when the browser comes back online and when the account signs in.
    Effect::new(move |_| {
        if account.username.get().is_some() && !pending().is_empty() {
            leptos::task::spawn_local(async move { notice.set(flush(account).await) });
        }
    });
    if let Some(window) = web_sys::window() {
        let retry = Closure::<dyn Fn()>::new(move || {
            leptos::task::spawn_local(async move {
                if !pending().is_empty() {
                    notice.set(flush(account).await);
                }
            });
        });
        let _ = window.add_event_listener_with_callback("online", retry.as_ref().unchecked_ref());
        // Lives as long as the page.
        retry.forget();
    }
}
