//! `yield_now`: give the worker back for one turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler once: the task goes to the back of the run queue
/// and other tasks run before it continues. asyncio's `await asyncio.sleep(0)`.
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
