//! `task_local!`: a value that follows its task across polls and threads,
//! never leaks to another task sharing the thread, survives a panic of an
//! inner scope, and is still set while the scoped future is dropped.

mod common;

use std::panic::catch_unwind;
use std::sync::{Arc, Mutex};

use corio::task_local;

task_local! {
    static ID: u32;
    static LOG: Arc<Mutex<Vec<String>>>;
}

/// Many tasks on two workers, each with its own value, each yielding many
/// times (so they move between workers and interleave on each thread):
/// every task sees its own value at every step.
#[test]
#[cfg_attr(miri, ignore)]
fn each_task_sees_its_own_value_across_threads() {
    let runtime = common::two_workers();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..32u32)
            .map(|id| {
                corio::spawn(ID.scope(id, async move {
                    for _ in 0..200 {
                        assert_eq!(ID.get(), id);
                        corio::task::yield_now().await;
                    }
                    ID.get()
                }))
            })
            .collect();
        for (id, task) in (0..32u32).zip(tasks) {
            assert_eq!(common::bounded(task).await.unwrap(), id);
        }
        assert!(
            ID.try_with(|_| ()).is_err(),
            "nothing leaks out of the scopes"
        );
    });
}

/// A scope whose closure panics still gives the outer value back.
#[test]
fn a_panicking_inner_scope_restores_the_outer_value() {
    ID.sync_scope(1, || {
        let inner = catch_unwind(|| ID.sync_scope(2, || panic!("inside")));
        assert!(inner.is_err());
        assert_eq!(ID.get(), 1);
        assert_eq!(ID.try_get(), Ok(1));
    });
    assert!(ID.try_with(|_| ()).is_err());
    assert!(ID.try_get().is_err());
}

/// A scoped future dropped before it completes is dropped inside its
/// scope: its `Drop` can still read the value.
#[test]
fn the_scoped_future_is_dropped_inside_its_scope() {
    struct Logs;
    impl Drop for Logs {
        fn drop(&mut self) {
            let line = format!("dropped in {}", ID.get());
            LOG.with(|log| log.lock().unwrap().push(line));
        }
    }
    let log = Arc::new(Mutex::new(Vec::new()));
    LOG.sync_scope(log.clone(), || {
        let guard = Logs;
        let future = ID.scope(5, async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let mut future = Box::pin(future);
        let polled = futures_lite::future::block_on(futures_lite::future::poll_once(&mut future));
        assert!(polled.is_none());
        drop(future);
    });
    assert_eq!(*log.lock().unwrap(), ["dropped in 5"]);
}

/// Entering a scope of a key from inside `with` of the same key is refused
/// with a message (the value is borrowed there), as in tokio.
#[test]
fn a_scope_inside_with_of_the_same_key_panics_clearly() {
    let message = common::panic_of(|| {
        ID.sync_scope(1, || ID.with(|_| ID.sync_scope(2, || ())));
    });
    assert!(message.contains("inside `with`"), "{message}");
    let outside = common::panic_of(|| ID.get());
    assert!(outside.contains("outside its `scope`"), "{outside}");
}

/// The inner future is dropped as soon as it completes, inside the scope
/// (what it still holds goes then, not with the wrapper), and a poll after
/// that panics with a message instead of polling it again.
#[test]
fn a_completed_inner_future_is_dropped_inside_the_scope_at_once() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    /// Ready at once, yet keeps its holder until it is dropped.
    struct ReadyHolding(#[allow(dead_code)] Holder);
    struct Holder(Arc<Mutex<Vec<String>>>);
    impl Drop for Holder {
        fn drop(&mut self) {
            let line = format!("dropped in {}", ID.get());
            self.0.lock().unwrap().push(line);
        }
    }
    impl Future for ReadyHolding {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut future = Box::pin(ID.scope(3, ReadyHolding(Holder(log.clone()))));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_ready());
    assert_eq!(
        *log.lock().unwrap(),
        ["dropped in 3"],
        "dropped on completion"
    );
    let again = catch_unwind(std::panic::AssertUnwindSafe(|| {
        future.as_mut().poll(&mut cx)
    }));
    let message = common::panic_message(&*again.unwrap_err());
    assert!(message.contains("after it completed"), "{message}");
}

/// A scoped `async` block that panics mid-poll gives the outer value back.
#[test]
fn a_panicking_scoped_future_restores_the_outer_value() {
    ID.sync_scope(1, || {
        let inner = catch_unwind(|| {
            futures_lite::future::block_on(ID.scope(2, async { panic!("inside the poll") }))
        });
        assert!(inner.is_err());
        assert_eq!(ID.get(), 1);
    });
}
