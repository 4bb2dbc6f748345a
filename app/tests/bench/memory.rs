//! Memory stays bounded while the app stream-encrypts a large input
//! (issue 3: no whole-file buffers): the wasm linear memory and Chromium's
//! JS heap before and during a multi-GiB `StreamSealer` run. This is the
//! encryption path of a share, not the whole share flow (no File, no upload).

use app::platform::webcrypto::{Backend, StreamSealer};
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::console_log;

use super::{KEY, PIECE, SALT, Source};

/// Bytes of wasm linear memory (it only ever grows, so this is its peak).
fn wasm_memory() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    f64::from(memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length())
}

/// Chromium's `performance.memory.usedJSHeapSize` (non-standard; 0 elsewhere).
fn js_heap() -> f64 {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else { return 0.0 };
    Reflect::get(&performance, &"memory".into())
        .and_then(|m| Reflect::get(&m, &"usedJSHeapSize".into()))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

pub async fn stream_encrypt_peak(total: usize) {
    let (wasm_before, heap_before) = (wasm_memory(), js_heap());
    let mut heap_peak = heap_before;
    let mut src = Source::new();
    let mut out = Vec::with_capacity(2 * PIECE);
    let mut sealer = StreamSealer::new(&KEY, &SALT, b"bench", Backend::WebCrypto).await.unwrap();
    for _ in 0..total / PIECE {
        sealer.update(src.next(), &mut out).await.unwrap();
        out.clear();
        heap_peak = heap_peak.max(js_heap());
    }
    sealer.finish(&mut out).await.unwrap();
    console_log!(
        "{{\"bench\":\"stream_memory\",\"bytes\":{total},\"wasm_before\":{wasm_before},\"wasm_after\":{},\"js_heap_before\":{heap_before},\"js_heap_peak\":{heap_peak}}}",
        wasm_memory()
    );
}
