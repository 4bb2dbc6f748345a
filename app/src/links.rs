//! BB84 links between users (DESIGN §6): the first time a user shares with
//! someone, a link is established by running the simulator (defaults, in
//! the background worker); its key is sealed to the peer and to ourselves,
//! signed, and stored through the server's relay (`shared::bb84::link`).
//!
//! Link keys are never written to localStorage or IndexedDB: each session
//! re-derives them by fetching the records from the relay and unsealing
//! them ([`refresh`]); they live in memory only, in zeroizing types. A run
//! that aborts (an eavesdropper, too much noise) is reported and gives no
//! link. The vault's share flow calls [`link_key_for`] / [`establish`]; the
//! file details show a link's run with [`LinkTimeline`].

use std::cell::RefCell;
use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::api::{LinkList, LinkRecord, SendLinkRequest};
use shared::bb84::link::{LinkError, derive_link_key, open_link, record_parties, seal_link};
use shared::bb84::{RunParams, RunReport};
use shared::crypto::rng::os_rng;
use shared::format::vault::{LINK_ID_LEN, LinkKey};
use shared::identity::{Fingerprint, Identity, PublicIdentity};

use crate::client::contacts;
use crate::client::transport::{self, ClientError};
use crate::pages::lab_report::{Figures, Timeline};
use crate::platform::worker::{self, JobProgress, WorkerError};
use crate::platform::worker_bb84::Bb84Run;

/// A link this session knows, keyed by the peer's lower-case username.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The relay's record id.
    pub record_id: String,
    /// The other user.
    pub peer: String,
    /// The key and its id (secret; zeroizes on drop).
    pub key: LinkKey,
    /// The run that established it (public).
    pub report: RunReport,
    /// Whether we established it.
    pub established_by_me: bool,
}

