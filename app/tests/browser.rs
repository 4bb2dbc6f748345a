//! The app's browser glue, tested in real headless Chromium (`cargo xtask test`).
#![cfg(target_arch = "wasm32")]

use app::platform::capabilities;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn capability_report_matches_chromium() {
    let caps = capabilities::detect();
    let get = |id: &str| caps.iter().find(|c| c.id == id).map(|c| c.available);
    // Chromium ships all of these; a wrong detection would mislead users.
    for id in ["fs-access", "opfs", "webcrypto", "secure-context", "workers", "save-picker"] {
        assert_eq!(get(id), Some(true), "{id}");
    }
    assert!(caps.iter().all(|c| !c.explanation.is_empty() && !c.name.is_empty()));
}

#[wasm_bindgen_test]
async fn persistence_state_is_readable() {
    // Headless Chromium answers (granted or not); `None` would mean the API broke.
    assert!(capabilities::persisted().await.is_some());
}
