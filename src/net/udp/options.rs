//! A `UdpSocket`'s options and addresses: broadcast, the TTL, multicast
//! membership, and the way back to std. Each is one plain call on the std
//! socket inside, which never blocks.

use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::UdpSocket;

impl UdpSocket {
    /// Lets the socket send to broadcast addresses (`SO_BROADCAST`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_broadcast(true)?;
    ///     assert!(socket.broadcast()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(!socket.broadcast()?, "off by default");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.get_ref().broadcast()
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.connect("127.0.0.1:9").await?;
    ///     assert_eq!(socket.peer_addr()?.port(), 9);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Sets the time-to-live of the datagrams sent (`IP_TTL`): how many routers
    /// they may cross.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_ttl(9)?;
    ///     assert_eq!(socket.ttl()?, 9);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The time-to-live of the datagrams sent. See [`set_ttl`](Self::set_ttl).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.ttl()? > 0);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Joins the IPv4 multicast group `group` on the interface with address
    /// `interface` (`Ipv4Addr::UNSPECIFIED`: the one the kernel picks), so
    /// datagrams sent to the group reach this socket. Fails where no
    /// interface carries multicast.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("0.0.0.0:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 0, 7);
    ///     if socket.join_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_ok() {
    ///         socket.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED)?;
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn join_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.inner.get_ref().join_multicast_v4(&group, &interface)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("0.0.0.0:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 0, 8);
    ///     // Never joined: an error.
    ///     assert!(socket.leave_multicast_v4(group, Ipv4Addr::UNSPECIFIED).is_err());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn leave_multicast_v4(&self, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.inner.get_ref().leave_multicast_v4(&group, &interface)
    }

    /// Joins the IPv6 multicast group `group` on the interface with index
    /// `interface` (0: the one the kernel picks).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     if let Ok(socket) = corio::net::UdpSocket::bind("[::]:0").await {
    ///         let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x7);
    ///         if socket.join_multicast_v6(&group, 0).is_ok() {
    ///             socket.leave_multicast_v6(&group, 0)?;
    ///         }
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn join_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get_ref().join_multicast_v6(group, interface)
    }

    /// Leaves an IPv6 multicast group joined with
    /// [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     if let Ok(socket) = corio::net::UdpSocket::bind("[::]:0").await {
    ///         let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x8);
    ///         assert!(socket.leave_multicast_v6(&group, 0).is_err(), "never joined");
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn leave_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get_ref().leave_multicast_v6(group, interface)
    }

    /// Whether datagrams this socket sends to an IPv4 multicast group come
    /// back to the sending machine's own members (`IP_MULTICAST_LOOP`, on by
    /// default).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_multicast_loop_v4(false)?;
    ///     assert!(!socket.multicast_loop_v4()?);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_multicast_loop_v4(on)
    }

    /// Whether `IP_MULTICAST_LOOP` is set. See
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.multicast_loop_v4()?, "on by default");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.inner.get_ref().multicast_loop_v4()
    }

    /// Sets the time-to-live of IPv4 multicast datagrams (`IP_MULTICAST_TTL`;
    /// 1, the default, keeps them on the local network).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_multicast_ttl_v4(4)?;
    ///     assert_eq!(socket.multicast_ttl_v4()?, 4);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The time-to-live of IPv4 multicast datagrams. See
    /// [`set_multicast_ttl_v4`](Self::set_multicast_ttl_v4).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(socket.multicast_ttl_v4()?, 1, "the default");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.inner.get_ref().multicast_ttl_v4()
    }

    /// The IPv6 counterpart of
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4)
    /// (`IPV6_MULTICAST_LOOP`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     if let Ok(socket) = corio::net::UdpSocket::bind("[::1]:0").await {
    ///         socket.set_multicast_loop_v6(false)?;
    ///         assert!(!socket.multicast_loop_v6()?);
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_multicast_loop_v6(on)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     if let Ok(socket) = corio::net::UdpSocket::bind("[::1]:0").await {
    ///         assert!(socket.multicast_loop_v6()?, "on by default");
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner.get_ref().multicast_loop_v6()
    }

    /// The socket's pending error (`SO_ERROR`), clearing it: on Linux, a
    /// connected socket whose datagram met a closed port has
    /// `ConnectionRefused` waiting here (or in its next `recv`).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.take_error()?.is_none());
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// The std socket inside, taken out of the reactor. It stays non-blocking:
    /// call `set_nonblocking(false)` on it for blocking calls.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let addr = socket.local_addr()?;
    ///     let std_socket = socket.into_std()?;
    ///     assert_eq!(std_socket.local_addr()?, addr);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        Ok(self.inner.into_inner())
    }
}
