//! Long jobs off the page's thread, in a Web Worker running our own wasm.
//!
//! A [`Job`] is a named, typed unit of work: a serde input, a serde output
//! and optional bytes each way (moved, not copied). The page calls
//! [`start`], gets a [`RunningJob`] whose [`RunningJob::finish`] future
//! resolves with the output, reports [`JobProgress`] to a callback (pass a
//! signal setter), and can be stopped with its [`Canceller`]. Cancelling
//! terminates the worker, which stops even a job that never yields; a fresh
//! worker is started for the next job. Finished workers are kept for reuse,
//! so the wasm is instantiated once per worker, not once per job.
//!
//! The worker script (`app/worker.js`, installed next to the app's glue by
//! `cargo xtask dist`) hands each request to [`super::worker_entry`], whose
//! `dispatch` lists the jobs it knows.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Workers of each kind kept alive between jobs (each holds a copy of the wasm's memory).
const IDLE_WORKERS: usize = 2;

/// A unit of work the worker knows how to run.
pub trait Job: 'static {
    /// The name the page and the worker agree on (e.g. `"bb84.run"`).
    const NAME: &'static str;
    /// What the job needs, sent as JSON.
    type Input: Serialize + DeserializeOwned;
    /// What it returns, sent as JSON.
    type Output: Serialize + DeserializeOwned;
    /// Runs inside the worker. `payload` is the bytes sent with the request
    /// (empty if none); the returned bytes travel back the same way.
    fn run(
        input: Self::Input,
        payload: Vec<u8>,
        progress: &mut ProgressSink,
    ) -> impl Future<Output = Result<(Self::Output, Vec<u8>), String>>;

    /// Whether this run talks to the server: then it runs in a transfer
    /// worker (see [`set_transfer_script_url`]) when one is available.
    fn networked(_input: &Self::Input) -> bool {
        false
    }
}

/// How far a job has got.
#[derive(Debug, Clone, PartialEq)]
pub struct JobProgress {
    /// Units done.
    pub done: f64,
    /// Units in total (0 when unknown).
    pub total: f64,
    /// What is being done, in words ("Sending photons").
    pub label: String,
}

impl JobProgress {
    /// Fraction done in `[0, 1]` (0 when the total is unknown).
    pub fn fraction(&self) -> f64 {
        if self.total > 0.0 { (self.done / self.total).clamp(0.0, 1.0) } else { 0.0 }
    }
}

/// Why a job gave no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkerError {
    /// The user (or the page) cancelled it.
    #[error("cancelled")]
    Cancelled,
    /// The worker could not be started or crashed.
    #[error("the background worker failed: {0}")]
    Worker(String),
    /// The job ran and reported a failure.
    #[error("{0}")]
    Job(String),
    /// The input or output could not be encoded or decoded.
    #[error("the background job's data could not be read: {0}")]
    Data(String),
}

/// `post(done, total, label)`.
type PostProgress = Box<dyn FnMut(f64, f64, &str)>;

/// The worker side's progress reporter, throttled so that a job reporting
/// every few microseconds does not flood the page with messages.
pub struct ProgressSink {
    post: PostProgress,
    last_ms: f64,
}

impl ProgressSink {
    /// Minimum time between two progress messages.
    const INTERVAL_MS: f64 = 50.0;

    /// A sink that calls `post(done, total, label)`.
    pub fn new(post: impl FnMut(f64, f64, &str) + 'static) -> Self {
        Self { post: Box::new(post), last_ms: f64::NEG_INFINITY }
    }

    /// Reports progress; dropped if the last report was too recent, unless
    /// this one completes the stage.
    pub fn report(&mut self, done: f64, total: f64, label: &str) {
        let now = js_sys::Date::now();
        if done >= total || now - self.last_ms >= Self::INTERVAL_MS {
            self.last_ms = now;
            (self.post)(done, total, label);
        }
    }
}

/// The two kinds of worker: the same script, loaded from two places.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// From the app's bundle, under the app's service worker: works offline.
    Local,
    /// From `/transfer/`, under a service worker without a `fetch` handler,
    /// so requests go straight to the network (`public/transfer/sw.js`).
    Transfer,
}

thread_local! {
    static IDLE: RefCell<Vec<(Kind, Worker)>> = const { RefCell::new(Vec::new()) };
    static SCRIPT_URL: RefCell<Option<String>> = const { RefCell::new(None) };
    static TRANSFER_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Makes networked jobs run in workers loaded from `url`, once the service
/// worker controlling that URL is active (a worker started before then
/// would be controlled by the app's own service worker).
pub fn set_transfer_script_url(url: &str) {
    TRANSFER_URL.with(|u| *u.borrow_mut() = Some(url.to_owned()));
}

/// Overrides where the worker script is loaded from (normally found next to
/// the app's glue, see [`script_url`]).
pub fn set_script_url(url: &str) {
    SCRIPT_URL.with(|u| *u.borrow_mut() = Some(url.to_owned()));
}

/// The worker script: `worker.js` in the same content-hashed folder as the
/// app's glue, whose URL the page's `modulepreload` link gives.
fn script_url() -> Result<String, WorkerError> {
    if let Some(url) = SCRIPT_URL.with(|u| u.borrow().clone()) {
        return Ok(url);
    }
    let glue = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("link[rel=modulepreload]").ok().flatten())
        .and_then(|link| link.get_attribute("href"))
        .ok_or_else(|| WorkerError::Worker("the app's bundle could not be located".into()))?;
    let folder = glue.rsplit_once('/').map_or("", |(folder, _)| folder);
    Ok(format!("{folder}/worker.js"))
}

