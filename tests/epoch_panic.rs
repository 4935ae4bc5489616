//! A destructor deferred through crossbeam-epoch that panics inside one of
//! corio's queue operations (see `src/scheduler/deque.rs`).
//!
//! Growing a worker's deque runs the process's deferred epoch garbage
//! (tests/epoch_reentry.rs shows how). If one of those destructors panics,
//! the task being pushed is dropped by the unwind and never runs again; so
//! corio aborts, saying why, rather than hang whoever awaits that task.
//!
//! The test runs the scenario in a child process (this same binary, asked
//! by an environment variable) and checks how the child ended. One test in
//! its own file, so that it runs alone in its process: the global epoch
//! advances only when every pinned thread has caught up.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHILD: &str = "CORIO_EPOCH_PANIC_CHILD";
const TEST: &str = "a_panicking_deferred_destructor_in_a_push_aborts_with_a_message";

#[test]
fn a_panicking_deferred_destructor_in_a_push_aborts_with_a_message() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot re-execute the test binary");
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    let Ok(stderr) = rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!("the child neither ended nor closed its stderr: it hung");
    };
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(libc::SIGABRT),
        "the child should abort, it ended with {status}; its stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("corio: a panic unwound out of a push into a worker's queue"),
        "the abort should say why; the child's stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("deferred destructor panicked"),
        "the destructor's own panic is printed too; the child's stderr:\n{stderr}"
    );
}

/// Seals a panicking destructor in the epoch garbage, then grows this
/// thread's deque, which runs it. Reaching the end means nothing aborted.
fn child() {
    let rt = corio::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        std::thread::spawn(|| {
            // As in tests/epoch_reentry.rs: first the garbage others left,
            // then a bag at the current epoch, still there when this
            // thread ends.
            for _ in 0..1_000 {
                crossbeam_epoch::pin().flush();
            }
            let guard = crossbeam_epoch::pin();
            guard.defer(|| panic!("deferred destructor panicked"));
            guard.flush();
        })
        .join()
        .unwrap();
        // 200 tasks grow the deque past 128 slots: the growth flushes.
        let tasks: Vec<_> = (0..200).map(|_| corio::spawn(async {})).collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    println!("the child ran to its end");
}
