//! Who is using this tab: the identity unlocked from the primary drive, and
//! the hand-over of a key rotation to the code that tells the server.
//!
//! Provided as context by [`crate::app::App`]. The Drives pages write it (they
//! own the drive handles); the vault pages read it. Keys stay inside
//! [`Unlocked`] (whose secrets zeroize on drop) and are only used through
//! `shared`; locking the tab drops the last reference.

use std::sync::Arc;

use leptos::prelude::*;
use shared::drive::Unlocked;

/// A key rotation that has just been committed on the drives. The previous
/// keys are kept only until the vault has signed the rotation statement with
/// them (DESIGN §7: "key rotations are registered as statements signed by the
/// previous key"); the vault then clears [`Session::rotation`], which drops
/// them.
#[derive(Clone)]
pub struct RotationEvent {
    /// The identity before the rotation.
    pub previous: Arc<Unlocked>,
    /// The identity after the rotation (also in [`Session::identity`]).
    pub current: Arc<Unlocked>,
}

/// The tab's identity state.
#[derive(Clone, Copy)]
pub struct Session {
    /// The unlocked primary drive's state and keyring; `None` while locked.
    pub identity: RwSignal<Option<Arc<Unlocked>>>,
    /// Set by the Drives page right after a rotation commits; taken (and
    /// cleared) by the vault, which signs and sends the rotation statement.
    pub rotation: RwSignal<Option<RotationEvent>>,
}

impl Session {
    /// Forgets the unlocked keys (and any pending hand-over).
    pub fn lock(&self) {
        self.rotation.set(None);
        self.identity.set(None);
    }

    /// Whether an identity is unlocked.
    pub fn is_unlocked(&self) -> bool {
        self.identity.with(Option::is_some)
    }
}

/// Creates the session and provides it as context.
pub fn provide() -> Session {
    let session = Session { identity: RwSignal::new(None), rotation: RwSignal::new(None) };
    provide_context(session);
    session
}

/// The session provided by [`provide`].
///
/// # Panics
/// Outside the [`crate::app::App`] tree (a programming error, not a data one).
pub fn use_session() -> Session {
    expect_context::<Session>()
}
