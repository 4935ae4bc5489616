//! Helpers shared by the integration tests: run a future on a fresh
//! two-worker runtime, and never wait longer than `LIMIT`.

#![allow(dead_code)] // each test file uses its own subset

mod paths;
pub mod threads;

#[allow(unused_imports, reason = "each test file uses its own subset")]
pub use paths::{SocketPath, TempDir};

use std::future::Future;
use std::time::Duration;

/// The longest any test waits for anything.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Lets a test that cannot check all it should on this machine (no IPv6,
/// no multicast route, no right to bind to a device) pass, and says why
/// on its captured output; with `CORIO_TEST_STRICT` set, fails it
/// instead, so that a machine expected to have everything cannot pass a
/// test that left a check out.
pub fn skip(why: &str) {
    if std::env::var_os("CORIO_TEST_STRICT").is_some() {
        panic!("CORIO_TEST_STRICT is set, and this test cannot check all it should here: {why}");
    }
    eprintln!("skipped: {why}");
}

/// Runs `fut` on a new two-worker runtime, failing the test if it takes
/// longer than [`LIMIT`].
pub fn block_on<F: Future>(fut: F) -> F::Output {
    two_workers().block_on(bounded(fut))
}

/// A new runtime with one worker: a worker killed by a panic that escaped
/// stops everything it would run.
pub fn one_worker() -> corio::Runtime {
    corio::Runtime::builder()
        .worker_threads(1)
        .build()
        .expect("cannot build a runtime")
}

/// A new runtime with two workers.
pub fn two_workers() -> corio::Runtime {
    corio::Runtime::builder()
        .worker_threads(2)
        .build()
        .expect("cannot build a runtime")
}

/// A current-thread runtime whose clock starts paused.
pub fn paused() -> corio::Runtime {
    corio::runtime::Builder::new_current_thread()
        .start_paused(true)
        .build()
        .expect("cannot build a runtime")
}

/// A counter of the whole process's I/O from `/proc/self/io` (Linux):
/// `"rchar"` (bytes read; reading the file itself adds a few hundred),
/// `"syscw"` (write calls), ... A test that counts one is alone in its
/// binary: other tests would add to it.
pub fn proc_io(field: &str) -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").expect("Linux's /proc/self/io");
    io.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(": "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} line in /proc/self/io"))
}

/// A current-thread runtime with one blocking thread, for tests that hold
/// it with a [`Gate`] to keep blocking jobs waiting in line.
pub fn one_blocking_thread() -> corio::Runtime {
    corio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .expect("cannot build a runtime")
}

/// A blocking job that holds a blocking thread until opened (or until
/// [`LIMIT`] has passed); `started` says it holds one.
pub struct Gate {
    pub release: std::sync::mpsc::Sender<()>,
    pub started: corio::sync::oneshot::Receiver<()>,
    pub done: corio::JoinHandle<()>,
}

impl Gate {
    /// Queues the job on the current runtime's blocking pool.
    pub fn queue() -> Gate {
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (start, started) = corio::sync::oneshot::channel();
        let done = corio::spawn_blocking(move || {
            let _ = start.send(());
            let _ = released.recv_timeout(LIMIT);
        });
        Gate {
            release,
            started,
            done,
        }
    }

    /// Lets the job end, and waits until it has.
    pub async fn open(self) {
        self.release.send(()).unwrap();
        self.done.await.unwrap();
    }
}

/// Runs `run` up to `tries` times and returns at its first `Ok`; panics
/// with every run's complaint if none passed. For a bound on a count that
/// the OS's scheduling can spoil once in a while on a loaded machine (a
/// worker kept off its CPU), where the defect it guards against misses
/// the bound in every run.
pub fn passes_in_one_of(tries: usize, mut run: impl FnMut() -> Result<(), String>) {
    let mut complaints = Vec::new();
    for _ in 0..tries {
        match run() {
            Ok(()) => return,
            Err(complaint) => complaints.push(complaint),
        }
    }
    panic!("every run missed: {}", complaints.join("; "));
}

/// A waker that counts its wakes, then panics: a runtime that wakes it
/// must catch the panic and go on.
#[derive(Default)]
pub struct PanicWake(std::sync::atomic::AtomicUsize);

