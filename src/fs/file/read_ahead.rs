//! Whether a file's reads may fetch ahead, found out on the blocking pool.
//!
//! Reading a whole chunk ahead is only safe where the file can seek back
//! over what the caller did not take: a regular file or a block device.
//! Finding that out takes an `fstat` and an `lseek`, and an `fstat` may
//! wait on a network file system. So no worker ever asks: `open` asks on
//! the pool right after the open, and a file from `File::from_std` starts
//! not knowing, and the first read or flush job (on the pool) asks. Until
//! then the file behaves as one that cannot seek (no bytes are left behind
//! a flush), which is always safe, only slower.

use std::os::fd::AsRawFd;
use std::os::unix::fs::FileTypeExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;

/// The answer, shared between the `File` and the jobs it starts.
#[derive(Clone, Debug)]
pub(super) struct ReadAhead(Arc<AtomicU8>);

impl ReadAhead {
    /// An answer already found.
    pub(super) fn known(yes: bool) -> ReadAhead {
        ReadAhead(Arc::new(AtomicU8::new(if yes { YES } else { NO })))
    }

    /// Not asked yet: the first job asks.
    pub(super) fn unknown() -> ReadAhead {
        ReadAhead(Arc::new(AtomicU8::new(UNKNOWN)))
    }

    /// The answer if some job found it; `false` until then.
    pub(super) fn get(&self) -> bool {
        self.0.load(Ordering::Acquire) == YES
    }

    /// The answer, asking the file the first time: for jobs on the pool.
    pub(super) fn get_or_probe(&self, std: &std::fs::File) -> bool {
        match self.0.load(Ordering::Acquire) {
            UNKNOWN => {
                let yes = probe(std);
                self.0.store(if yes { YES } else { NO }, Ordering::Release);
                yes
            }
            answer => answer == YES,
        }
    }

    /// A copy of the answer for another descriptor of the same file (the
    /// two may ask apart, and would answer alike).
    pub(super) fn copy(&self) -> ReadAhead {
        ReadAhead(Arc::new(AtomicU8::new(self.0.load(Ordering::Acquire))))
    }
}

/// Only a regular file or a block device that `lseek` to where it is
/// accepts can read ahead: a pipe, a FIFO or a terminal says ESPIPE, and
/// many other devices (inotify, signalfd, input devices) accept the
/// `lseek` but ignore it, so a rewind there would throw their records away
/// without an error.
pub(super) fn probe(std: &std::fs::File) -> bool {
    let plain = std.metadata().is_ok_and(|meta| {
        let kind = meta.file_type();
        kind.is_file() || kind.is_block_device()
    });
    // SAFETY: `lseek` on a descriptor `std` owns and keeps open.
    plain && unsafe { libc::lseek(std.as_raw_fd(), 0, libc::SEEK_CUR) } != -1
}
