//! `Buf`: the bytes a [`File`](super::File) keeps between blocking hops.
//!
//! A hop to the blocking pool costs a few microseconds; a `write` of one
//! byte costs nanoseconds. So a `File` does not hop per call: it keeps one
//! buffer that holds *either* bytes read ahead that the caller has not taken
//! yet, *or* bytes written that have not reached the file yet, never both:
//!
//! ```text
//!   ReadAhead:  [ taken by the caller | unread ............ ]   (pos ─►)
//!   Unwritten:  [ written by the caller, not yet in the file ]  (up to MAX_WRITE)
//! ```
//!
//! The buffer is *moved* to the blocking thread for a fill or a flush and
//! moved back with the result, so at every moment exactly one side owns it
//! and no lock is needed (the bytes written while a flush runs wait in
//! `file/poll.rs`'s `Behind`, the one shared piece). A fill reads at least [`CHUNK`] bytes (from a
//! file that can seek: see `File::read_ahead`; but the first fill after a
//! seek, see `File::sought`). A write starts a flush at
//! once, and the writes made while it is on the pool pile up (up to
//! [`MAX_WRITE`]) beside it, in `file/poll.rs`'s `Behind`, for that same flush
//! to take when it has written the buffer: a megabyte written one byte at
//! a time is a few hops, each writing what piled up meanwhile, not a
//! million (a `write(2)` per few dozen bytes in a tight loop: for bulk
//! output in tiny pieces, a `BufWriter` on top still pays).

use std::fs::File;
use std::io::{self, Read, Write};

/// The least a fill reads (read ahead, from a file that can seek).
pub(super) const CHUNK: usize = 64 * 1024;

/// The most one write takes into the buffer (and the most that waits beside
/// a running flush): tokio's `max_buf_size`, 2 MiB. A bulk `write_all` then
/// reaches the file in a few large `write(2)`s, a hop each, not one per
/// 64 KiB; small writes are not held back to fill it (a write starts its
/// flush at once).
pub(super) const MAX_WRITE: usize = 2 * 1024 * 1024;

/// The most a single fill reads, however large the caller's buffer.
const MAX_FILL: usize = 2 * 1024 * 1024;

/// What the bytes in a [`Buf`] are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Holds {
    /// Read from the file; the caller takes them from `pos` on.
    #[default]
    ReadAhead,
    /// Written by the caller; the file has not got them yet.
    Unwritten,
}

#[derive(Debug, Default)]
pub(super) struct Buf {
    bytes: Vec<u8>,
    /// With `ReadAhead`: how many bytes the caller has taken. Else 0.
    pos: usize,
    holds: Holds,
}

impl Buf {
    /// Bytes read ahead that the caller has not taken.
    pub(super) fn unread(&self) -> usize {
        match self.holds {
            Holds::ReadAhead => self.bytes.len() - self.pos,
            Holds::Unwritten => 0,
        }
    }

    /// Whether written bytes wait to be flushed.
    pub(super) fn has_unwritten(&self) -> bool {
        self.holds == Holds::Unwritten && !self.bytes.is_empty()
    }

    /// Copies unread bytes into `dst`, returning how many.
    pub(super) fn take_unread(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// The unread bytes, to lend out (`AsyncBufRead::poll_fill_buf`).
    pub(super) fn unread_bytes(&self) -> &[u8] {
        match self.holds {
            Holds::ReadAhead => &self.bytes[self.pos..],
            Holds::Unwritten => &[],
        }
    }

    /// Marks `n` unread bytes taken (at most as many as there are).
    pub(super) fn consume(&mut self, n: usize) {
        self.pos += n.min(self.unread());
    }

    /// Forgets the unread bytes, returning how far the file's offset is
    /// ahead of the caller's position because of them.
    pub(super) fn discard_unread(&mut self) -> i64 {
        let ahead = self.unread();
        self.clear();
        i64::try_from(ahead).expect("a buffer is far smaller than i64::MAX")
    }

    /// Appends as much of `src` as fits, returning how much. The caller has
    /// discarded any read-ahead first.
    pub(super) fn put(&mut self, src: &[u8]) -> usize {
        debug_assert_eq!(self.unread(), 0, "read-ahead must be discarded first");
        if self.holds == Holds::ReadAhead {
            self.clear();
            self.holds = Holds::Unwritten;
        }
        let n = src.len().min(MAX_WRITE.saturating_sub(self.bytes.len()));
        self.bytes.extend_from_slice(&src[..n]);
        n
    }

    /// On the blocking pool: reads what the caller asked for (`want`
    /// bytes, raised to a chunk if `ahead`) from `file` into the empty
    /// buffer.
    pub(super) fn fill(&mut self, mut file: &File, want: usize, ahead: bool) -> io::Result<usize> {
        debug_assert!(self.unread() == 0 && !self.has_unwritten());
        self.clear();
        let size = if ahead { want.max(CHUNK) } else { want };
        self.bytes.resize(size.min(MAX_FILL), 0);
        let result = loop {
            match file.read(&mut self.bytes) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => break result,
            }
        };
        self.bytes.truncate(*result.as_ref().unwrap_or(&0));
        result
    }

    /// On the blocking pool, after a flush emptied the buffer: takes every
    /// byte of `behind` (written meanwhile) as the unwritten bytes.
    pub(super) fn put_all(&mut self, behind: &mut Vec<u8>) {
        debug_assert!(self.bytes.is_empty(), "a flush empties the buffer first");
        std::mem::swap(&mut self.bytes, behind);
        self.pos = 0;
        self.holds = Holds::Unwritten;
    }

    /// On the blocking pool (or in `File`'s drop): writes the unwritten
    /// bytes to `file`. They are dropped even on error, as tokio does: the
    /// error reports that they may be lost.
    pub(super) fn flush(&mut self, mut file: &File) -> io::Result<()> {
        let result = file.write_all(&self.bytes);
        self.clear();
        result
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.pos = 0;
        self.holds = Holds::ReadAhead;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_pile_up_to_max_write() {
        let mut buf = Buf::default();
        assert!(!buf.has_unwritten());
        assert_eq!(buf.put(&[1; 10]), 10);
        assert!(buf.has_unwritten());
        assert_eq!(buf.put(&vec![2; MAX_WRITE]), MAX_WRITE - 10);
        assert_eq!(buf.put(&[3]), 0, "full");
        assert_eq!(buf.unread(), 0);
    }

    #[test]
    fn read_ahead_is_taken_in_order_and_can_be_discarded() {
        let mut buf = Buf {
            bytes: (0..10).collect(),
            pos: 0,
            holds: Holds::ReadAhead,
        };
        let mut dst = [0; 4];
        assert_eq!(buf.take_unread(&mut dst), 4);
        assert_eq!(dst, [0, 1, 2, 3]);
        assert_eq!(buf.unread(), 6);
        assert_eq!(buf.discard_unread(), 6);
        assert_eq!(buf.unread(), 0);
        assert!(!buf.has_unwritten());
    }
}
