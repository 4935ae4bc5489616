//! `yield_now`: give the worker back for one turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler once: the task goes to the back of the run queue
/// and other tasks run before it continues. asyncio's `await asyncio.sleep(0)`.
///
/// The timers and I/O are not checked on the way: the driver gets its turn
/// when the queue runs dry or every `event_interval` polls (61), as for
/// any task. tokio holds a yielded task back until its worker has polled
/// the driver, so a task that yields in a loop to wait for I/O or a timer
/// sees it sooner there; under corio, await the event itself (or a
/// `sleep`) instead of spinning on `yield_now`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let runtime = corio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let ran = Rc::new(Cell::new(false));
///     let flag = ran.clone();
///     corio::task::spawn_local(async move { flag.set(true) });
///     assert!(!ran.get());
///     corio::task::yield_now().await;
///     assert!(ran.get(), "the queued task ran while we yielded");
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Waking ourselves while running sets NOTIFIED; when this poll
        // returns, the harness hands the task back to the worker
        // (`Notified::run_from` returns it), which pushes it to the back of
        // its local queue, behind the other queued tasks.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
