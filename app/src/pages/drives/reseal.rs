//! The two operations that seal the primary's current keys onto the backup
//! drive again, under a passphrase typed twice: changing the passphrase
//! (same backup drive; the old passphrase is not needed, since whoever
//! holds the unlocked primary already holds every key it protects) and
//! replacing a lost or broken backup drive (an empty folder). Keys and
//! recovery code stay the same, so the Emergency Kit stays valid.

use leptos::prelude::*;
use shared::drive;
use zeroize::Zeroizing;

use super::argon;
use super::errors::explain;
use super::fields::ActionForm;
use super::fields::{Field, NewPassphrase, passphrase_problem};
use super::run::{allowed_both, need_both, now, run, step};
use super::state::use_drives;

/// Which of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reseal {
    /// A new passphrase for the same backup drive.
    ChangePassphrase,
    /// The same keys onto a new backup drive.
    ReplaceBackup,
}

impl Reseal {
    fn id(self) -> &'static str {
        match self {
            Self::ChangePassphrase => "passphrase",
            Self::ReplaceBackup => "replace",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Self::ChangePassphrase => "Change passphrase",
            Self::ReplaceBackup => "Replace backup drive",
        }
    }
    fn intro(self) -> &'static str {
        match self {
            Self::ChangePassphrase => {
                "Seals your backup again under a new passphrase. Both drives must be plugged in; the old passphrase is not needed."
            }
            Self::ReplaceBackup => {
                "Lost or broken backup drive? Choose an empty folder on a new USB stick as the backup drive above: your keys are sealed onto it."
            }
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::ChangePassphrase => "New backup passphrase",
            Self::ReplaceBackup => "Backup passphrase",
        }
    }
    fn working(self) -> String {
        match self {
            Self::ChangePassphrase => format!("Sealing the backup under the new passphrase ({})…", argon::estimate(1)),
            Self::ReplaceBackup => format!("Sealing your keys onto the new backup drive ({})…", argon::estimate(1)),
        }
    }
    fn done(self) -> &'static str {
        match self {
            Self::ChangePassphrase => {
                "Passphrase changed. Your keys and your Emergency Kit stay the same; remember the new passphrase."
            }
            Self::ReplaceBackup => {
                "The new backup drive is ready. Your Emergency Kit stays valid; verify the new backup once."
            }
        }
    }
}

#[component]
pub fn ResealPanel(kind: Reseal) -> impl IntoView {
    let st = use_drives();
    let pin = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());

    let go = move || {
        let Some((primary, backup)) = need_both(st) else { return };
        let passphrase = Zeroizing::new(pass.get_untracked());
        let pin_value = Zeroizing::new(pin.get_untracked());
        run(st, "Checking the drives…", move || async move {
            allowed_both(&primary, &backup).await?;
            let params = argon::params(st).await?;
            step(st, kind.working()).await;
            let p = (!pin_value.is_empty()).then(|| pin_value.as_bytes());
            let (new, t, mut rng) = (passphrase.as_bytes(), now(), shared::crypto::rng::os_rng());
            match kind {
                Reseal::ChangePassphrase => {
                    drive::change_passphrase(&primary, &backup, p, new, &params, t, &mut rng).await
                }
                Reseal::ReplaceBackup => drive::replace_backup(&primary, &backup, p, new, &params, t, &mut rng).await,
            }
            .map_err(|e| explain(&e, None))?;
            for s in [pass, confirm, pin] {
                s.set(String::new());
            }
            Ok(kind.done().to_owned())
        });
    };

    view! {
        <section class="card" aria-labelledby=format!("{}-title", kind.id())>
            <ActionForm on_submit=go>
            <h2 id=format!("{}-title", kind.id())>{kind.title()}</h2>
            <p>{kind.intro()}</p>
            <Field id=format!("{}-pin", kind.id()) label="PIN (only if you set one)" value=pin/>
            <NewPassphrase pass=pass confirm=confirm id=kind.id() label=kind.label()/>
            <button type="submit" disabled=move || st.busy() || passphrase_problem(pass, confirm).is_some()>{kind.title()}</button>
        </ActionForm>
            </section>
    }
}
