//! Putting tasks into a `JoinSet`: spawned on the current runtime, on a
//! given one, on a blocking pool or on a `LocalSet` (the current one or a
//! given one), one at a
//! time or from an iterator (`collect`, `extend`). Each way spawns as its
//! free function does and then `insert`s the `JoinHandle`.

use std::future::Future;

use super::JoinSet;
use crate::runtime::Handle;

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime and adds it to the set. The
    /// returned handle aborts the task.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.abort();
    ///     let result = set.join_next().await.unwrap();
    ///     assert!(result.unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a corio runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> crate::task::AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        // `spawn` is #[track_caller] too: the task keeps this caller's location.
        let handle = crate::runtime::spawn::spawn(future);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }

    /// Spawns `future` on the runtime of `handle` (from any thread, inside
    /// a runtime or not) and adds it to the set.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let mut set = corio::task::JoinSet::new();
    /// set.spawn_on(async { 5 }, runtime.handle());
    /// let output = runtime.block_on(async move { set.join_next().await });
    /// assert_eq!(output.unwrap().unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> crate::task::AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = handle.spawn(future);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }

    /// Runs a blocking closure on the blocking pool and adds it to the set.
    /// Once the closure has started, neither its abort handle, nor
    /// [`abort_all`](JoinSet::abort_all), nor dropping the set stops it:
    /// it runs to its end, and [`shutdown`](JoinSet::shutdown) waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     set.spawn_blocking(|| 6 * 7);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a corio runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> crate::task::AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = crate::blocking::spawn("JoinSet::spawn_blocking", f);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }

    /// Runs a blocking closure on the blocking pool of `handle`'s runtime
    /// (from any thread) and adds it to the set. Once started it runs to
    /// its end, as with [`spawn_blocking`](JoinSet::spawn_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let mut set = corio::task::JoinSet::new();
    /// set.spawn_blocking_on(|| 6 * 7, runtime.handle());
    /// let output = runtime.block_on(async move { set.join_next().await });
    /// assert_eq!(output.unwrap().unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> crate::task::AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = handle.spawn_blocking(f);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` future on the current `LocalSet` (see
    /// [`spawn_local`](crate::task::spawn_local)) and adds it to the set.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async {
    ///     let mut set = corio::task::JoinSet::new();
    ///     let shared = Rc::new(21); // not `Send`
    ///     set.spawn_local(async move { *shared * 2 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// });
    /// ```
    ///
    /// # Panics
    /// Where [`spawn_local`](crate::task::spawn_local) does: outside a
    /// `LocalSet`'s `run_until` and outside the future given to a
    /// current-thread `block_on` (and their local tasks), with no set
    /// entered.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> crate::task::AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle = crate::runtime::local::spawn_local(future);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }

    /// Spawns a `!Send` future on `local_set` (from inside it or not; it
    /// runs once the set is driven) and adds it to the set.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = corio::task::LocalSet::new();
    /// let mut set = corio::task::JoinSet::new();
    /// let shared = Rc::new(21); // not `Send`
    /// set.spawn_local_on(async move { *shared * 2 }, &local);
    /// let output = runtime.block_on(local.run_until(async move { set.join_next().await }));
    /// assert_eq!(output.unwrap().unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(
        &mut self,
        future: F,
        local_set: &crate::task::LocalSet,
    ) -> crate::task::AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let handle = local_set.spawn_local(future);
        let abort = handle.abort_handle();
        self.insert(handle);
        abort
    }
}

/// Spawns each future of an iterator on the current runtime, as
/// [`JoinSet::spawn`] does, into a new set.
///
/// A task dump lists tasks spawned by `JoinSet::from_iter(..)` at the
/// caller's line, but those of `.collect()` at a line of `core` (`collect`
/// does not pass its caller on); [`extend`](Extend::extend) an empty set for
/// the caller's line.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let set: corio::task::JoinSet<u32> = (1..=3).map(|i| async move { i * 2 }).collect();
///     let mut doubled = set.join_all().await;
///     doubled.sort();
///     assert_eq!(doubled, [2, 4, 6]);
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime.
impl<T, F> FromIterator<F> for JoinSet<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(futures: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(futures);
        set
    }
}

/// Spawns each future of an iterator on the current runtime into the set.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let mut set = corio::task::JoinSet::new();
///     set.spawn(async { 1 });
///     set.extend((2..=3).map(|i| async move { i }));
///     assert_eq!(set.len(), 3);
/// });
/// ```
///
/// # Panics
/// Outside a corio runtime.
impl<T, F> Extend<F> for JoinSet<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, futures: I) {
        for future in futures {
            self.spawn(future);
        }
    }
}
