//! A guest's stderr, kept (up to a cap) to explain a trap in the host's log.
//!
//! wasmtime-wasi's `MemoryOutputPipe` traps a guest that writes past its
//! capacity; this stream keeps the first bytes and drops the rest instead.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Accepts any amount of output and keeps the first `cap` bytes.
#[derive(Clone)]
pub struct CapturedStderr {
    kept: Arc<Mutex<Vec<u8>>>,
    cap: usize,
}

impl CapturedStderr {
    /// A stream that keeps at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        CapturedStderr { kept: Arc::default(), cap }
    }

    /// What was kept, as one line: lines trimmed, control characters
    /// escaped, joined with ` | `.
    pub fn one_line(&self) -> String {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&kept)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| super::log::escape(line).into_owned())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// Forgets what was kept (a reused instance starts a new request).
    pub fn clear(&self) {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn keep(&self, bytes: &[u8]) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let room = self.cap.saturating_sub(kept.len());
        kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

impl OutputStream for CapturedStderr {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.keep(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturedStderr {
    async fn ready(&mut self) {}
}

impl AsyncWrite for CapturedStderr {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.keep(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for CapturedStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedStderr {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_bytes_as_one_line() {
        let message = b"\nthread panicked at src/lib.rs:1:1:\n  boom\n";
        let mut stream = CapturedStderr::new(message.len() + 3);
        stream.write(Bytes::from_static(message)).unwrap();
        stream.write(Bytes::from(vec![b'x'; 1000])).unwrap();
        let kept = stream.one_line();
        assert_eq!(kept, "thread panicked at src/lib.rs:1:1: | boom | xxx");
        assert_eq!(stream.kept.lock().unwrap().len(), message.len() + 3);
    }
}
