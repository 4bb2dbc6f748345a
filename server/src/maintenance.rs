//! Periodic housekeeping: collect abandoned uploads, purge expired
//! challenges and sessions, checkpoint audit chains, forget old limiter state.

use std::time::Duration;

use crate::{AppState, audit, now_ms};

/// Runs forever, one pass every `maintenance_secs`.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.maintenance_secs.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        pass(&state).await;
    }
}

/// One maintenance pass; failures are logged and retried next pass.
pub async fn pass(state: &AppState) {
    let now = now_ms();
    let ttl_ms = i64::try_from(state.config.upload_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    match state.store.abandoned_uploads(now.saturating_sub(ttl_ms)).await {
        Ok(ids) => {
            for id in ids {
                // Rows first: once they are gone nothing refers to the blobs.
                if let Err(err) = state.store.delete_file(&id).await {
                    tracing::warn!(%err, "cannot remove an abandoned upload");
                    continue;
                }
                if let Err(err) = state.blobs.delete_prefix(&crate::api::files::blob_prefix(&id)).await {
                    tracing::warn!(%err, "cannot remove the blobs of an abandoned upload");
                }
                tracing::info!(file = %id, "abandoned upload collected");
            }
        }
        Err(err) => tracing::warn!(%err, "cannot list abandoned uploads"),
    }
    if let Err(err) = state.store.purge_expired(now).await {
        tracing::warn!(%err, "cannot purge expired challenges and sessions");
    }
    match audit::checkpoint::run(state.store.as_ref(), &state.signer, now).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(chains = n, "audit checkpoints signed"),
        Err(err) => tracing::warn!(%err, "cannot checkpoint audit chains"),
    }
    state.failures.prune();
    if let Some(governor) = &state.governor {
        governor.limiter().retain_recent();
    }
}
