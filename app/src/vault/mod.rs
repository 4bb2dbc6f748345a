//! The share and receive pipelines (DESIGN §5): a `File` is stream-encrypted
//! chunk by chunk through WebCrypto and uploaded in resumable pieces; a
//! download is stream-decrypted into a *pending* destination that is
//! committed only after the sender's signature verified. Memory stays
//! bounded by a few MiB whatever the file size.
//!
//! The pipelines take plain data (keys, a `File`, callbacks) and no UI
//! state, so they can run in a Web Worker as well as on the page.

pub mod errors;
pub mod input;
pub mod links;
pub mod listing;
pub mod progress;
pub mod receive;
pub mod receive_job;
pub mod send;
pub mod share_job;
pub mod sink;
pub mod verified;
