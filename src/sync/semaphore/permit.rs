//! The permits a [`Semaphore`] hands out: each returns its permits to the
//! pool when dropped, unless it was forgotten.

use std::fmt;
use std::sync::Arc;

use super::Semaphore;

/// Permits borrowed from a [`Semaphore`]; dropping it returns them.
///
/// # Panics
///
/// Dropping it panics if [`add_permits`](Semaphore::add_permits) has
/// meanwhile filled the pool so that these would not fit under
/// [`Semaphore::MAX_PERMITS`] (tokio asserts the same).
///
/// # Examples
///
/// ```
/// let semaphore = corio::sync::Semaphore::new(1);
/// let permit = semaphore.try_acquire().unwrap();
/// permit.forget();
/// assert_eq!(semaphore.available_permits(), 0, "forgotten permits stay out");
/// ```
#[must_use = "the permits go back as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    pub(super) semaphore: &'a Semaphore,
    pub(super) permits: usize,
}

/// Permits from a [`Semaphore`] in an `Arc`; dropping it returns them.
///
/// # Panics
///
/// On drop, as [`SemaphorePermit`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// let semaphore = Arc::new(corio::sync::Semaphore::new(1));
/// let permit = futures_lite::future::block_on(semaphore.clone().acquire_owned()).unwrap();
/// permit.forget();
/// assert_eq!(semaphore.available_permits(), 0);
/// ```
#[must_use = "the permits go back as soon as the permit is dropped"]
pub struct OwnedSemaphorePermit {
    pub(super) semaphore: Arc<Semaphore>,
    pub(super) permits: usize,
}

/// The methods both permits have, written once.
macro_rules! permit_methods {
    ($permit:ty) => {
        impl $permit {
            /// Keeps the permits out of the pool for good.
            ///
            /// # Examples
            ///
            /// ```
            /// let semaphore = corio::sync::Semaphore::new(2);
            /// semaphore.try_acquire().unwrap().forget();
            /// assert_eq!(semaphore.available_permits(), 1, "the forgotten permit never returns");
            /// ```
            pub fn forget(mut self) {
                self.permits = 0;
            }

            /// How many permits this holds.
            ///
            /// # Examples
            ///
            /// ```
            /// let semaphore = corio::sync::Semaphore::new(5);
            /// let permit = semaphore.try_acquire_many(3).unwrap();
            /// assert_eq!(permit.num_permits(), 3);
            /// ```
            pub fn num_permits(&self) -> usize {
                self.permits
            }

            /// Moves `other`'s permits into this one.
            ///
            /// # Panics
            ///
            /// If the two came from different semaphores.
            ///
            /// # Examples
            ///
            /// ```
            /// let semaphore = std::sync::Arc::new(corio::sync::Semaphore::new(3));
            /// let mut one = semaphore.try_acquire().unwrap();
            /// one.merge(semaphore.try_acquire_many(2).unwrap());
            /// assert_eq!(one.num_permits(), 3);
            /// drop(one);
            /// assert_eq!(semaphore.available_permits(), 3);
            /// ```
            pub fn merge(&mut self, mut other: Self) {
                assert!(
                    self.same_semaphore(&other),
                    "merging permits of different semaphores"
                );
                self.permits += std::mem::take(&mut other.permits);
            }

            /// Splits `n` of this permit's permits off into a new permit, or
            /// returns `None` if it holds fewer than `n`.
            ///
            /// # Examples
            ///
            /// ```
            /// let semaphore = corio::sync::Semaphore::new(3);
            /// let mut three = semaphore.try_acquire_many(3).unwrap();
            /// let one = three.split(1).unwrap();
            /// assert_eq!((three.num_permits(), one.num_permits()), (2, 1));
            /// assert!(three.split(5).is_none());
            /// drop(one);
            /// assert_eq!(semaphore.available_permits(), 1);
            /// ```
            pub fn split(&mut self, n: usize) -> Option<Self> {
                let rest = self.permits.checked_sub(n)?;
                self.permits = rest;
                Some(self.sibling(n))
            }
        }

        impl Drop for $permit {
            fn drop(&mut self) {
                if self.permits > 0 {
                    self.semaphore.release(self.permits);
                }
            }
        }

        impl fmt::Debug for $permit {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($permit))
                    .field("permits", &self.permits)
                    .finish_non_exhaustive()
            }
        }
    };
}

permit_methods!(SemaphorePermit<'_>);
permit_methods!(OwnedSemaphorePermit);

impl<'a> SemaphorePermit<'a> {
    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = corio::sync::Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert!(std::ptr::eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &'a Semaphore {
        self.semaphore
    }

    fn same_semaphore(&self, other: &Self) -> bool {
        std::ptr::eq(self.semaphore, other.semaphore)
    }

    fn sibling(&self, permits: usize) -> Self {
        SemaphorePermit {
            semaphore: self.semaphore,
            permits,
        }
    }
}

impl OwnedSemaphorePermit {
    /// The semaphore these permits came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let semaphore = Arc::new(corio::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    fn same_semaphore(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.semaphore, &other.semaphore)
    }

    fn sibling(&self, permits: usize) -> Self {
        OwnedSemaphorePermit {
            semaphore: self.semaphore.clone(),
            permits,
        }
    }
}