/// Which kind of worker a job gets, and from where its script loads.
fn placement(networked: bool) -> Result<(Kind, String), WorkerError> {
    let transfer = if networked { TRANSFER_URL.with(|u| u.borrow().clone()) } else { None };
    match transfer {
        Some(url) => Ok((Kind::Transfer, url)),
        None => Ok((Kind::Local, script_url()?)),
    }
}

fn spawn_worker(url: &str) -> Result<Worker, WorkerError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    options.set_name("QuantumVault background jobs");
    Worker::new_with_options(url, &options).map_err(|e| WorkerError::Worker(super::js_error_text(&e)))
}

/// An idle worker of `kind`, or a fresh one.
fn take_worker(kind: Kind, url: &str) -> Result<Worker, WorkerError> {
    let idle = IDLE.with(|idle| {
        let mut idle = idle.borrow_mut();
        let at = idle.iter().position(|(k, _)| *k == kind)?;
        Some(idle.remove(at).1)
    });
    match idle {
        Some(w) => Ok(w),
        None => spawn_worker(url),
    }
}

/// The worker's message and error handlers for one job.
type Handlers = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(Event)>);

/// What the page keeps about a running job.
struct Running {
    kind: Kind,
    worker: Option<Worker>,
    settle: Option<(js_sys::Function, js_sys::Function)>,
    handlers: Option<Handlers>,
}

impl Running {
    /// Ends the job: resolves or rejects the page's future once, detaches the
    /// handlers, and either returns the worker to the pool or terminates it.
    fn settle(&mut self, result: Result<JsValue, WorkerError>, reuse: bool) {
        if let Some(worker) = self.worker.take() {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            let pooled = reuse
                && IDLE.with(|idle| {
                    let mut idle = idle.borrow_mut();
                    let room = idle.iter().filter(|(k, _)| *k == self.kind).count() < IDLE_WORKERS;
                    if room {
                        idle.push((self.kind, worker.clone()));
                    }
                    room
                });
            if !pooled {
                worker.terminate();
            }
        }
        // A handler may be the caller: free the closures after it returns.
        if let Some(handlers) = self.handlers.take() {
            wasm_bindgen_futures::spawn_local(async move { drop(handlers) });
        }
        if let Some((resolve, reject)) = self.settle.take() {
            let _ = match result {
                Ok(value) => resolve.call1(&JsValue::NULL, &value),
                Err(e) => reject.call1(&JsValue::NULL, &JsValue::from_str(&encode_error(&e))),
            };
        }
    }
}

/// Errors cross the promise as a tagged string, so their kind survives.
fn encode_error(e: &WorkerError) -> String {
    match e {
        WorkerError::Cancelled => "cancelled:".into(),
        WorkerError::Worker(m) => format!("worker:{m}"),
        WorkerError::Job(m) => format!("job:{m}"),
        WorkerError::Data(m) => format!("data:{m}"),
    }
}

fn decode_error(v: &JsValue) -> WorkerError {
    let s = v.as_string().unwrap_or_else(|| super::js_error_text(v));
    match s.split_once(':') {
        Some(("cancelled", _)) => WorkerError::Cancelled,
        Some(("job", m)) => WorkerError::Job(m.into()),
        Some(("data", m)) => WorkerError::Data(m.into()),
        Some(("worker", m)) => WorkerError::Worker(m.into()),
        _ => WorkerError::Worker(s),
    }
}

/// Stops a running job; cheap to clone into event handlers.
#[derive(Clone)]
pub struct Canceller(Rc<RefCell<Running>>);

impl Canceller {
    /// Terminates the job's worker; its `finish` future resolves with
    /// [`WorkerError::Cancelled`]. Does nothing once the job has ended.
    pub fn cancel(&self) {
        self.0.borrow_mut().settle(Err(WorkerError::Cancelled), false);
    }
}

impl std::fmt::Debug for Canceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Canceller")
    }
}

/// A job in flight.
pub struct RunningJob<J: Job> {
    promise: Promise,
    canceller: Canceller,
    _job: std::marker::PhantomData<J>,
}

