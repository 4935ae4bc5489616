//! How `File`'s poll methods drive its state machine (the diagram is in
//! `mod.rs`).
//!
//! Every method starts the same way: `poll_finish` collects the operation in
//! flight, if any, and leaves the file idle with its buffer. What happens
//! next depends on what the buffer holds. A read takes unread bytes or
//! starts a fill. A write first gives back the read-ahead (`give_back_unread`)
//! and then buffers its bytes. A seek or a flush first *settles* the file
//! (`poll_settle`): it writes what is buffered and rewinds over what was read
//! ahead, so that the std file's offset is the caller's position.

use std::future::Future;
use std::io::{self, Seek, SeekFrom};
use std::mem;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::{Buf, Done, File, State};

impl File {
    /// Waits for the operation in flight, if any: `Ready(Ok(None))` when
    /// there was none, else its outcome, with the buffer back in place.
    pub(super) fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Done>>> {
        let State::Busy(operation) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let (buf, result) = ready!(Pin::new(operation).poll(cx)).unwrap_or_else(|err| {
            let err = format!("a `corio::fs::File` operation did not complete: {err}");
            (Buf::default(), Err(io::Error::other(err)))
        });
        self.state = State::Idle(buf);
        Poll::Ready(result.map(Some))
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
        self.start_job(op, false);
    }

    /// As `start`; a `mandatory` job runs even if the runtime shuts down
    /// while it waits in the pool's queue.
    pub(super) fn start_job<F>(&mut self, op: F, mandatory: bool)
    where
        F: FnOnce(&mut Buf, &std::fs::File) -> io::Result<Done> + Send + 'static,
    {
        // The pool is found before the buffer moves into the job: outside a
        // runtime this panics, and written bytes stay for the drop to write
        // instead of going down with the job.
        let pool = crate::blocking::current("corio::fs::File");
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
    /// (only a cancelled read leaves any there) they are kept aside for the
    /// next reads.
    pub(super) fn give_back_unread(&mut self) {
        if self.read_ahead {
            return self.start_rewind();
        }
        let mut unread = vec![0; self.buf().unread()];
        let n = self.buf().take_unread(&mut unread);
        self.kept.extend(&unread[..n]);
    }

    /// Hands the read-ahead back to the file: seeks back over it.
    pub(super) fn start_rewind(&mut self) {
        // Discarded by the job, which owns the buffer: a rewind that never
        // starts leaves the read-ahead where it was.
        self.start(move |buf, mut std| {
            let ahead = buf.discard_unread();
            std.seek(SeekFrom::Current(-ahead)).map(|_| Done::Rewound)
        });
    }

    /// A flush is mandatory: a write returned as soon as its bytes were in
    /// the buffer, so a runtime shutting down must not cancel it.
    pub(super) fn start_flush(&mut self) {
        self.start_job(|buf, std| buf.flush(std).map(|()| Done::Flushed), true);
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
        if !file.kept.is_empty() {
            // Read before anything in flight now: they come first.
            let n = dst.len().min(file.kept.len());
            for (to, byte) in dst.iter_mut().zip(file.kept.drain(..n)) {
                *to = byte;
            }
            return Poll::Ready(Ok(n));
        }
        loop {
            if let Some(Done::Filled(0)) = ready!(file.poll_finish(cx))? {
                return Poll::Ready(Ok(0));
            }
            let buf = file.buf();
            if buf.unread() > 0 {
                return Poll::Ready(Ok(buf.take_unread(dst)));
            }
            if buf.has_unwritten() {
                file.start_flush();
                continue;
            }
            let (want, ahead) = (dst.len(), file.read_ahead);
            file.start(move |buf, std| buf.fill(std, want, ahead).map(Done::Filled));
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
            return Poll::Ready(Ok(0));
        }
        loop {
            ready!(file.poll_finish(cx))?;
            if file.buf().unread() > 0 {
                file.give_back_unread();
                continue;
            }
            if file.buf().is_full() {
                file.start_flush();
                continue;
            }
            let n = file.buf().put(src);
            // A full buffer starts writing now: the next write waits only
            // for the rest. So does any write to a pipe, a FIFO or a
            // terminal (a file that cannot seek): a peer waits for those
            // bytes, as in a request/response exchange over a FIFO, and
            // would otherwise see nothing until a flush.
            if file.buf().is_full() || !file.read_ahead {
                file.start_flush();
            }
            return Poll::Ready(Ok(n));
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_settle(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let file = self.get_mut();
        loop {
            match ready!(file.poll_finish(cx)) {
                Ok(Some(Done::Sought(offset))) if file.seeking == Some(pos) => {
                    file.seeking = None;
                    // The seek went back over them (or away): they are the
                    // file's again.
                    file.kept.clear();
                    return Poll::Ready(Ok(offset));
                }
                Err(err) => {
                    file.seeking = None;
                    return Poll::Ready(Err(err));
                }
                // Another operation's outcome (or a stale seek): carry on.
                Ok(_) => {}
            }
            ready!(file.poll_settle(cx))?;
            file.seeking = Some(pos);
            // Bytes set aside (a device that can seek but is not read
            // ahead): the caller's position is before them.
            let to = match pos {
                SeekFrom::Current(n) if !file.kept.is_empty() => {
                    SeekFrom::Current(n.saturating_sub(file.kept.len() as i64))
                }
                other => other,
            };
            file.start(move |_, mut std| std.seek(to).map(Done::Sought));
        }
    }
}
