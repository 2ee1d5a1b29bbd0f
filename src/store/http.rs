//! A blob's bytes for a response, never buffered whole: a file is read in large chunks on
//! the blocking pool, one chunk ahead of the socket. Ranges of at most `INLINE_READ_BYTES`
//! are read at once, skipping the blocking pool. The web layer turns a `BlobBody` into a
//! response body.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::task::{spawn_blocking, JoinHandle};

/// Bytes read from the file per chunk: large enough for full loopback speed, small enough
/// that a slow client costs about two chunks of memory (the prefetched one and the server's
/// write buffer).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Ranges up to this size (configs, tokenizers, indexes) are answered from one read.
pub const INLINE_READ_BYTES: u64 = 64 * 1024;

/// The bytes of a response body.
pub enum BlobBody {
    /// Read already (a small range).
    Whole(Bytes),
    /// `len` bytes, streamed.
    Stream {
        len: u64,
        chunks: BoxStream<'static, io::Result<Bytes>>,
    },
}

impl std::fmt::Debug for BlobBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobBody::Whole(bytes) => write!(f, "BlobBody::Whole({} bytes)", bytes.len()),
            BlobBody::Stream { len, .. } => write!(f, "BlobBody::Stream({len} bytes)"),
        }
    }
}

/// The body for `len` bytes of `file` starting at `first`.
pub fn range_body(file: File, first: u64, len: u64) -> io::Result<BlobBody> {
    if len <= INLINE_READ_BYTES {
        let mut buffer = vec![0u8; usize::try_from(len).unwrap_or(0)];
        file.read_exact_at(&mut buffer, first)?;
        return Ok(BlobBody::Whole(Bytes::from(buffer)));
    }
    Ok(BlobBody::Stream {
        len,
        chunks: FileChunks::new(file, first, len).boxed(),
    })
}

/// A byte range of a file as a stream of chunks, prefetching the next chunk while the
/// current one is written.
pub struct FileChunks {
    file: Arc<File>,
    next_offset: u64,
    end: u64,
    in_flight: Option<JoinHandle<io::Result<Bytes>>>,
}

impl FileChunks {
    /// Streams `file[first..=last]`.
    pub fn new(file: File, first: u64, len: u64) -> Self {
        FileChunks {
            file: Arc::new(file),
            next_offset: first,
            end: first + len,
            in_flight: None,
        }
    }

    fn start_next_read(&mut self) {
        if self.next_offset >= self.end {
            return;
        }
        let len = usize::try_from((self.end - self.next_offset).min(CHUNK_BYTES as u64))
            .unwrap_or(CHUNK_BYTES);
        let (file, offset) = (Arc::clone(&self.file), self.next_offset);
        self.next_offset += len as u64;
        self.in_flight = Some(spawn_blocking(move || {
            let mut buffer = vec![0u8; len];
            file.read_exact_at(&mut buffer, offset)?;
            Ok(Bytes::from(buffer))
        }));
    }
}

impl Stream for FileChunks {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.in_flight.is_none() {
            self.start_next_read();
        }
        let Some(read) = self.in_flight.as_mut() else {
            return Poll::Ready(None);
        };
        let result = match read.poll_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(result)) => result,
            Poll::Ready(Err(join_error)) => Err(io::Error::other(join_error.to_string())),
        };
        self.in_flight = None;
        if result.is_ok() {
            self.start_next_read();
        } else {
            self.next_offset = self.end;
        }
        Poll::Ready(Some(result))
    }
}
