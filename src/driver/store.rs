//! [`Store`], where the driver keeps a stream and its output, read back by window from any thread.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::memory::hold;

/// Where a spool keeps bytes: in memory up to the whole budget, else in an unnamed temporary file
/// (the `tempfile` crate: the OS removes it even when the process is killed).
pub(super) enum Store {
    Memory(Vec<u8>),
    File {
        file: File,
        /// Bytes not yet in the file: one write per [`TEMP_BUFFER`] bytes, not one per document.
        pending: Vec<u8>,
        /// Held for a window's seek and read: several threads read windows at once.
        reading: Mutex<()>,
    },
}

/// The write buffer of a file [`Store`].
const TEMP_BUFFER: usize = 128 * 1024;

impl Store {
    pub(super) fn in_memory(&self) -> bool {
        matches!(self, Store::Memory(_))
    }

    pub(super) fn new(in_memory: bool) -> Result<Store> {
        if in_memory {
            return Ok(Store::Memory(Vec::new()));
        }
        let file = tempfile::tempfile().map_err(|e| temp_error(&e))?;
        Ok(Store::File {
            file,
            // Reserved whole: it is not regrown (and its pages touched twice) as it fills.
            pending: Vec::with_capacity(TEMP_BUFFER),
            reading: Mutex::new(()),
        })
    }

    /// Room for `bytes` in a memory store at once, not regrown (and copied) window by window.
    pub(super) fn reserve(&mut self, bytes: usize) -> Result<()> {
        match self {
            Store::Memory(buf) => room(buf, bytes),
            Store::File { .. } => Ok(()),
        }
    }

    /// [`Store::write_all`] of a buffer the caller is done with, which becomes an empty memory
    /// store's buffer when no room was reserved (one window's output is not copied again).
    pub(super) fn write_owned(&mut self, text: String) -> Result<()> {
        match self {
            Store::Memory(buf) if buf.capacity() == 0 => {
                *buf = text.into_bytes();
                Ok(())
            }
            _ => self.write_all(text.as_bytes()),
        }
    }

    pub(super) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let (file, pending) = match self {
            Store::Memory(buf) => {
                return room(buf, bytes.len()).map(|()| buf.extend_from_slice(bytes));
            }
            Store::File { file, pending, .. } => (file, pending),
        };
        if pending.len() + bytes.len() > TEMP_BUFFER {
            flush_into(file, pending)?;
        }
        if bytes.len() >= TEMP_BUFFER {
            return file.write_all(bytes).map_err(|e| temp_error(&e));
        }
        pending.extend_from_slice(bytes);
        Ok(())
    }

    /// Nothing was written (after [`Store::flush`]).
    pub(super) fn is_empty(&self) -> bool {
        match self {
            Store::Memory(buf) => buf.is_empty(),
            Store::File { file, pending, .. } => {
                pending.is_empty() && file.metadata().map_or(true, |m| m.len() == 0)
            }
        }
    }

    /// Write what is buffered: the store is complete, and can be read, only after it.
    pub(super) fn flush(&mut self) -> Result<()> {
        match self {
            Store::Memory(_) => Ok(()),
            Store::File { file, pending, .. } => flush_into(file, pending),
        }
    }

    /// Read `len` bytes at `start`: borrowed in memory, from a file into a buffer not zeroed first.
    pub(super) fn read_at(&self, start: u64, len: usize) -> Result<Cow<'_, [u8]>> {
        match self {
            Store::Memory(buf) => {
                let start = usize::try_from(start).unwrap_or(usize::MAX);
                buf.get(start..start.saturating_add(len))
                    .map(Cow::Borrowed)
                    .ok_or_else(|| Error::input("internal: a read past the spooled stream"))
            }
            Store::File {
                file,
                pending,
                reading,
            } => {
                debug_assert!(pending.is_empty(), "read before the flush");
                let mut buf = Vec::new();
                hold("a window of the stream", len, || buf.try_reserve_exact(len))?;
                let read = {
                    let _held = reading.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut file = file;
                    file.seek(SeekFrom::Start(start)).and_then(|_| {
                        let limit = u64::try_from(len).unwrap_or(u64::MAX);
                        file.take(limit).read_to_end(&mut buf)
                    })
                };
                match read {
                    Ok(n) if n == len => Ok(Cow::Owned(buf)),
                    Ok(_) => Err(temp_error(&std::io::ErrorKind::UnexpectedEof.into())),
                    Err(e) => Err(temp_error(&e)),
                }
            }
        }
    }

    /// Copy the whole store to `out`, a MiB at a time (through a plain reader `std::io::copy`
    /// goes 8 KiB at a time, each split in two writes by stdout's line buffering); into a file
    /// (the process's stdout redirected) the kernel copies it (`copy_file_range`).
    pub(super) fn copy_to<W: Write + ?Sized>(&self, out: &mut W) -> std::io::Result<()> {
        let mut file = match self {
            Store::Memory(buf) => return out.write_all(buf),
            Store::File { file, pending, .. } => {
                debug_assert!(pending.is_empty(), "read before the flush");
                file
            }
        };
        file.seek(SeekFrom::Start(0))?;
        std::io::copy(&mut BufReader::with_capacity(1 << 20, file), out).map(drop)
    }
}

/// Room for `bytes` more in a memory store, or the error that says how much did not fit.
fn room(buf: &mut Vec<u8>, bytes: usize) -> Result<()> {
    hold("the output", buf.len().saturating_add(bytes), || {
        buf.try_reserve(bytes)
    })
}

fn flush_into(file: &mut File, pending: &mut Vec<u8>) -> Result<()> {
    let result = file.write_all(pending);
    // Its room is kept for the next bytes: growing it anew each time costs as much as the writes.
    pending.clear();
    result.map_err(|e| temp_error(&e))
}

fn temp_error(e: &std::io::Error) -> Error {
    Error::input(format!(
        "cannot use a temporary file in {} to hold the stream: {e}; free some space there or \
         point TMPDIR at a writable directory",
        std::env::temp_dir().display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Buffers handed over and bytes copied end up in order, in memory and in a file.
    #[test]
    fn owned_buffers_and_copies_are_written_in_order() {
        for in_memory in [true, false] {
            let mut store = Store::new(in_memory).unwrap();
            store.write_owned("a: 1\n".to_string()).unwrap();
            store.write_owned("b: 2\n".to_string()).unwrap();
            store.write_all(b"c: 3\n").unwrap();
            store.write_owned("d: 4\n".to_string()).unwrap();
            store.flush().unwrap();
            let mut out = Vec::new();
            store.copy_to(&mut out).unwrap();
            assert_eq!(out, b"a: 1\nb: 2\nc: 3\nd: 4\n", "in memory: {in_memory}");
        }
    }
}
