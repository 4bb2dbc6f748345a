//! The worker's side: the wasm entry point `worker.js` calls for each
//! request, and the list of jobs it can run. To add a job, implement
//! [`Job`] and add one line to [`dispatch`].

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use super::worker::{Job, ProgressSink};
use super::worker_bb84::{Bb84Run, Bb84Series};

/// Runs job `job` on its JSON `input` and optional bytes, calling
/// `progress(done, total, label)` as it goes. Resolves to
/// `{ output: string, payload?: Uint8Array }`; rejects with a message.
#[wasm_bindgen]
pub async fn worker_run(
    job: String,
    input: String,
    payload: Option<Vec<u8>>,
    progress: js_sys::Function,
    extra: JsValue,
) -> Result<JsValue, JsValue> {
    EXTRA.with(|e| *e.borrow_mut() = Some(extra));
    let mut sink = ProgressSink::new(move |done, total, label| {
        let _ = progress.call3(&JsValue::NULL, &done.into(), &total.into(), &label.into());
    });
    let (output, bytes) = dispatch(&job, &input, payload.unwrap_or_default(), &mut sink).await?;
    let answer = Object::new();
    Reflect::set(&answer, &"output".into(), &output.into())?;
    if !bytes.is_empty() {
        Reflect::set(&answer, &"payload".into(), &Uint8Array::from(bytes.as_slice()))?;
    }
    Ok(answer.into())
}

thread_local! {
    static EXTRA: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
}

/// The request's `extra` object (e.g. a `File`), for jobs that take one;
/// `None` if taken already or not sent.
pub fn take_extra() -> Option<JsValue> {
    EXTRA.with(|e| e.borrow_mut().take()).filter(|v| !v.is_undefined() && !v.is_null())
}

/// The jobs this worker knows, by name.
async fn dispatch(
    job: &str,
    input: &str,
    payload: Vec<u8>,
    sink: &mut ProgressSink,
) -> Result<(String, Vec<u8>), String> {
    match job {
        Bb84Run::NAME => run_job::<Bb84Run>(input, payload, sink).await,
        Bb84Series::NAME => run_job::<Bb84Series>(input, payload, sink).await,
        crate::vault::share_job::VaultShare::NAME => {
            run_job::<crate::vault::share_job::VaultShare>(input, payload, sink).await
        }
        crate::vault::receive_job::VaultReceive::NAME => {
            run_job::<crate::vault::receive_job::VaultReceive>(input, payload, sink).await
        }
        _ => Err(format!("this version of the app has no background job called {job:?}; reload the page")),
    }
}

async fn run_job<J: Job>(input: &str, payload: Vec<u8>, sink: &mut ProgressSink) -> Result<(String, Vec<u8>), String> {
    let input: J::Input = serde_json::from_str(input).map_err(|e| format!("the job's input could not be read: {e}"))?;
    let (output, bytes) = J::run(input, payload, sink).await?;
    let output = serde_json::to_string(&output).map_err(|e| format!("the job's output could not be written: {e}"))?;
    Ok((output, bytes))
}
