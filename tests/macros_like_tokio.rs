//! Where `select!` and `join!` behave as a tokio user expects beyond the
//! basics in `macros.rs`: the coop budget, temporaries borrowed by a branch,
//! `else`-only and never-returning branches, and `biased;` joins.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::block_on;

/// `select!` spends no budget itself but yields once the task's budget is
/// gone, as tokio's does: a loop over a branch that is always ready (and
/// ignores the budget) still lets the other task on this one thread run.
#[test]
#[cfg_attr(miri, ignore)]
fn a_select_loop_over_an_always_ready_branch_yields_when_the_budget_is_spent() {
    use std::sync::atomic::AtomicBool;
    let runtime = corio::Builder::new_current_thread().build().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let seen = done.clone();
    let (finished_tx, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let flag = seen.clone();
            corio::spawn(async move { flag.store(true, Ordering::SeqCst) });
            let mut rounds = 0u64;
            while !seen.load(Ordering::SeqCst) {
                corio::select! {
                    _ = corio::task::consume_budget() => {}
                    _ = std::future::ready(()) => {}
                }
                rounds += 1;
            }
            let _ = finished_tx.send(rounds);
        });
    });
    let rounds = common::recv(&finished);
    assert!(done.load(Ordering::SeqCst));
    assert!(rounds <= 1_000, "{rounds} rounds before the other task ran");
}

/// A branch's future may borrow a temporary made in the branch itself
/// (`&mut ready(())`), as in tokio: it lives to the end of the `select!`.
#[test]
fn a_branch_future_may_borrow_a_temporary() {
    let got = block_on(async {
        corio::select! {
            v = &mut std::future::ready(7) => v,
        }
    });
    assert_eq!(got, 7);
}

/// A `select!` of nothing but `else` is its value, `biased;` or not.
#[test]
fn a_select_with_only_else_is_its_value() {
    let plain = block_on(async {
        corio::select! { else => 1 }
    });
    let biased = block_on(async {
        corio::select! { biased; else => 2, }
    });
    assert_eq!((plain, biased), (1, 2));
}

/// A branch whose future never returns (`!`) leaves the other branches'
/// handlers reachable, with no warning (this file builds with `-D
/// warnings` in CI).
#[test]
fn a_never_returning_branch_is_fine_beside_others() {
    async fn never() -> ! {
        loop {
            corio::task::yield_now().await;
        }
    }
    let got = block_on(async {
        corio::select! {
            _ = never() => 0,
            v = async { 1 } => v,
        }
    });
    assert_eq!(got, 1);
}

/// `biased;` makes `join!` poll strictly in order, as tokio's does: a first
/// branch that always has work is polled first every time, budget or not,
/// so the second gets to run only once the first has drained its channel.
/// (Without `biased;`, `join_polls_every_branch_even_when_the_first_always_has_work`
/// in `macros.rs` shows the second running early.)
#[test]
fn biased_join_polls_in_order_even_when_the_first_always_has_work() {
    block_on(async {
        let (tx, rx) = corio::sync::channel::unbounded::<u32>();
        for i in 0..10_000 {
            tx.try_send(i).unwrap();
        }
        drop(tx);
        let stop = std::cell::Cell::new(false);
        let (received, stopped_after) = corio::join!(
            biased;
            async {
                let mut received = 0;
                while !stop.get() && rx.recv().await.is_some() {
                    received += 1;
                }
                received
            },
            async {
                // Needs budget to get past this line.
                corio::task::consume_budget().await;
                stop.set(true);
            },
        );
        assert_eq!(received, 10_000, "the second branch ran first");
        let () = stopped_after;
    });
    let ok: Result<(u8, u8), ()> =
        block_on(async { corio::try_join!(biased; async { Ok(1) }, async { Ok(2) }) });
    assert_eq!(ok, Ok((1, 2)));
}

/// A `select!` whose branch output is not `Send` still makes a `Send`
/// future, as tokio's does: no output is kept across the wait, only the
/// futures (an `Rc` made and consumed in the handler, here).
#[test]
fn a_select_with_a_non_send_output_is_still_send() {
    fn assert_send<T: Send>(value: T) -> T {
        value
    }
    let task = assert_send(async {
        corio::select! {
            biased;
            r = async { std::rc::Rc::new(1) } => *r,
            _ = corio::task::yield_now() => 0,
        }
    });
    // Biased: the ready first branch wins, and its `Rc` reached the handler.
    assert_eq!(corio::block_on(common::bounded(task)), 1);
}

/// `try_join!` over an uninhabited error type compiles without an
/// `unreachable_code` warning in the caller (tokio's macros were fixed for
/// the same).
#[test]
#[deny(unreachable_code)]
fn uninhabited_types_make_no_warning() {
    let ok: Result<(u8, u8), std::convert::Infallible> = corio::block_on(common::bounded(async {
        corio::try_join!(async { Ok(1) }, async { Ok(2) })
    }));
    assert_eq!(ok, Ok((1, 2)));
}

/// An uninhabited success type (a server that only returns on error) and
/// a branch that never returns make no `unreachable_code` warning in the
/// caller either: the code that gathers the outputs after such a branch's
/// can never run, and says so only to itself.
#[test]
#[deny(unreachable_code)]
#[cfg_attr(miri, ignore)]
fn uninhabited_outputs_make_no_warning() {
    use std::convert::Infallible;
    async fn serve(fails: bool) -> Result<Infallible, String> {
        if fails {
            return Err("bind failed".to_string());
        }
        std::future::pending().await
    }
    let failed = corio::block_on(common::bounded(async {
        let outcome = corio::try_join!(serve(false), serve(true));
        outcome.map(|_| "served").unwrap_err()
    }));
    assert_eq!(failed, "bind failed");
    let winner = corio::block_on(common::bounded(async {
        corio::select! {
            _ = async {
                let both = corio::join!(
                    async { std::future::pending::<Infallible>().await },
                    async { 7 },
                );
                both.1
            } => 0,
            n = async { 7 } => n,
        }
    }));
    assert_eq!(winner, 7);
}
