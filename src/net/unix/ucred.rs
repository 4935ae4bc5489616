//! `UnixStream::peer_cred`: who is at the other end of a Unix stream.
//!
//! The kernel records each side's credentials as the connection is set up
//! (the client's at its connect, the server's at its `listen`, the maker's
//! for a pair), so a server can check
//! them without trusting anything the client says: Linux hands over user,
//! group and process id in one `SO_PEERCRED`; the BSDs and macOS give user
//! and group through `getpeereid`, and macOS the process id through
//! `LOCAL_PEERPID`.

use std::io;
use std::os::fd::AsRawFd;

/// The credentials of a Unix stream's peer, as the kernel recorded them
/// (tokio's `UCred`): the client's when it connected, seen from the
/// accepting side; the server's when it called `listen`, seen from the
/// client; the maker's, for a pair.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (a, _b) = corio::net::UnixStream::pair()?;
///     let cred = a.peer_cred()?;
///     // SAFETY: `getuid` has no preconditions.
///     assert_eq!(cred.uid(), unsafe { libc::getuid() });
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UCred {
    uid: libc::uid_t,
    gid: libc::gid_t,
    pid: Option<libc::pid_t>,
}

impl UCred {
    /// The peer's effective user id.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     // SAFETY: `geteuid` has no preconditions.
    ///     assert_eq!(a.peer_cred()?.uid(), unsafe { libc::geteuid() });
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     // SAFETY: `getegid` has no preconditions.
    ///     assert_eq!(a.peer_cred()?.gid(), unsafe { libc::getegid() });
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id, where the system says (Linux, Android,
    /// Apple's systems); `None` elsewhere.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, _b) = corio::net::UnixStream::pair()?;
    ///     if let Some(pid) = a.peer_cred()?.pid() {
    ///         assert_eq!(pid as u32, std::process::id());
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

/// The credentials of `socket`'s peer.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: passes a live `ucred` and its size, which the kernel writes
    // at most; it checks the descriptor.
    let got = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &raw mut len,
        )
    };
    if got != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        uid: cred.uid,
        gid: cred.gid,
        pid: Some(cred.pid),
    })
}

/// The credentials of `socket`'s peer: user and group from `getpeereid`,
/// and on Apple's systems the process id from `LOCAL_PEERPID` (`None` if
/// that fails; tokio reads `LOCAL_PEEREPID` and fails the call).
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
))]
pub(super) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: passes two live ids for the call to fill; it checks the
    // descriptor.
    if unsafe { libc::getpeereid(socket.as_raw_fd(), &raw mut uid, &raw mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    #[cfg(target_vendor = "apple")]
    let pid = {
        let mut pid: libc::pid_t = 0;
        let mut len = size_of::<libc::pid_t>() as libc::socklen_t;
        // SAFETY: passes a live `pid_t` and its size, which the kernel
        // writes at most; it checks the descriptor.
        let got = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                libc::SOL_LOCAL,
                libc::LOCAL_PEERPID,
                (&raw mut pid).cast(),
                &raw mut len,
            )
        };
        (got == 0).then_some(pid)
    };
    #[cfg(not(target_vendor = "apple"))]
    let pid = None;
    Ok(UCred { uid, gid, pid })
}

/// Elsewhere (illumos, Solaris, ...): not supported here.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
)))]
pub(super) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let _ = socket;
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "corio's UnixStream::peer_cred knows Linux, Android, Apple's systems and the BSDs only",
    ))
}
