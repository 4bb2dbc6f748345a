//! Moving one large body: a streamed request body of repeated pseudo-random
//! pieces (nothing whole in memory), and a drained response.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

/// Piece size of streamed request bodies.
pub const PIECE: usize = 8 << 20;

/// `total` bytes as a streamed body: `piece` repeated, the last one cut short.
pub fn body(piece: &bytes::Bytes, total: usize) -> reqwest::Body {
    let piece = piece.clone();
    let parts = (0..total.div_ceil(piece.len())).map(move |i| {
        let len = piece.len().min(total - i * piece.len());
        Ok::<_, std::io::Error>(piece.slice(..len))
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(parts))
}

/// Sends `req`, drains the response, and returns (bytes received, time).
pub async fn timed(req: reqwest::RequestBuilder) -> Result<(u64, Duration), String> {
    let t = Instant::now();
    let res = req.send().await.map_err(|e| format!("request: {e}"))?;
    let status = res.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", res.text().await.unwrap_or_default()));
    }
    let mut stream = res.bytes_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        n += chunk.map_err(|e| format!("body: {e}"))?.len() as u64;
    }
    Ok((n, t.elapsed()))
}

/// MiB/s for `bytes` moved in `d`.
pub fn mib_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

/// The value at quantile `q` (0..=1) of sorted `v` (nearest rank).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}
