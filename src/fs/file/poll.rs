//! How `File`'s poll methods drive its state machine (the diagram is in
//! `mod.rs`).
//!
//! Every method starts the same way: `poll_finish` collects the operation in
//! flight, if any, and leaves the file idle with its buffer. What happens
//! next depends on what the buffer holds. A read takes unread bytes or
//! starts a fill. A write first gives back the read-ahead (`give_back_unread`)
//! and then buffers its bytes. A flush first *settles* the file
//! (`poll_settle`): it writes what is buffered and rewinds over what was read
//! ahead, so that the std file's offset is the caller's position. A seek
//! settles the written bytes the same way, but gives the read-ahead back
//! within its own hop (`start_seek`).
//!
//! Writes go *behind*: a write puts its bytes in the buffer and starts a
//! flush at once, as tokio does, so they reach the file in microseconds,
//! not when 64 KiB have piled up. While that flush is on the pool, later
//! writes to a regular file do not wait for it: they append to [`Behind`]
//! (the one piece of a `File` shared with its job, under a lock), which the
//! flush takes and writes when it has written its own, going on until
//! nothing is left. A run of small writes therefore costs one hop, and a
//! `write(2)` per batch that piled up during the last one (a few dozen
//! bytes in a tight loop of one-byte writes: tokio makes one per write),
//! and no byte ever waits for a later call to start its hop. Writes to a
//! pipe, FIFO or terminal wait for the one before instead, each one
//! `write(2)` of its own bytes, so that a line stays whole.

use std::future::Future;
use std::io::{self, Seek, SeekFrom};
use std::mem;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

use super::{Buf, Done, File, State};
use crate::fs::buf::{CHUNK, MAX_WRITE};

/// Bytes written while a flush is on the blocking pool, for that flush to
/// write too (see the module documentation); shared by the `File` and its
/// flush job.
#[derive(Debug, Default)]
pub(super) struct Behind {
    bytes: Vec<u8>,
    /// A flush job is running and looks here again before it ends: only
    /// then may a write leave its bytes here.
    open: bool,
}

impl File {
    /// Waits for the operation in flight, if any: `Ready(Ok(None))` when
    /// there was none, else its outcome, with the buffer back in place.
    pub(super) fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Done>>> {
        let State::Busy(operation) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let (buf, result) = ready!(Pin::new(operation).poll(cx)).unwrap_or_else(|err| {
            // A job that never ran, or panicked: if it was a flush, what
            // writes left behind for it goes with it, and `Behind` closes.
            let mut behind = self.behind.lock();
            behind.open = false;
            behind.bytes.clear();
            let what = "a `corio::fs::File` operation";
            (Buf::default(), Err(crate::blocking::job_failed(what, &err)))
        });
        self.state = State::Idle(buf);
        // Whatever finished, no seek runs now: the flag goes, whoever
        // collects the outcome; a seek's target stays only if it succeeded.
        let was_seeking = std::mem::take(&mut self.seeking);
        if was_seeking && !matches!(result, Ok(Done::Sought(_))) {
            self.seek = None;
        }
        Poll::Ready(match result {
            Ok(Done::WriteFailed(err)) => {
                // Kept for the next write or flush; the first one counts.
                self.write_error.get_or_insert(err);
                Ok(Some(Done::Flushed))
            }
            Ok(Done::Sought(offset)) => {
                // The seek went back over the bytes set aside (or away):
                // they are the file's again, whoever picks up the outcome
                // (a seek whose future was dropped still moved the offset).
                self.kept.clear();
                self.sought = true;
                Ok(Some(Done::Sought(offset)))
            }
            other => other.map(Some),
        })
    }

