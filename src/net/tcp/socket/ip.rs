//! A `TcpSocket`'s IP-level options: the type-of-service byte its packets
//! carry, and (on Linux) the one network device it may use.

use std::io;
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::AsRawFd;

use super::TcpSocket;
use crate::net::socket;

impl TcpSocket {
    /// Sets `IP_TOS`, the type-of-service byte (the DSCP bits; for TCP,
    /// Linux keeps the two ECN bits to itself) of the socket's IPv4
    /// packets. The kernel keeps the low byte of `tos`; like tokio, corio
    /// passes the value on as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_tos_v4(0x10)?; // "low delay"
    /// assert_eq!(socket.tos_v4()?, 0x10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        socket::set_option(self, libc::IPPROTO_IP, libc::IP_TOS, tos as libc::c_int)
    }

    /// The `IP_TOS` byte (see [`set_tos_v4`](Self::set_tos_v4)).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// assert_eq!(TcpSocket::new_v4()?.tos_v4()?, 0, "the default");
    /// # Ok(())
    /// # }
    /// ```
    pub fn tos_v4(&self) -> io::Result<u32> {
        let tos = socket::get_option::<libc::c_int>(self, libc::IPPROTO_IP, libc::IP_TOS)?;
        Ok(tos as u32)
    }

    /// [`set_tos_v4`](Self::set_tos_v4) under tokio's older name.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let socket = corio::net::TcpSocket::new_v4()?;
    /// socket.set_tos(0x08)?;
    /// assert_eq!(socket.tos()?, 0x08);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// [`tos_v4`](Self::tos_v4) under tokio's older name.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// assert_eq!(corio::net::TcpSocket::new_v4()?.tos()?, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Binds the socket to one network device (`SO_BINDTODEVICE`, Linux):
    /// its packets leave through it whatever the routes say, and only
    /// packets that came in through it reach it. `None` undoes it. Since
    /// Linux 5.7 the first binding needs no privilege, but changing or
    /// undoing one needs `CAP_NET_RAW` (`PermissionDenied` without it;
    /// older kernels ask it for the first too), as with tokio's.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// match socket.bind_device(Some(b"lo")) {
    ///     Ok(()) => assert_eq!(socket.device()?.as_deref(), Some(&b"lo"[..])),
    ///     Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        let name = interface.unwrap_or_default();
        // SAFETY: `name` is live and readable for the length passed (the
        // kernel copies at most that many bytes); the descriptor is this
        // socket's, open while `self` is.
        let rc = unsafe {
            libc::setsockopt(
                self.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                name.as_ptr().cast(),
                name.len() as libc::socklen_t,
            )
        };
        if rc == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The device [`bind_device`](Self::bind_device) bound the socket to,
    /// if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// assert_eq!(TcpSocket::new_v4()?.device()?, None);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        let mut name = [0u8; libc::IFNAMSIZ];
        let mut len = name.len() as libc::socklen_t;
        // SAFETY: `name` is writable for `len` bytes; the kernel writes at
        // most that many and says how many in `len`.
        let rc = unsafe {
            libc::getsockopt(
                self.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                name.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if rc == -1 {
            return Err(io::Error::last_os_error());
        }
        let name = &name[..(len as usize).min(name.len())];
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        Ok((end > 0).then(|| name[..end].to_vec()))
    }
}
