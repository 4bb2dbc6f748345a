//! Streaming a byte range of a local file in large blocks, one block read
//! ahead on the blocking pool while the previous one is being sent.
//!
//! Why not `ReaderStream` over `tokio::fs::File`: that reads through
//! tokio's internal buffer (one extra copy of every byte) and makes one
//! blocking-pool round trip per small read; a download then ran at about
//! 0.7× of nginx's `sendfile`. Reading straight into the `Bytes` that go
//! to the socket, a block at a time, removes the copy and most round trips.
//! Memory per download: two blocks, whatever the file size.

use std::fs::File;
use std::io::Read;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::task::JoinHandle;

use super::{BlobError, BlobStream};

/// Bytes per read (and per frame sent).
pub const BLOCK: usize = 1024 * 1024;

/// A file, the bytes of the range still to read, and the next block's read.
struct State {
    next: Option<JoinHandle<std::io::Result<(File, Bytes)>>>,
    left: u64,
}

/// Reads exactly `want` bytes; a file that ends first is an error (the
/// blob lost bytes), never silently missing data.
fn read_block(mut file: File, want: usize) -> std::io::Result<(File, Bytes)> {
    let mut buf = BytesMut::zeroed(want);
    file.read_exact(&mut buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the blob is shorter than its record")
        }
        _ => e,
    })?;
    Ok((file, buf.freeze()))
}

/// Starts reading the next block of the `left` bytes still wanted.
fn start(file: File, left: u64) -> State {
    if left == 0 {
        return State { next: None, left };
    }
    let want = usize::try_from(left).map_or(BLOCK, |l| l.min(BLOCK));
    State { next: Some(tokio::task::spawn_blocking(move || read_block(file, want))), left: left - want as u64 }
}

/// Streams `len` bytes of `file` from its current position.
pub fn stream(file: File, len: u64) -> BlobStream {
    futures_util::stream::unfold(start(file, len), |state| async move {
        let read = match state.next?.await {
            Ok(read) => read,
            Err(join) => Err(std::io::Error::other(join.to_string())),
        };
        Some(match read {
            // The next block is read while this one is sent.
            Ok((file, bytes)) => (Ok(bytes), start(file, state.left)),
            Err(e) => (Err(BlobError::Io(e)), State { next: None, left: 0 }),
        })
    })
    .boxed()
}
