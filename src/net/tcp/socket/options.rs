//! A `TcpSocket`'s options: the `setsockopt` calls that must come before
//! `bind`, `connect` or `listen` to count. Each is one call on the socket's
//! descriptor (`net/socket.rs` names it), none of which waits.

use std::io;
use std::time::Duration;

use super::TcpSocket;
use crate::net::socket;

impl TcpSocket {
    /// Sets `SO_REUSEADDR`: bind to a port whose old connections are still
    /// in `TIME_WAIT` (a server restarting at once).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.set_flag(libc::SOL_SOCKET, libc::SO_REUSEADDR, reuse)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.flag(libc::SOL_SOCKET, libc::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEPORT`: several sockets, each with it set, may bind the
    /// same address and port; the kernel spreads the connections (Linux)
    /// among those listening.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let first = TcpSocket::new_v4()?;
    ///     first.set_reuseport(true)?;
    ///     first.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let second = TcpSocket::new_v4()?;
    ///     second.set_reuseport(true)?;
    ///     second.bind(first.local_addr()?)?; // the same port
    ///     assert!(second.reuseport()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.set_flag(libc::SOL_SOCKET, libc::SO_REUSEPORT, reuse)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(!socket.reuseport()?, "off by default");
    /// # Ok(())
    /// # }
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        self.flag(libc::SOL_SOCKET, libc::SO_REUSEPORT)
    }

    /// Asks for a send buffer of `size` bytes (`SO_SNDBUF`). The kernel
    /// adjusts it: Linux doubles it for its own bookkeeping and clamps it to
    /// its limits; [`send_buffer_size`](Self::send_buffer_size) says what it
    /// chose.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 64 * 1024);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        socket::set_option(self, libc::SOL_SOCKET, libc::SO_SNDBUF, clamp_size(size))
    }

    /// The send buffer's size (`SO_SNDBUF`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        socket::get_option::<libc::c_int>(self, libc::SOL_SOCKET, libc::SO_SNDBUF)
            .map(|size| size as u32)
    }

    /// Asks for a receive buffer of `size` bytes (`SO_RCVBUF`); set it
    /// before `listen` or `connect`, as it bounds the TCP window the
    /// handshake announces. Adjusted by the kernel, as the send buffer is.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 64 * 1024);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        socket::set_option(self, libc::SOL_SOCKET, libc::SO_RCVBUF, clamp_size(size))
    }

    /// The receive buffer's size (`SO_RCVBUF`).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        socket::get_option::<libc::c_int>(self, libc::SOL_SOCKET, libc::SO_RCVBUF)
            .map(|size| size as u32)
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and fails
    /// it if the peer has gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_flag(libc::SOL_SOCKET, libc::SO_KEEPALIVE, keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(!socket.keepalive()?, "off by default");
    /// # Ok(())
    /// # }
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.flag(libc::SOL_SOCKET, libc::SO_KEEPALIVE)
    }

    /// Sets `TCP_NODELAY` on the stream to be (see
    /// [`TcpStream::set_nodelay`](crate::net::TcpStream::set_nodelay)).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let listener = corio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let socket = TcpSocket::new_v4()?;
    ///     socket.set_nodelay(true)?;
    ///     let stream = socket.connect(listener.local_addr()?).await?;
    ///     assert!(stream.nodelay()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_flag(libc::IPPROTO_TCP, libc::TCP_NODELAY, nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.flag(libc::IPPROTO_TCP, libc::TCP_NODELAY)
    }

    /// Sets `SO_LINGER` to zero: the stream to be resets its connection
    /// when dropped (see
    /// [`TcpStream::set_zero_linger`](crate::net::TcpStream::set_zero_linger),
    /// and why there is no non-zero linger).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_zero_linger()?;
    /// assert_eq!(socket.linger()?, Some(Duration::ZERO));
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        socket::set_zero_linger(self)
    }

    /// The `SO_LINGER` setting (see
    /// [`TcpStream::linger`](crate::net::TcpStream::linger)).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert_eq!(socket.linger()?, None, "the default");
    /// # Ok(())
    /// # }
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket::linger(self)
    }
}

impl TcpSocket {
    /// Sets an on/off option.
    fn set_flag(&self, level: libc::c_int, name: libc::c_int, on: bool) -> io::Result<()> {
        socket::set_option(self, level, name, libc::c_int::from(on))
    }

    /// Reads an on/off option.
    fn flag(&self, level: libc::c_int, name: libc::c_int) -> io::Result<bool> {
        socket::get_option::<libc::c_int>(self, level, name).map(|on| on != 0)
    }
}

/// A buffer size as `setsockopt` takes it (the kernel clamps it anyway).
fn clamp_size(size: u32) -> libc::c_int {
    libc::c_int::try_from(size).unwrap_or(libc::c_int::MAX)
}
