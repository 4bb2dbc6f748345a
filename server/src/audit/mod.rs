//! The audit log: every security event goes onto the user's hash chain
//! ([`chain`]); the server periodically signs each chain head ([`checkpoint`])
//! so a truncated chain is detectable too.

pub mod chain;
pub mod checkpoint;

use crate::AppState;
use crate::error::AppError;

/// Appends `event` with public `detail` to the user's chain.
pub async fn record(
    state: &AppState,
    user_id: i64,
    username_lower: &str,
    event: &str,
    detail: &str,
) -> Result<(), AppError> {
    chain::append(state.store.as_ref(), user_id, username_lower, event, detail, crate::now_ms()).await?;
    Ok(())
}