/// Why a link is not available.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinksError {
    /// The simulated run aborted: no link, and why.
    #[error("the BB84 run aborted, so no link was made: {}", .0.abort.as_ref().map(|a| a.message()).unwrap_or_default())]
    Aborted(Box<RunReport>),
    /// The background run failed or was cancelled.
    #[error("{0}")]
    Worker(#[from] WorkerError),
    /// The server could not be asked.
    #[error("{0}")]
    Server(#[from] ClientError),
    /// A record could not be made or read.
    #[error("{0}")]
    Record(#[from] LinkError),
}

thread_local! {
    /// This session's links, in memory only: every readable link with each
    /// peer, oldest first (a rotation on either side makes a new one, and
    /// files made with the older links must stay readable).
    static LINKS: RefCell<BTreeMap<String, Vec<Link>>> = const { RefCell::new(BTreeMap::new()) };
    /// Whose links they are: another identity unlocked in this tab starts empty.
    static OWNER: RefCell<Option<Fingerprint>> = const { RefCell::new(None) };
}

/// Drops the links if they belong to another identity than `me`.
fn claim(me: &Identity) {
    let fp = me.public().fingerprint();
    if OWNER.with(|o| o.replace(Some(fp))) != Some(fp) {
        forget_all();
    }
}

/// The key of the newest link shared with `peer`, if this session has one:
/// the one new files are wrapped with.
pub fn link_key_for(peer: &str) -> Option<LinkKey> {
    link_with(peer).map(|l| l.key)
}

/// Every link key shared with `peer`, oldest first: a received stanza names
/// the one it was made with by id.
pub fn link_keys_for(peer: &str) -> Vec<LinkKey> {
    LINKS
        .with(|l| l.borrow().get(&peer.to_ascii_lowercase()).map(|links| links.iter().map(|l| l.key.clone()).collect()))
        .unwrap_or_default()
}

/// The newest link with `peer` (for its timeline).
pub fn link_with(peer: &str) -> Option<Link> {
    LINKS.with(|l| l.borrow().get(&peer.to_ascii_lowercase()).and_then(|links| links.last().cloned()))
}

/// Forgets every link key (on lock or sign-out).
pub fn forget_all() {
    LINKS.with(|l| l.borrow_mut().clear());
}

/// Adds a link to those known with its peer (once per record). [`refresh`]
/// reads records oldest first, so the newest link is the one used for new
/// files, while files made with older links still find theirs by id.
fn remember(link: Link) {
    LINKS.with(|l| {
        let mut map = l.borrow_mut();
        let links = map.entry(link.peer.to_ascii_lowercase()).or_default();
        if !links.iter().any(|known| known.record_id == link.record_id) {
            links.push(link);
        }
    });
}

/// Reads one record from the relay: finds the sender's key (our own or the
/// peer's verified history), checks the signature and unseals the key.
async fn read(record: &LinkRecord, me: &Identity, my_name: &str) -> Result<Link, LinksError> {
    let (sender_fp, _) = record_parties(&record.record)?;
    let mine = record.from.eq_ignore_ascii_case(my_name);
    let sender: PublicIdentity = if mine {
        me.public().clone()
    } else {
        let lookup = contacts::lookup(&record.from).await?;
        lookup.history.find(&sender_fp).cloned().ok_or(LinkError::WrongSender)?
    };
    let opened = open_link(&record.record, me, &sender)?;
    let peer = if mine { record.to.clone() } else { record.from.clone() };
    Ok(Link { record_id: record.id.clone(), peer, key: opened.link, report: opened.report, established_by_me: mine })
}

/// Fetches every link record addressed to or sent by us and unseals those
/// it can. Returns how many could not be read (e.g. made for an earlier
/// rotation's keys, or altered); they are skipped, not fatal.
///
/// # Errors
/// [`LinksError::Server`] when the relay cannot be reached.
pub async fn refresh(me: &Identity, my_name: &str) -> Result<usize, LinksError> {
    claim(me);
    let list: LinkList = transport::get("/links").await?;
    let mut unreadable = 0;
    // Oldest first, so the newest link with each peer ends up last.
    let mut records = list.links;
    records.sort_by_key(|r| r.created_at);
    for record in &records {
        match read(record, me, my_name).await {
            Ok(link) => remember(link),
            Err(_) => unreadable += 1,
        }
    }
    Ok(unreadable)
}

/// Establishes a link with `peer` (whose verified public identity is
/// `peer_identity`): runs BB84 with the default settings in the background
/// worker, derives the link key, seals and signs the record, and stores it
/// through the relay. An aborted run is [`LinksError::Aborted`] and nothing
/// is sent.
///
/// # Errors
/// [`LinksError`].
pub async fn establish(
    me: &Identity,
    peer: &str,
    peer_identity: &PublicIdentity,
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<Link, LinksError> {
    claim(me);
    // A fresh seed per link: the simulated key must differ between links.
    let mut seed = [0u8; 8];
    let mut id = [0u8; LINK_ID_LEN];
    getrandom::fill(&mut seed)
        .and_then(|()| getrandom::fill(&mut id))
        .map_err(|_| LinkError::Internal("no randomness"))?;
    let params = RunParams { seed: u64::from_le_bytes(seed), photon_table_limit: 0, ..RunParams::default() };
    let (report, key_bytes) = worker::run::<Bb84Run>(&params, Vec::new(), on_progress).await?;
    let key_bytes = zeroize::Zeroizing::new(key_bytes);
    if report.aborted() {
        return Err(LinksError::Aborted(Box::new(report)));
    }
    let key = derive_link_key(&id, &key_bytes, report.stats.final_key_bits as usize)?;
    let created_at = (js_sys::Date::now() / 1000.0) as i64;
    let record = seal_link(me, peer_identity, &key, &report, created_at, &mut os_rng())?;
    let stored: LinkRecord = transport::post("/links", &SendLinkRequest { to: peer.to_owned(), record }).await?;
    let link = Link { record_id: stored.id, peer: stored.to, key, report, established_by_me: true };
    remember(link.clone());
    Ok(link)
}

/// The link key with `peer`, establishing a link first if there is none.
///
/// # Errors
/// [`LinksError`]; the caller may share without a link key on
/// [`LinksError::Aborted`] (the wrap is post-quantum either way).
pub async fn link_key_or_establish(
    me: &Identity,
    peer: &str,
    peer_identity: &PublicIdentity,
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<LinkKey, LinksError> {
    if let Some(key) = link_key_for(peer) {
        return Ok(key);
    }
    Ok(establish(me, peer, peer_identity, on_progress).await?.key)
}

/// A link's run: who made it, its figures and its timeline, as in the Lab.
#[component]
pub fn LinkTimeline(peer: String) -> impl IntoView {
    match link_with(&peer) {
        None => view! {
            <p class="muted">{format!("There is no BB84 link with {peer} in this session.")}</p>
        }
        .into_any(),
        Some(link) => {
            let who = if link.established_by_me { "you" } else { peer.as_str() }.to_owned();
            view! {
                <section class="lab-link" aria-labelledby="link-title">
                    <h3 id="link-title">{format!("BB84 link with {peer}")}</h3>
                    <p class="muted">
                        {format!("Established by {who} with a simulated BB84 run. Its key is mixed into the post-quantum key wrapping of files you share with each other; security never rests on the simulation.")}
                    </p>
                    <Figures report=link.report.clone()/>
                    <h4 id="lab-timeline-title">"Timeline"</h4>
                    <Timeline events=link.report.timeline.clone()/>
                </section>
            }
            .into_any()
        }
    }
}