impl std::task::Wake for PanicWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        panic!("this waker panics");
    }
}

impl PanicWake {
    /// How many times it was woken.
    pub fn woken(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// `fut`, or a panic once [`LIMIT`] has passed (needs a runtime).
pub async fn bounded<F: Future>(fut: F) -> F::Output {
    match corio::time::timeout(LIMIT, fut).await {
        Ok(output) => output,
        Err(_) => panic!("the test waited longer than {LIMIT:?}"),
    }
}

/// Asserts that `ready` (a socket's `readable()` or `writable()`) waits
/// after the caller's own I/O said `WouldBlock`. A spurious answer is
/// allowed, as tokio's may give one, for an event the driver hands over
/// late; but `attempt` (the same I/O again) must then say `WouldBlock`,
/// which clears the mark, and after a few (one per event the socket can
/// still have pending) `ready` must wait: a caller's loop cannot spin.
#[allow(dead_code, reason = "not every test binary waits on a socket")]
pub async fn waits_after_would_block<F>(
    what: &str,
    mut ready: impl FnMut() -> F,
    mut attempt: impl FnMut() -> std::io::Result<usize>,
) where
    F: Future<Output = std::io::Result<()>>,
{
    for _ in 0..=3 {
        if futures_lite::future::poll_once(ready()).await.is_none() {
            return;
        }
        let kind = attempt().map_err(|e| e.kind());
        assert_eq!(
            kind,
            Err(std::io::ErrorKind::WouldBlock),
            "{what} answered and the I/O did not block"
        );
    }
    panic!("{what} keeps answering with nothing to do");
}

/// Runs `f` on its own thread, failing the test if it takes longer than
/// [`LIMIT`]: for a hang that would stop the runtime's timers too, which
/// [`bounded`] relies on.
pub fn within_limit(f: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // A failure inside is reported at once, not after the limit.
        let _ = done.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    if let Err(panic) = recv(&finished) {
        std::panic::resume_unwind(panic);
    }
}

/// Runs `body` in a child process: test `name` (the caller) runs itself
/// again there, and fails unless the child's run passes (see
/// [`run_in_child`]).
pub fn in_child(name: &str, body: impl FnOnce()) {
    let marker = format!("CORIO_CHILD_{name}");
    if std::env::var_os(&marker).is_some() {
        body();
    } else {
        run_in_child(name, &marker);
    }
}

/// Runs test `name` of this test binary again in a child process, with the
/// environment variable `marker` set (the test sees it and runs its body
/// there), and fails unless the child runs and passes that one test within
/// twice [`LIMIT`]. For a test that changes the whole process (its file
/// limit, say) or must fail by crashing it. Returns the child's stdout.
pub fn run_in_child(name: &str, marker: &str) -> String {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            name,
            "--exact",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(marker, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Each pipe drained on a thread of its own, so a child that fills one
    // while we read the other cannot stall.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = std::time::Instant::now() + LIMIT * 2;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child process hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let (out, err) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(status.success(), "child failed:\n{out}\n{err}");
    assert!(out.contains("1 passed"), "the child ran the body:\n{out}");
    // Passed on to this test's captured output: a child's `skip` says why.
    eprint!("{err}");
    out
}

/// Polls each of `n` futures made by `make` once, with a waker of its own,
/// expects `Pending`, and drops it: `n` cancelled waits. Returns how many
/// of those wakers something still holds afterwards (a leak if not 0).
pub fn wakers_kept_by_cancelled_waits<F: Future>(n: usize, mut make: impl FnMut() -> F) -> usize {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let tasks: Vec<_> = (0..n).map(|_| std::sync::Arc::new(Noop)).collect();
    for task in &tasks {
        let waker = std::task::Waker::from(task.clone());
        let mut fut = std::pin::pin!(make());
        let polled = fut
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker));
        assert!(polled.is_pending(), "nothing should be ready yet");
    }
    tasks
        .iter()
        .filter(|t| std::sync::Arc::strong_count(t) > 1)
        .count()
}

/// Blocks the calling (non-runtime) thread until `rx` yields, at most [`LIMIT`].
pub fn recv<T>(rx: &std::sync::mpsc::Receiver<T>) -> T {
    rx.recv_timeout(LIMIT)
        .expect("waited longer than the test limit")
}

/// A count-down that any thread lowers and one or more tasks await: the
/// runtime-independent way for a test to wait until "all N things happened".
pub struct Latch {
    remaining: std::sync::atomic::AtomicUsize,
    waiters: std::sync::Mutex<Vec<std::task::Waker>>,
}

impl Latch {
    /// A latch that opens after `n` calls to [`Latch::count_down`].
    pub fn new(n: usize) -> std::sync::Arc<Latch> {
        std::sync::Arc::new(Latch {
            remaining: std::sync::atomic::AtomicUsize::new(n),
            waiters: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Counts one event; the last one wakes every waiter.
    pub fn count_down(&self) {
        let before = self
            .remaining
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        assert!(before > 0, "a latch was counted down below zero");
        if before == 1 {
            for waker in std::mem::take(&mut *self.waiters.lock().unwrap()) {
                waker.wake();
            }
        }
    }

    /// Events still missing.
    pub fn remaining(&self) -> usize {
        self.remaining.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Completes once the count reaches zero (unbounded: wrap it in
    /// [`bounded`] or run it under [`block_on`]).
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            // Register first, then check: a count-down that lands in between
            // sees the waker.
            self.waiters.lock().unwrap().push(cx.waker().clone());
            if self.remaining() == 0 {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await
    }
}

/// Counts drops of many tracked values and notices a value dropped twice.
pub struct Drops {
    dropped: Vec<std::sync::atomic::AtomicBool>,
    total: std::sync::atomic::AtomicUsize,
    twice: std::sync::atomic::AtomicUsize,
}

/// One tracked value: put it inside a future to count that future's drop.
pub struct Tracked {
    drops: std::sync::Arc<Drops>,
    index: usize,
}

impl Drops {
    /// A tracker for `n` values, numbered `0..n`.
    pub fn new(n: usize) -> std::sync::Arc<Drops> {
        std::sync::Arc::new(Drops {
            dropped: (0..n)
                .map(|_| std::sync::atomic::AtomicBool::new(false))
                .collect(),
            total: std::sync::atomic::AtomicUsize::new(0),
            twice: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// The tracked value number `index`.
    pub fn track(self: &std::sync::Arc<Drops>, index: usize) -> Tracked {
        Tracked {
            drops: self.clone(),
            index,
        }
    }

    /// Drops so far.
    pub fn total(&self) -> usize {
        self.total.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Panics unless every value was dropped exactly once.
    pub fn assert_each_dropped_once(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        assert_eq!(self.twice.load(SeqCst), 0, "a value was dropped twice");
        let missing: Vec<usize> = (0..self.dropped.len())
            .filter(|&i| !self.dropped[i].load(SeqCst))
            .collect();
        assert!(
            missing.is_empty(),
            "{} of {} values were never dropped (first: {:?})",
            missing.len(),
            self.dropped.len(),
            &missing[..missing.len().min(5)]
        );
        assert_eq!(self.total(), self.dropped.len());
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering::SeqCst;
        if self.drops.dropped[self.index].swap(true, SeqCst) {
            self.drops.twice.fetch_add(1, SeqCst);
        }
        self.drops.total.fetch_add(1, SeqCst);
    }
}

/// The text of a panic payload (`&str` or `String`), or "" for another type.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs `f`, expecting a panic, and returns the panic's message.
pub fn panic_of<R>(f: impl FnOnce() -> R) -> String {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic, but the call returned"),
        Err(payload) => panic_message(&*payload),
    }
}

/// Wraps a future and counts how many times it is polled.
pub struct CountPolls<F> {
    pub inner: std::pin::Pin<Box<F>>,
    pub polls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// `fut`, counting its polls into the returned counter.
pub fn count_polls<F: Future>(
    fut: F,
) -> (
    CountPolls<F>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    (
        CountPolls {
            inner: Box::pin(fut),
            polls: polls.clone(),
        },
        polls,
    )
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

/// A small deterministic random source (xorshift64*), so a failing run can
/// be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

/// A TCP client connected to a server-side stream, on loopback: `(client,
/// server)`.
pub async fn tcp_pair() -> (corio::net::TcpStream, corio::net::TcpStream) {
    let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = corio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}
