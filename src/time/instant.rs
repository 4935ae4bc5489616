//! corio's `Instant`: std's, wrapped so that the runtime's clock can move it.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A point in time, as measured by the runtime's clock.
///
/// `Copy`, and convertible to and from `std::time::Instant`. Deadlines of
/// `sleep_until`, `timeout_at` and `interval_at` take this type.
///
/// # Examples
///
/// ```
/// use corio::time::Instant;
/// use std::time::Duration;
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later - start, Duration::from_millis(5));
/// assert_eq!(later.duration_since(start), Duration::from_millis(5));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current time of the runtime's clock (std's clock while the clock
    /// is not paused).
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use corio::time::Instant;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let before = Instant::now();
    ///     corio::time::advance(Duration::from_secs(5)).await; // virtual time
    ///     assert_eq!(Instant::now() - before, Duration::from_secs(5));
    /// });
    /// ```
    pub fn now() -> Instant {
        Instant::from_std(super::now())
    }

    /// Wraps a std instant.
    ///
    /// # Examples
    ///
    /// ```
    /// let std_now = std::time::Instant::now();
    /// let now = corio::time::Instant::from_std(std_now);
    /// assert_eq!(now.into_std(), std_now);
    /// ```
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The std instant inside.
    ///
    /// # Examples
    ///
    /// ```
    /// let now = corio::time::Instant::now(); // outside a runtime: std's clock
    /// let std_now: std::time::Instant = now.into_std();
    /// assert!(std_now <= std::time::Instant::now());
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// Time elapsed from `earlier` to `self` (zero if `earlier` is later).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let a = corio::time::Instant::now();
    /// let b = a + Duration::from_millis(5);
    /// assert_eq!(b.duration_since(a), Duration::from_millis(5));
    /// assert_eq!(a.duration_since(b), Duration::ZERO, "never negative");
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time elapsed from `earlier` to `self`, or `None` if `earlier` is
    /// later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let a = corio::time::Instant::now();
    /// let b = a + Duration::from_millis(5);
    /// assert_eq!(b.checked_duration_since(a), Some(Duration::from_millis(5)));
    /// assert_eq!(a.checked_duration_since(b), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later
    /// (the same as [`duration_since`](Self::duration_since); tokio and std
    /// have both names).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let a = corio::time::Instant::now();
    /// let b = a + Duration::from_millis(5);
    /// assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time elapsed since `self`, by the runtime's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use corio::runtime::Builder;
    /// use std::time::Duration;
    ///
    /// let runtime = Builder::new_current_thread().start_paused(true).build().unwrap();
    /// runtime.block_on(async {
    ///     let start = corio::time::Instant::now();
    ///     corio::time::sleep(Duration::from_secs(1)).await; // virtual: instant in real time
    ///     assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// });
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let now = corio::time::Instant::now();
    /// assert_eq!(now.checked_add(Duration::from_secs(1)), Some(now + Duration::from_secs(1)));
    /// assert_eq!(now.checked_add(Duration::MAX), None);
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` on underflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let now = corio::time::Instant::now();
    /// assert_eq!(now.checked_sub(Duration::ZERO), Some(now));
    /// assert_eq!(now.checked_sub(Duration::MAX), None);
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }

    /// `self + duration`, saturating at a point far in the future (about 30
    /// years on), so `Duration::MAX` never overflows (or at `self`, on a
    /// platform whose `Instant` cannot even go 30 years further: not
    /// Linux, where the runtime's clock stays far below that limit).
    pub(crate) fn saturating_add(self, duration: Duration) -> Instant {
        self.checked_add(duration)
            .unwrap_or_else(|| self.far_future())
    }

    pub(crate) fn far_future(self) -> Instant {
        // 30 years on; `self` if even that overflows (see above).
        self.std
            .checked_add(Duration::from_secs(86_400 * 365 * 30))
            .map_or(self, Instant::from_std)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.std
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        self.std += rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        self.std -= rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