impl<J: Job> RunningJob<J> {
    /// A handle that cancels this job.
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    /// Waits for the job's output and returned bytes.
    pub async fn finish(self) -> Result<(J::Output, Vec<u8>), WorkerError> {
        let value = JsFuture::from(self.promise).await.map_err(|e| decode_error(&e))?;
        let output = Reflect::get(&value, &"output".into())
            .ok()
            .and_then(|o| o.as_string())
            .ok_or_else(|| WorkerError::Data("the worker's answer has no output".into()))?;
        let output = serde_json::from_str(&output).map_err(|e| WorkerError::Data(e.to_string()))?;
        let payload = Reflect::get(&value, &"payload".into())
            .ok()
            .and_then(|p| p.dyn_into::<Uint8Array>().ok())
            .map(|p| p.to_vec())
            .unwrap_or_default();
        Ok((output, payload))
    }
}

fn message_field(data: &JsValue, name: &str) -> JsValue {
    Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Starts `J` in a background worker. `on_progress` is called on the page's
/// thread with each progress report (pass a signal setter).
pub fn start<J: Job>(
    input: &J::Input,
    payload: Vec<u8>,
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<RunningJob<J>, WorkerError> {
    start_with::<J>(input, payload, &JsValue::UNDEFINED, on_progress)
}

/// [`start`] with an `extra` object posted alongside (structured-cloned,
/// e.g. a `File` the job reads); the job takes it with
/// [`super::worker_entry::take_extra`].
pub fn start_with<J: Job>(
    input: &J::Input,
    payload: Vec<u8>,
    extra: &JsValue,
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<RunningJob<J>, WorkerError> {
    start_transferring::<J>(input, payload, extra, &[], on_progress)
}

/// [`start_with`], moving the `transfer` objects (e.g. a `WritableStream`
/// inside `extra`) to the worker instead of copying them: afterwards they
/// belong to the worker.
pub fn start_transferring<J: Job>(
    input: &J::Input,
    payload: Vec<u8>,
    extra: &JsValue,
    transfer: &[JsValue],
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<RunningJob<J>, WorkerError> {
    let (kind, url) = placement(J::networked(input))?;
    let input = serde_json::to_string(input).map_err(|e| WorkerError::Data(e.to_string()))?;
    let worker = take_worker(kind, &url)?;
    let state = Rc::new(RefCell::new(Running { kind, worker: Some(worker.clone()), settle: None, handlers: None }));
    let promise = Promise::new(&mut |resolve, reject| {
        state.borrow_mut().settle = Some((resolve, reject));
    });

    let on_message = {
        let state = Rc::clone(&state);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            match message_field(&data, "kind").as_string().as_deref() {
                Some("progress") => on_progress(JobProgress {
                    done: message_field(&data, "done").as_f64().unwrap_or(0.0),
                    total: message_field(&data, "total").as_f64().unwrap_or(0.0),
                    label: message_field(&data, "label").as_string().unwrap_or_default(),
                }),
                Some("done") => state.borrow_mut().settle(Ok(data), true),
                Some("error") => {
                    let message = message_field(&data, "message").as_string().unwrap_or_default();
                    state.borrow_mut().settle(Err(WorkerError::Job(message)), true);
                }
                _ => {
                    let err = WorkerError::Worker("the worker sent a message this app does not understand".into());
                    state.borrow_mut().settle(Err(err), false);
                }
            }
        })
    };
    let on_error = {
        let state = Rc::clone(&state);
        // A script that fails to load fires a plain `Event`, an uncaught
        // exception an `ErrorEvent`: read the message without assuming which.
        Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            event.prevent_default();
            let message = message_field(&event, "message").as_string().filter(|m| !m.is_empty());
            let message = message.unwrap_or_else(|| "it could not be loaded".to_owned());
            state.borrow_mut().settle(Err(WorkerError::Worker(message)), false);
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    state.borrow_mut().handlers = Some((on_message, on_error));

    let request = Object::new();
    let _ = Reflect::set(&request, &"job".into(), &J::NAME.into());
    let _ = Reflect::set(&request, &"input".into(), &input.into());
    if !extra.is_undefined() {
        let _ = Reflect::set(&request, &"extra".into(), extra);
    }
    let transfer: Array = transfer.iter().collect();
    if !payload.is_empty() {
        let bytes = Uint8Array::from(payload.as_slice());
        transfer.push(&bytes.buffer());
        let _ = Reflect::set(&request, &"payload".into(), &bytes);
    }
    if let Err(e) = worker.post_message_with_transfer(&request, &transfer) {
        state.borrow_mut().settle(Err(WorkerError::Worker(super::js_error_text(&e))), false);
    }
    Ok(RunningJob { promise, canceller: Canceller(state), _job: std::marker::PhantomData })
}

/// Starts `J` and waits for it: for callers that need no cancel button.
pub async fn run<J: Job>(
    input: &J::Input,
    payload: Vec<u8>,
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<(J::Output, Vec<u8>), WorkerError> {
    start::<J>(input, payload, on_progress)?.finish().await
}
