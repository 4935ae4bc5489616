//! The snapshot's figures under the names of tokio's `RuntimeMetrics`
//! methods, so that code written against tokio's metrics compiles: corio's
//! snapshot is plain data (fields), tokio's asks the runtime on each call,
//! so code that keeps one and reads it later must call `Handle::metrics()`
//! again here (each method's doc says so).

use std::time::Duration;

use super::RuntimeMetrics;

impl RuntimeMetrics {
    /// Worker threads: [`workers`](Self::workers). Like every method here,
    /// it reads this snapshot: call `Handle::metrics()` again for new
    /// figures (tokio's metrics read the runtime at each call).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::builder().worker_threads(3).build().unwrap();
    /// assert_eq!(runtime.metrics().num_workers(), 3);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.workers
    }

    /// Tasks alive: [`alive_tasks`](Self::alive_tasks).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::block_on(async {
    ///     let task = corio::spawn(std::future::pending::<()>());
    ///     assert_eq!(corio::Handle::current().metrics().num_alive_tasks(), 1);
    ///     task.abort();
    /// });
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.alive_tasks
    }

    /// Tasks waiting in the global queue:
    /// [`injection_queue_depth`](Self::injection_queue_depth).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// let _task = runtime.spawn(async {}); // nobody runs it until a block_on
    /// assert_eq!(runtime.metrics().global_queue_depth(), 1);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.injection_queue_depth
    }

    /// Tasks spawned onto the workers so far:
    /// [`spawned_tasks`](Self::spawned_tasks).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// runtime.block_on(async { corio::spawn(async {}).await.unwrap() });
    /// assert_eq!(runtime.metrics().spawned_tasks_count(), 1);
    /// ```
    pub fn spawned_tasks_count(&self) -> u64 {
        self.spawned_tasks
    }

    /// Threads of the blocking pool:
    /// [`blocking_threads`](Self::blocking_threads).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// runtime.block_on(async { corio::spawn_blocking(|| ()).await }).unwrap();
    /// assert!(runtime.metrics().num_blocking_threads() >= 1);
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.blocking_threads
    }

    /// Idle threads of the blocking pool:
    /// [`idle_blocking_threads`](Self::idle_blocking_threads).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::Runtime::new().unwrap();
    /// let m = runtime.metrics();
    /// assert!(m.num_idle_blocking_threads() <= m.num_blocking_threads());
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.idle_blocking_threads
    }

    /// How many times worker `worker` parked for lack of work (see
    /// [`WorkerMetrics::parks`](crate::observe::WorkerMetrics::parks)).
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async { corio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// assert!(runtime.metrics().worker_park_count(0) >= 1, "it parked for the timer");
    /// ```
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker[worker].parks
    }

    /// How many times worker `worker` parked plus how many times it woke:
    /// odd while it is parked.
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async { corio::time::sleep(std::time::Duration::from_millis(1)).await });
    /// let count = runtime.metrics().worker_park_unpark_count(0);
    /// assert!(count >= 2 && count % 2 == 0, "it slept and woke: {count}");
    /// ```
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.worker[worker].park_unparks
    }

    /// How long worker `worker` has been busy (running or looking for
    /// tasks).
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async { std::thread::sleep(std::time::Duration::from_millis(5)) });
    /// let busy = runtime.metrics().worker_total_busy_duration(0);
    /// assert!(busy >= std::time::Duration::from_millis(5), "{busy:?}");
    /// ```
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker[worker].busy
    }

    /// Tasks worker `worker` ran.
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async { corio::spawn(async {}).await.unwrap() });
    /// assert_eq!(runtime.metrics().worker_poll_count(0), 1);
    /// ```
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker[worker].polls
    }

    /// Tasks in worker `worker`'s local queue now.
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// let queued = runtime.block_on(async {
    ///     let tasks: Vec<_> = (0..3).map(|_| corio::spawn(async {})).collect();
    ///     let queued = corio::Handle::current().metrics().worker_local_queue_depth(0);
    ///     for task in tasks {
    ///         task.await.unwrap();
    ///     }
    ///     queued
    /// });
    /// assert_eq!(queued, 3, "spawned on the worker, not run yet");
    /// ```
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.worker[worker].local_queue_depth
    }

    /// Steals worker `worker` made from the others (each takes a batch:
    /// tokio's `worker_steal_operations`; corio does not count the tasks).
    ///
    /// # Panics
    ///
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(runtime.metrics().worker_steal_operations(0), 0, "nobody to steal from");
    /// ```
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        self.worker[worker].steals
    }
}
