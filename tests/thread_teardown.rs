//! corio used from a thread-local's `Drop` as the thread exits, after
//! corio's own thread-locals are gone (`src/teardown.rs`): the questions
//! answer `Err`, and the calls that must panic say why.

mod common;

use std::future::Future;
use std::time::Duration;

/// `Handle::try_current` while the thread's locals are being destroyed (a
/// thread-local's `Drop` asking, after corio's own thread-local went) says
/// `Err`, as tokio's does, instead of panicking, which in a thread-local's
/// destructor would abort the process (so the test runs in a child); and
/// `Handle::current()` and `spawn`, which must panic there, say why; so
/// do a timer, a socket and a blocking lookup, whose own thread-locals
/// are gone by then (they panicked with std's `AccessError`).
#[test]
#[cfg_attr(miri, ignore)]
fn try_current_during_thread_teardown_is_an_error_not_a_panic() {
    common::in_child(
        "try_current_during_thread_teardown_is_an_error_not_a_panic",
        || {
            use std::cell::RefCell;
            use std::sync::Arc;
            use std::sync::atomic::{AtomicBool, Ordering};
            struct Probe(Arc<AtomicBool>);
            /// The message of the panic `f` raises.
            fn message_of(f: impl FnOnce()) -> String {
                let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                    .expect_err("it panicked");
                match payload.downcast_ref::<&str>() {
                    Some(message) => message.to_string(),
                    None => payload
                        .downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_default(),
                }
            }
            impl Drop for Probe {
                fn drop(&mut self) {
                    let error = corio::Handle::try_current().unwrap_err();
                    let told = error.is_thread_local_destroyed() && !error.is_missing_context();
                    // The panicking forms name the real cause too.
                    let current = message_of(|| drop(corio::Handle::current()));
                    let spawn = message_of(|| drop(corio::spawn(async {})));
                    let timer = message_of(|| drop(corio::time::sleep(Duration::from_secs(1))));
                    let socket = message_of(|| {
                        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                        drop(corio::net::UdpSocket::from_std(socket));
                    });
                    let lookup = message_of(|| {
                        let mut lookup = Box::pin(corio::net::lookup_host("localhost:80"));
                        let waker = std::task::Waker::noop();
                        let _ = lookup
                            .as_mut()
                            .poll(&mut std::task::Context::from_waker(waker));
                    });
                    let named = [current, spawn, timer, socket, lookup]
                        .iter()
                        .all(|message| message.contains("thread-locals were being destroyed"));
                    self.0.store(told && named, Ordering::SeqCst);
                }
            }
            thread_local! {
                static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
            }
            let answered = Arc::new(AtomicBool::new(false));
            let flag = answered.clone();
            std::thread::spawn(move || {
                PROBE.with(|p| *p.borrow_mut() = Some(Probe(flag))); // destroyed last
                let _ = corio::Handle::try_current(); // corio's local, destroyed first
                // And the timers', the reactor's and the pool's.
                let runtime = corio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                drop(runtime.enter());
            })
            .join()
            .unwrap();
            assert!(
                answered.load(Ordering::SeqCst),
                "try_current said Ok, or a panic did not name the teardown"
            );
        },
    );
}
