//! The server account of the unlocked identity: sign up (first time, with a
//! self-signature), sign in (challenge → ML-DSA-65 signature → cookie
//! session), who-am-I on start (the session survives reloads), sign out.
//!
//! The username is public; it is remembered in `localStorage` keyed by the
//! drive pair id, so the next unlock of the same drives signs in with one
//! click.

use leptos::prelude::*;
use shared::api::signing::{CONTEXT_REGISTER, CONTEXT_SIGN_IN, register_message, sign_in_message};
use shared::api::{RegisterRequest, SignInRequest, validate_username};
use shared::crypto::rng::os_rng;
use shared::drive::Unlocked;
use shared::identity::Identity;

use super::keys::{hex, to_wire};
use super::{ClientError, api, local_store};

/// The tab's server session, provided as context.
#[derive(Clone, Copy)]
pub struct Account {
    /// Who the server says we are (`None`: not signed in).
    pub username: RwSignal<Option<String>>,
    /// Whether the first who-am-I has answered (or failed).
    pub checked: RwSignal<bool>,
    /// A sentence about background work (key rotation hand-over) for the UI.
    pub notice: RwSignal<Option<String>>,
}

/// Creates the account context and asks the server who we are.
pub fn provide() -> Account {
    let account = Account { username: RwSignal::new(None), checked: RwSignal::new(false), notice: RwSignal::new(None) };
    provide_context(account);
    leptos::task::spawn_local(async move {
        // The cookie is HttpOnly: a public flag says whether a session may
        // exist, so a fresh visitor's page does not start with a 401.
        if local_store::load::<bool>(SESSION_FLAG) == Some(true) {
            match api::whoami().await {
                Ok(me) => account.username.set(Some(me.username)),
                Err(ClientError::NotSignedIn) => local_store::remove(SESSION_FLAG),
                Err(_) => {}
            }
        }
        account.checked.set(true);
    });
    account
}

/// `localStorage` flag: a session cookie may exist (public, not the token).
const SESSION_FLAG: &str = "session-hint";

/// The account context.
///
/// # Panics
/// Outside the app tree (a programming error).
pub fn use_account() -> Account {
    expect_context::<Account>()
}

fn username_key(unlocked: &Unlocked) -> String {
    format!("username.{}", hex(&unlocked.state.pair_id))
}

/// The username last used with these drives, if any.
#[must_use]
pub fn remembered_username(unlocked: &Unlocked) -> Option<String> {
    local_store::load(&username_key(unlocked))
}

fn remember(unlocked: &Unlocked, username: &str) {
    local_store::save(&username_key(unlocked), &username);
}

/// Why signing up or in failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The username is not acceptable.
    #[error("{0}")]
    BadUsername(String),
    /// The server's challenge names another origin (a proxy or phishing page).
    #[error("the server asked to sign in for {0}, not this site; not signing")]
    WrongOrigin(String),
    /// Signing failed (should not happen).
    #[error("signing failed in this browser")]
    Signing,
    /// The server refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
}

fn identity(unlocked: &Unlocked) -> Identity {
    unlocked.keyring.current.identity()
}

/// Registers `username` for the unlocked identity, then signs in.
///
/// # Errors
/// [`AccountError`]; a taken name is `Client(Server{code: "username_taken"})`.
pub async fn sign_up(account: Account, unlocked: &Unlocked, username: &str) -> Result<String, AccountError> {
    validate_username(username).map_err(AccountError::BadUsername)?;
    let me = identity(unlocked);
    let wire = to_wire(me.public());
    let lower = username.to_ascii_lowercase();
    let sig = me
        .signing_key()
        .sign(&register_message(&lower, &wire), CONTEXT_REGISTER, &mut os_rng())
        .map_err(|_| AccountError::Signing)?;
    let info =
        api::register(&RegisterRequest { username: username.to_owned(), identity: wire, self_signature: sig.to_vec() })
            .await?;
    remember(unlocked, &info.username);
    sign_in(account, unlocked, &info.username).await
}

/// Signs in as `username` by answering a challenge with the unlocked key.
///
/// # Errors
/// [`AccountError`].
pub async fn sign_in(account: Account, unlocked: &Unlocked, username: &str) -> Result<String, AccountError> {
    validate_username(username).map_err(AccountError::BadUsername)?;
    // A challenge the server no longer finds (expired, or swept by its
    // maintenance at that moment) is not a failed attempt: ask for a new one.
    let mut attempts = 0;
    loop {
        match sign_in_once(account, unlocked, username).await {
            Err(AccountError::Client(ClientError::SignInRefused(m)))
                if m.contains("challenge is unknown") && attempts < 2 =>
            {
                attempts += 1;
            }
            other => return other,
        }
    }
}

async fn sign_in_once(account: Account, unlocked: &Unlocked, username: &str) -> Result<String, AccountError> {
    let challenge = api::challenge(username).await?;
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    if challenge.origin != origin {
        return Err(AccountError::WrongOrigin(challenge.origin));
    }
    let msg = sign_in_message(&challenge.challenge_id, &challenge.nonce, &challenge.username, &challenge.origin);
    let sig = identity(unlocked)
        .signing_key()
        .sign(&msg, CONTEXT_SIGN_IN, &mut os_rng())
        .map_err(|_| AccountError::Signing)?;
    let session =
        api::sign_in(&SignInRequest { challenge_id: challenge.challenge_id, signature: sig.to_vec() }).await?;
    remember(unlocked, &session.username);
    local_store::save(SESSION_FLAG, &true);
    account.username.set(Some(session.username.clone()));
    Ok(session.username)
}

/// Signs out (revokes the session on the server and clears the cookie).
///
/// # Errors
/// [`ClientError`]; the local state is cleared anyway.
pub async fn sign_out(account: Account) -> Result<(), ClientError> {
    let r = api::sign_out().await;
    local_store::remove(SESSION_FLAG);
    account.username.set(None);
    r
}
