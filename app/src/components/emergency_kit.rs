//! The Emergency Kit: the printable page with the recovery code (as text
//! and as a QR code), the identity's fingerprint and plain instructions.
//! It is the only place the recovery code ever appears.

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text` as an SVG document (no scripts, no styles: safe
/// to place in the page and allowed by the CSP). `None` if it cannot be
/// encoded (never for a recovery code).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code.render::<svg::Color>().min_dimensions(192, 192).quiet_zone(true).build();
    // innerHTML wants the element, not the XML prolog.
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

/// The kit. `code` is the recovery code text; the caller drops it (and
/// this view) once the user confirmed saving it.
#[component]
pub fn EmergencyKit(code: String, fingerprint: String, created: String) -> impl IntoView {
    let qr = qr_svg(&code).unwrap_or_default();
    let groups: Vec<String> = code.split('-').map(str::to_owned).collect();
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <section class="card emergency-kit" aria-labelledby="kit-title">
            <h2 id="kit-title">"Your Emergency Kit"</h2>
            <p class="no-print">
                "Print this page or write the code down by hand, now. It is shown only this once: "
                "QuantumVault does not keep it, and nobody can show it to you again."
            </p>
            <div class="kit-body">
                <h3>"Recovery code"</h3>
                <p class="recovery-code mono" data-testid="recovery-code" aria-label="Recovery code">
                    {groups.into_iter().enumerate().map(|(i, g)| view! {
                        <span class="code-group" data-group=(i + 1).to_string()>{g}</span>
                    }).collect_view()}
                </p>
                <div class="qr" role="img" aria-label="The recovery code as a QR code" inner_html=qr></div>
                <h3>"Fingerprint of your identity"</h3>
                <p class="mono fingerprint" data-testid="kit-fingerprint">{fingerprint}</p>
                <p class="muted">"Created " {created}</p>
                <h3>"What to do with this page"</h3>
                <ol>
                    <li>"Keep it somewhere safe and " <strong>"apart from both USB drives"</strong> ", for example with your important papers."</li>
                    <li>"If your primary drive is lost: take a new USB stick, open QuantumVault → Drives → Restore, and type this code, your passphrase, with your backup drive plugged in."</li>
                    <li>"Never type this code anywhere else, never send it to anyone, and never photograph it into a cloud album. QuantumVault staff will never ask for it."</li>
                    <li>"The fingerprint lets you and your contacts check that you are talking to the right identity. It changes when you rotate keys; the code does not."</li>
                </ol>
            </div>
            <button type="button" class="secondary no-print" on:click=print>"Print Emergency Kit"</button>
        </section>
    }
}