    /// The buffer, once `poll_finish` has returned `Ready`.
    pub(super) fn buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            State::Busy(_) => unreachable!("`poll_finish` leaves the file idle"),
        }
    }

    /// Moves the buffer and the std file to the blocking pool to run `op`.
    pub(super) fn start<F>(&mut self, op: F)
    where
        F: FnOnce(&mut Buf, &std::fs::File) -> io::Result<Done> + Send + 'static,
    {
        // The pool is found before the buffer moves into the job: outside a
        // runtime this panics, and written bytes stay for the drop to write
        // instead of going down with the job.
        let pool = crate::blocking::current("corio::fs::File");
        self.start_on(pool, op, false);
    }

    /// As `start`, on `pool`; a `mandatory` job runs even if the runtime
    /// shuts down while it waits in the pool's queue.
    fn start_on<F>(&mut self, pool: crate::blocking::Pool, op: F, mandatory: bool)
    where
        F: FnOnce(&mut Buf, &std::fs::File) -> io::Result<Done> + Send + 'static,
    {
        let mut buf = mem::take(self.buf());
        let std = self.std.clone();
        let job = move || {
            let result = op(&mut buf, &std);
            (buf, result)
        };
        self.state = State::Busy(pool.spawn(job, Location::caller(), mandatory));
    }

    /// Clears the buffer of bytes read but not yet taken: a file that can
    /// seek gets them back (a seek back over them); on one that cannot
    /// (only a cancelled read or an unconsumed `fill_buf` leaves any there)
    /// they are kept aside for the next reads.
    pub(super) fn give_back_unread(&mut self) {
        if self.read_ahead.get() {
            return self.start_rewind();
        }
        let mut unread = vec![0; self.buf().unread()];
        let n = self.buf().take_unread(&mut unread);
        self.kept.extend(&unread[..n]);
    }

    /// Hands the read-ahead back to the file: seeks back over it.
    pub(super) fn start_rewind(&mut self) {
        // Discarded by the job, which owns the buffer. Mandatory, as a
        // flush is: a rewind cancelled in the queue by a shutdown would
        // take the read-ahead with it and leave the offset past it.
        let pool = crate::blocking::current("corio::fs::File");
        self.start_on(
            pool,
            move |buf, mut std| {
                // Dropped only once the offset is back: a rewind that fails
                // (another descriptor sharing the offset moved it) keeps
                // them for the next read, as a failed seek does.
                let ahead =
                    i64::try_from(buf.unread()).expect("a buffer is far smaller than i64::MAX");
                let rewound = std.seek(SeekFrom::Current(-ahead));
                if rewound.is_ok() {
                    buf.discard_unread();
                }
                rewound.map(|_| Done::Rewound)
            },
            true,
        );
    }

    /// A flush is mandatory: a write returned as soon as its bytes were in
    /// the buffer, so a runtime shutting down must not cancel it. It writes
    /// the buffer, then whatever writes left behind meanwhile, until none
    /// are left. An error ends it: the buffer's bytes may be lost (the
    /// error, reported by the next write or flush, says so, as tokio's
    /// does), and the bytes left behind are dropped unwritten: their writes
    /// returned `Ok`, but they were to follow the failed ones, and written
    /// later they would land where the failed bytes should have gone
    /// (tokio's later writes wait for the one in flight and return its
    /// error, writing nothing).
    pub(super) fn start_flush(&mut self) {
        // Found first: outside a runtime this panics, with `Behind` still
        // closed (no write may leave bytes for a flush that never runs).
        let pool = crate::blocking::current("corio::fs::File");
        let behind = self.behind.clone();
        behind.lock().open = true;
        let ahead = self.read_ahead.clone();
        self.start_on(
            pool,
            move |buf, std| {
                // Writes may be left behind this flush once the file is
                // known to seek (`put_behind`).
                ahead.get_or_probe(std);
                loop {
                    let written = buf.flush(std);
                    let mut behind = behind.lock();
                    if written.is_err() || behind.bytes.is_empty() {
                        behind.bytes.clear();
                        behind.open = false;
                        return Ok(written.map_or_else(Done::WriteFailed, |()| Done::Flushed));
                    }
                    buf.put_all(&mut behind.bytes);
                }
            },
            true,
        );
    }

    /// Leaves `src` behind for the flush on the pool, if one is running and
    /// has room: how many bytes it took.
    ///
    /// Only on a file that can seek (a regular file): a write to a pipe,
    /// FIFO or terminal waits for the one before it, so that each is one
    /// `write(2)` of its own bytes, whole (up to `PIPE_BUF`) even when other
    /// processes write to the same pipe, as with tokio.
    fn put_behind(&self, src: &[u8]) -> Option<usize> {
        let State::Busy(_) = self.state else {
            return None;
        };
        if !self.read_ahead.get() {
            return None;
        }
        let mut behind = self.behind.lock();
        let room = MAX_WRITE.saturating_sub(behind.bytes.len());
        if !behind.open || room == 0 {
            return None;
        }
        // Whole or not at all: a write split between this flush and the
        // next would be two `write(2)`s, and on a file opened to append,
        // another process's record could land between its halves. (A write
        // larger than a chunk is cut anyway, as tokio cuts one at its
        // buffer's size.)
        let n = if src.len() <= room {
            src.len()
        } else if behind.bytes.is_empty() {
            room
        } else {
            return None;
        };
        behind.bytes.extend_from_slice(&src[..n]);
        Some(n)
    }

    /// Whether reads may take the bytes set aside now: not while a seek is
    /// in flight, which will give them back to the file.
    fn kept_ready(&self) -> bool {
        let seek_in_flight = matches!(self.state, State::Busy(_)) && self.seeking;
        !self.kept.is_empty() && !seek_in_flight
    }

    /// The error a background flush met, for a call that writes or
    /// settles the file (tokio reports it at the next write or flush; a
    /// read or a seek goes on).
    pub(super) fn take_write_error(&mut self) -> io::Result<()> {
        self.write_error.take().map_or(Ok(()), Err)
    }

    /// Makes the std file match what the caller has read and written: no
    /// write left in the buffer, no read-ahead past the caller's position.
    pub(super) fn poll_settle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_finish(cx))?;
            if self.buf().has_unwritten() {
                self.start_flush();
            } else if self.buf().unread() > 0 {
                self.give_back_unread();
            } else {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

impl File {
    /// Makes unread bytes ready in the buffer, reading (up to `want`, or a
    /// chunk ahead) if there are none: `false` at the end of the file.
    fn poll_fill(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<bool>> {
        loop {
            if let Some(Done::Filled(0)) = ready!(self.poll_finish(cx))? {
                return Poll::Ready(Ok(false));
            }
            let buf = self.buf();
            if buf.unread() > 0 {
                return Poll::Ready(Ok(true));
            }
            if buf.has_unwritten() {
                self.start_flush();
                continue;
            }
            let ahead = self.read_ahead.clone();
            let after_a_seek = mem::take(&mut self.sought);
            self.start(move |buf, std| {
                // Probed first, whatever the seek: writes left behind a
                // flush need the answer (`put_behind`).
                let ahead = ahead.get_or_probe(std) && !after_a_seek;
                buf.fill(std, want, ahead).map(Done::Filled)
            });
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let file = self.get_mut();
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if file.kept_ready() {
            // Read before anything in flight now (but a seek): they come
            // first.
            let n = dst.len().min(file.kept.len());
            for (to, byte) in dst.iter_mut().zip(file.kept.drain(..n)) {
                *to = byte;
            }
            return Poll::Ready(Ok(n));
        }
        if !ready!(file.poll_fill(cx, dst.len()))? {
            return Poll::Ready(Ok(0));
        }
        Poll::Ready(Ok(file.buf().take_unread(dst)))
    }
}

/// The read buffer lent out as is: `fill_buf` shows the unread bytes
/// (fetching a chunk if there are none) and `consume` marks some taken, so
/// a line reader (`read_line`, `lines()`) needs no buffer of its own.
impl AsyncBufRead for File {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let file = self.get_mut();
        if file.kept_ready() {
            return Poll::Ready(Ok(file.kept.as_slices().0));
        }
        if !ready!(file.poll_fill(cx, CHUNK))? {
            return Poll::Ready(Ok(&[]));
        }
        Poll::Ready(Ok(file.buf().unread_bytes()))
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        let file = self.get_mut();
        if file.kept_ready() {
            let n = amount.min(file.kept.len());
            file.kept.drain(..n);
        } else if let State::Idle(buf) = &mut file.state {
            buf.consume(amount);
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let file = self.get_mut();
        if src.is_empty() {
            // Nothing to write, but an error a background write met and
            // left for the next write is reported here too (tokio takes
            // it before anything else).
            return Poll::Ready(file.take_write_error().map(|()| 0));
        }
        loop {
            // A flush on the pool takes these too: no wait.
            if file.write_error.is_none()
                && let Some(n) = file.put_behind(src)
            {
                return Poll::Ready(Ok(n));
            }
            ready!(file.poll_finish(cx))?;
            file.take_write_error()?;
            if file.buf().unread() > 0 {
                file.give_back_unread();
                continue;
            }
            if file.buf().has_unwritten() {
                // Left by a flush that could not start (outside a runtime).
                file.start_flush();
                continue;
            }
            // Into the buffer, and on their way to the file at once.
            let n = file.buf().put(src);
            file.start_flush();
            return Poll::Ready(Ok(n));
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let file = self.get_mut();
        ready!(file.poll_settle(cx))?;
        Poll::Ready(file.take_write_error())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// A seek runs on the pool; a seek future dropped while it runs still moves
/// the offset, as tokio's does. `poll_seek` cannot tell a seek polled again
/// from a new one with the same target, so the next `seek` to the same
/// `SeekFrom` takes that outcome instead of moving again (another
/// operation in between takes it first, and then a new seek starts).
impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let file = self.get_mut();
        loop {
            match ready!(file.poll_finish(cx)) {
                Ok(Some(Done::Sought(offset))) if file.seek.take() == Some(pos) => {
                    return Poll::Ready(Ok(offset));
                }
                Err(err) => return Poll::Ready(Err(err)),
                // Another operation's outcome (or a stale seek): carry on.
                Ok(_) => {}
            }
            // Read-ahead is given back by the seek itself (one hop, not a
            // rewind and then the seek); written bytes go out first.
            let folds = file.read_ahead.get() && file.buf().unread() > 0;
            if !folds {
                ready!(file.poll_settle(cx))?;
            }
            (file.seek, file.seeking) = (Some(pos), true);
            // Bytes set aside (a device that can seek but is not read
            // ahead): the caller's position is before them.
            let to = match pos {
                SeekFrom::Current(n) if !file.kept.is_empty() => {
                    SeekFrom::Current(n.saturating_sub(file.kept.len() as i64))
                }
                other => other,
            };
            file.start_seek(to, folds);
        }
    }
}

impl File {
    /// Starts a caller's seek to `to`, counted from the caller's position.
    /// Unread read-ahead puts the std file's offset past that position, so
    /// a relative seek subtracts it. A seek that fails moves nothing, so
    /// the job then rewinds over the read-ahead, as a write would: the
    /// offset is the caller's position again, whether or not anyone
    /// collects the outcome (a `File` dropped meanwhile leaves a shared
    /// offset right). Holding read-ahead, the job is mandatory, as a rewind
    /// is: cancelled in the queue by a shutdown, it would take the bytes
    /// with it and leave the offset past them.
    fn start_seek(&mut self, to: SeekFrom, holds_read_ahead: bool) {
        let pool = crate::blocking::current("corio::fs::File");
        let job = move |buf: &mut Buf, mut std: &std::fs::File| {
            let ahead = i64::try_from(buf.unread()).expect("a buffer is far smaller than i64::MAX");
            let target = match to {
                // Saturating: a target that far back is before the start
                // of the file either way, and the seek fails alike.
                SeekFrom::Current(n) => SeekFrom::Current(n.saturating_sub(ahead)),
                absolute => absolute,
            };
            let sought = std.seek(target);
            if sought.is_ok() || ahead == 0 || std.seek(SeekFrom::Current(-ahead)).is_ok() {
                buf.discard_unread();
            }
            sought.map(Done::Sought)
        };
        self.start_on(pool, job, holds_read_ahead);
    }
}
