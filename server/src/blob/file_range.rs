//! Streaming a byte range of a local file in blocks, read straight into the
//! buffers that go to the socket.
//!
//! Why not `ReaderStream` over `tokio::fs::File`: that reads through
//! tokio's internal buffer (one extra copy of every byte) and makes one
//! blocking-pool round trip per small read; a download then ran at about
//! 0.7× of nginx's `sendfile`.
//!
//! Each block is first read right here on the async worker with
//! `preadv2(RWF_NOWAIT)`, which copies only what is already in the page
//! cache and never waits for the disk; no thread hop is paid, and the
//! socket write that follows runs on the same core as the copy. Whatever is not cached is read on the blocking pool, and the
//! kernel's own read-ahead keeps the disk busy meanwhile. The buffers come
//! from a [`BlockPool`] (reused, never re-zeroed), so memory per download
//! is a few blocks whatever the file size and does not creep up with the
//! number of blocks moved.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;

use super::block_pool::BlockPool;
use super::{BlobError, BlobStream};

/// Bytes per block read (and per frame sent). Chosen by measurement
/// (`server/benches/load.rs`, alternating rounds with nginx, repeated runs):
/// 256 KiB ran ahead of 128 KiB and 1 MiB. Small enough to stay in this core's cache
/// between the read and the socket write, and to keep the worker busy for
/// only tens of microseconds per block; large enough that the per-block
/// cost does not show.
pub const BLOCK: usize = 256 << 10;

/// Read buffers of every download.
static POOL: BlockPool = BlockPool::new(BLOCK);

/// The part of a blob still to send.
struct Range {
    file: Arc<File>,
    pos: u64,
    left: u64,
}

/// Fills as much of `buf` as the page cache holds from `pos` on, without
/// waiting for the disk; returns the bytes read (0 when nothing is cached,
/// or where the kernel or file system cannot read without waiting).
#[cfg(target_os = "linux")]
fn read_cached(file: &File, buf: &mut [u8], pos: u64) -> usize {
    use rustix::io::{ReadWriteFlags, preadv2};
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        match preadv2(file, &mut [std::io::IoSliceMut::new(rest)], pos + done as u64, ReadWriteFlags::NOWAIT) {
            Ok(n) if n > 0 => done += n,
            // End of file (the blocking read reports it), not cached (EAGAIN),
            // or no RWF_NOWAIT here: the blocking read takes over.
            _ => break,
        }
    }
    done
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_file: &File, _buf: &mut [u8], _pos: u64) -> usize {
    0
}

/// Reads exactly `buf.len()` bytes at `pos`; a file that ends first is an
/// error (the blob lost bytes), never silently missing data. (Seek + read
/// rather than a positional read, which is not portable; one block of a
/// range is read at a time, so nothing else moves the file position.)
fn read_waiting(mut file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(pos))?;
    file.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the blob is shorter than its record")
        }
        _ => e,
    })
}

/// The next block of `range`: from the page cache if it is all there,
/// otherwise finished on the blocking pool.
async fn next_block(range: &mut Range) -> std::io::Result<Bytes> {
    let want = usize::try_from(range.left).map_or(BLOCK, |l| l.min(BLOCK));
    let mut buf = POOL.take();
    let block = buf.get_mut(..want).ok_or_else(|| std::io::Error::other("block larger than its buffer"))?;
    let cached = read_cached(&range.file, block, range.pos);
    if cached < want {
        let (file, pos) = (Arc::clone(&range.file), range.pos + cached as u64);
        buf = tokio::task::spawn_blocking(move || {
            let rest =
                buf.get_mut(cached..want).ok_or_else(|| std::io::Error::other("block larger than its buffer"))?;
            read_waiting(&file, rest, pos).map(|()| buf)
        })
        .await
        .map_err(|join| std::io::Error::other(join.to_string()))??;
    }
    range.pos += want as u64;
    range.left -= want as u64;
    Ok(POOL.freeze(buf, want))
}

/// Streams bytes `start..start + len` of `file`.
pub fn stream(file: File, start: u64, len: u64) -> BlobStream {
    let range = Range { file: Arc::new(file), pos: start, left: len };
    futures_util::stream::unfold(range, |mut range| async move {
        if range.left == 0 {
            return None;
        }
        match next_block(&mut range).await {
            Ok(bytes) => Some((Ok(bytes), range)),
            Err(e) => {
                range.left = 0;
                Some((Err(BlobError::Io(e)), range))
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use futures_util::TryStreamExt;

    use super::*;

    /// A file of `len` pseudo-random bytes (so a misplaced block shows).
    fn blob(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&bytes).expect("write");
        file.as_file().sync_all().expect("sync");
        (file, bytes)
    }

    async fn read(file: &tempfile::NamedTempFile, start: u64, len: u64) -> Result<Vec<u8>, BlobError> {
        let f = File::open(file.path()).expect("open");
        let frames: Vec<Bytes> = stream(f, start, len).try_collect().await?;
        assert!(frames.iter().all(|b| b.len() <= BLOCK), "a frame larger than a block");
        Ok(frames.concat())
    }

    #[tokio::test]
    async fn any_range_comes_back_exactly() {
        let len = 3 * BLOCK + 12_345;
        let (file, bytes) = blob(len);
        let cases = [(0, len), (1, len - 1), (BLOCK - 1, BLOCK + 2), (2 * BLOCK, BLOCK), (len - 7, 7), (5, 0)];
        for (start, n) in cases {
            let got = read(&file, start as u64, n as u64).await.expect("read");
            assert!(got == bytes[start..start + n], "range {start}+{n}");
        }
    }

    #[tokio::test]
    async fn a_blob_shorter_than_its_record_is_an_error() {
        let (file, _) = blob(BLOCK + 10);
        let err = read(&file, 0, BLOCK as u64 + 11).await.expect_err("short blob");
        assert!(err.to_string().contains("shorter than its record"), "{err}");
    }

    /// Bytes not in the page cache are read on the blocking pool, and come
    /// back the same.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn bytes_not_in_the_page_cache_are_read_too() {
        let (file, bytes) = blob(2 * BLOCK);
        rustix::fs::fadvise(file.as_file(), 0, None, rustix::fs::Advice::DontNeed).expect("fadvise");
        let mut probe = vec![0; BLOCK];
        let cached = read_cached(file.as_file(), &mut probe, BLOCK as u64);
        assert!(cached < BLOCK, "eviction did not happen, so this test would not reach the blocking read");
        assert!(read(&file, 0, bytes.len() as u64).await.expect("read") == bytes);
    }

    /// Cached bytes are read without the blocking pool (the point of the module).
    #[cfg(target_os = "linux")]
    #[test]
    fn cached_bytes_are_read_in_place() {
        let (file, bytes) = blob(BLOCK);
        let mut buf = vec![0; BLOCK];
        assert_eq!(read_cached(file.as_file(), &mut buf, 0), BLOCK);
        assert!(buf == bytes);
    }
}
