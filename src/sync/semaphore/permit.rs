//! The permits a [`Semaphore`] hands out: each returns its permits to the
//! pool when dropped, unless it was forgotten.

use std::fmt;
use std::sync::Arc;

use super::Semaphore;

/// Permits borrowed from a [`Semaphore`]; dropping it returns them.
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
