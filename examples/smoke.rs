//! The smallest timing of corio: spawn 10,000 empty tasks on two workers,
//! five times, and print each round's average time a task. A sanity check after a
//! change to the spawn path, quicker to read than `versus`. Not the same
//! measure as any of its rows: the tasks are spawned from `block_on`'s
//! thread, which is no worker (`spawn_many_remote` spawns that way), and
//! each round ends with a `spawn_blocking` round trip (the first one
//! starts the blocking thread).
//!
//! ```text
//! cargo run --release --example smoke
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
fn main() {
    let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
    for _ in 0..5 {
        let t = Instant::now();
        rt.block_on(async {
            let counter = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
            for _ in 0..10_000 {
                let c = counter.clone();
                let tx = tx.clone();
                corio::spawn(async move {
                    if c.fetch_add(1, Ordering::Relaxed) == 9_999 {
                        tx.send(()).unwrap();
                    }
                });
            }
            corio::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
        });
        println!("spawn_many: {:?}/task", t.elapsed() / 10_000);
    }
}
