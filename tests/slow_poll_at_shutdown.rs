//! A slow poll that a runtime's drop waits for is still reported. Alone in
//! its file: the time a poll's length is measured on is one clock for the
//! whole process, and another runtime's watchdog (another test's) would
//! move it, hiding a runtime whose own watchdog stopped too soon.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::LIMIT;

/// The drop stops the watchdog, which moves the clock that polls are timed
/// on; it stopped it before waiting for the poll, so the poll's end read
/// a clock standing where the drop began, and a 400 ms poll measured a few
/// microseconds and went unreported.
#[test]
fn a_slow_poll_the_drop_waits_for_is_reported() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .slow_poll_threshold(Some(Duration::from_millis(100)))
        .on_slow_poll(move |r| sink.lock().unwrap().push(r.clone()))
        .build()
        .unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let slow = runtime.spawn(async move {
        started_tx.send(corio::task::id()).unwrap();
        std::thread::sleep(Duration::from_millis(400)); // the slow poll
    });
    let id = started_rx.recv_timeout(LIMIT).expect("the slow poll began");
    drop(slow);
    common::within_limit(move || drop(runtime));
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].task_id, id.as_u64());
    assert!(
        reports[0].duration >= Duration::from_millis(100),
        "{}",
        reports[0]
    );
}
