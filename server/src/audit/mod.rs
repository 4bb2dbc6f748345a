//! The audit log: every security event goes onto the user's hash chain
//! ([`chain`]); the server periodically signs each chain head ([`checkpoint`])
//! so a truncated chain is detectable too.

pub mod chain;
pub mod checkpoint;

use crate::AppState;
use crate::error::AppError;

/// Serializes appends to the same chain within this process, so a burst of
/// events for one user (say, 100 parallel downloads) queues instead of
/// racing on the `(user, seq)` key; the key stays the guard across processes.
pub struct ChainLocks {
    stripes: Vec<tokio::sync::Mutex<()>>,
}

impl ChainLocks {
    pub fn new() -> Self {
        Self { stripes: (0..64).map(|_| tokio::sync::Mutex::new(())).collect() }
    }

    fn stripe(&self, user_id: i64) -> &tokio::sync::Mutex<()> {
        &self.stripes[(user_id.unsigned_abs() % self.stripes.len() as u64) as usize]
    }
}

impl Default for ChainLocks {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends `event` with public `detail` to the user's chain.
pub async fn record(
    state: &AppState,
    user_id: i64,
    username_lower: &str,
    event: &str,
    detail: &str,
) -> Result<(), AppError> {
    let _turn = state.chain_locks.stripe(user_id).lock().await;
    chain::append(state.store.as_ref(), user_id, username_lower, event, detail, crate::now_ms()).await?;
    Ok(())
}
