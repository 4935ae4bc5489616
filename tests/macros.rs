//! `join!`, `try_join!` and `select!`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::block_on;
use corio::sync::oneshot;

/// Counts how many times it is dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn join_waits_for_every_branch_and_keeps_their_order() {
    block_on(async {
        let (tx, rx) = oneshot::channel();
        let (a, b, c) = corio::join!(
            async { rx.await.unwrap() },
            async {
                corio::task::yield_now().await;
                tx.send(10).unwrap();
                "sent"
            },
            async { 3.5 },
        );
        assert_eq!((a, b, c), (10, "sent", 3.5));
        assert_eq!(corio::join!(async { 1 }), (1,));
    });
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_rest() {
    block_on(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(drops.clone());
        let result: Result<((), ()), &str> = corio::try_join!(
            async move {
                let _guard = guard;
                std::future::pending::<()>().await;
                Ok(())
            },
            async {
                corio::task::yield_now().await;
                Err("boom")
            },
        );
        assert_eq!(result, Err("boom"));
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the pending branch was dropped"
        );
        let ok: Result<(u8, u16), ()> = corio::try_join!(async { Ok(1) }, async { Ok(2) });
        assert_eq!(ok, Ok((1, 2)));
    });
}

#[test]
fn select_runs_the_ready_branch_and_drops_the_losers() {
    block_on(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(drops.clone());
        let (tx, rx) = oneshot::channel::<u32>();
        tx.send(5).unwrap();
        let got = corio::select! {
            v = async move { let _g = guard; std::future::pending::<u32>().await } => v,
            Ok(v) = rx => v * 2,
        };
        assert_eq!(got, 10);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn biased_select_prefers_the_first_ready_branch() {
    block_on(async {
        for _ in 0..100 {
            let got = corio::select! {
                biased;
                a = async { 1 } => a,
                b = async { 2 } => b,
            };
            assert_eq!(got, 1);
        }
    });
}

#[test]
fn unbiased_select_starts_from_a_random_branch() {
    block_on(async {
        let mut firsts = [0u32; 2];
        for _ in 0..200 {
            let got: usize = corio::select! {
                a = async { 0usize } => a,
                b = async { 1usize } => b,
            };
            firsts[got] += 1;
        }
        assert!(
            firsts[0] > 20 && firsts[1] > 20,
            "both branches won sometimes: {firsts:?}"
        );
    });
}

#[test]
fn a_branch_whose_pattern_fails_is_disabled_and_else_runs() {
    block_on(async {
        let got = corio::select! {
            Some(v) = async { None::<u32> } => v,
            Ok(v) = async { Err::<u32, ()>(()) } => v,
            else => 99,
        };
        assert_eq!(got, 99);
        // A disabled branch does not stop another from winning later.
        let (tx, rx) = oneshot::channel::<u32>();
        let sender = corio::spawn(async move {
            corio::task::yield_now().await;
            tx.send(4).unwrap();
        });
        let got = corio::select! {
            Some(v) = async { None::<u32> } => v,
            Ok(v) = rx => v,
        };
        assert_eq!(got, 4);
        sender.await.unwrap();
    });
}

#[test]
fn handlers_can_await_and_break() {
    block_on(async {
        let mut rounds = 0;
        loop {
            rounds += 1;
            corio::select! {
                _ = async {} => {
                    corio::task::yield_now().await;
                    if rounds == 3 {
                        break;
                    }
                },
            }
        }
        assert_eq!(rounds, 3);
    });
}

#[test]
// tokio's wording, so that a test ported from tokio passes.
#[should_panic(expected = "all branches are disabled and there is no else branch")]
fn select_without_else_panics_when_every_branch_is_disabled() {
    corio::block_on(common::bounded(async {
        let _: u32 = corio::select! {
            Some(v) = async { None::<u32> } => v,
        };
    }));
}

#[test]
fn select_drops_the_losing_futures_before_the_handler_runs() {
    block_on(async {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(drops.clone());
        let (tx, rx) = oneshot::channel::<u32>();
        tx.send(5).unwrap();
        let mut set = corio::task::JoinSet::<u32>::new();
        let seen_in_handler = corio::select! {
            _ = async move { let _g = guard; std::future::pending::<u32>().await } => usize::MAX,
            // The loser borrows `set`; the handler may use it again.
            Some(_) = set.join_next() => usize::MAX,
            Ok(v) = rx => {
                set.spawn(async move { v });
                drops.load(Ordering::SeqCst)
            }
        };
        assert_eq!(
            seen_in_handler, 1,
            "the loser was dropped before the handler"
        );
        assert_eq!(set.join_next().await.unwrap().unwrap(), 5);
    });
}

#[test]
fn join_polls_every_branch_even_when_the_first_always_has_work() {
    // The first branch could run forever: its channel holds far more
    // messages than one coop budget. Polled first every time, it would
    // spend the whole budget, and the second branch, which stops it, would
    // only ever be polled with none left.
    block_on(async {
        let (tx, rx) = corio::sync::channel::unbounded::<u32>();
        for i in 0..100_000 {
            tx.try_send(i).unwrap();
        }
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        stop_tx.send(()).unwrap();
        let stop = std::cell::Cell::new(false);
        let (received, ()) = corio::join!(
            async {
                let mut received = 0;
                while !stop.get() {
                    rx.recv().await.unwrap();
                    received += 1;
                }
                received
            },
            async {
                stop_rx.await.unwrap();
                stop.set(true);
            },
        );
        assert!(
            received < 100_000,
            "the stop branch ran only after {received} messages"
        );
    });
}

/// tokio's usual layout: no comma after a block handler.
#[test]
#[cfg_attr(miri, ignore)]
fn select_takes_block_handlers_without_commas() {
    block_on(async {
        let got = corio::select! {
            biased;
            a = async { 1 } => { a * 10 }
            b = std::future::pending::<u32>() => { b }
        };
        assert_eq!(got, 10);
        // A handler that starts with a block and goes on is one expression.
        let got = corio::select! {
            v = async { vec![1, 2, 3] } => { v }.len(),
        };
        assert_eq!(got, 3);
        // Two block handlers, the second branch's pattern a tuple.
        let got = corio::select! {
            biased;
            a = async { 1 } => { a }
            (b, _) = async { (2, 3) } => { b }
        };
        assert_eq!(got, 1);
        // The same with guards on the branches after a block: a tuple, a
        // slice and a reference pattern (each could continue an expression).
        let got = corio::select! {
            biased;
            _ = std::future::pending::<()>() => { 1 }
            (a, b) = async { (2, 3) }, if true => { a + b }
            [c, d] = async { [4, 5] }, if true => { c * d }
            &e = async { &6 }, if true => { e }
        };
        assert_eq!(got, 5);
        // A block that goes on with `?` is one expression too.
        let got: Result<usize, std::num::ParseIntError> = async {
            Ok(corio::select! {
                s = async { "42" } => { s.parse::<usize>() }?,
            })
        }
        .await;
        assert_eq!(got, Ok(42));
    });
}

/// `, if condition`: a false one disables its branch from the start (its
/// future is made, never polled); all disabled, `else` runs.
#[test]
#[cfg_attr(miri, ignore)]
fn select_guards_disable_branches() {
    block_on(async {
        let polled = Arc::new(AtomicUsize::new(0));
        let counted = |value: u32| {
            let polled = polled.clone();
            async move {
                polled.fetch_add(1, Ordering::SeqCst);
                value
            }
        };
        let enabled = false;
        let got = corio::select! {
            a = counted(1), if enabled => a,
            b = counted(2), if !enabled => b * 10,
        };
        assert_eq!(got, 20);
        assert_eq!(
            polled.load(Ordering::SeqCst),
            1,
            "the disabled branch was never polled"
        );
        let got = corio::select! {
            a = counted(1), if enabled => { a }
            else => 0,
        };
        assert_eq!(got, 0);
    });
}

/// A branch whose output fails its pattern drops that output at once, not
/// when `select!` ends.
#[test]
#[cfg_attr(miri, ignore)]
fn a_failed_branch_output_is_dropped_at_once() {
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    block_on(async {
        let dropped = Arc::new(AtomicUsize::new(0));
        let guard = Guard(dropped.clone());
        let seen = dropped.clone();
        let got = corio::select! {
            biased;
            Ok(v) = async move { Err::<u32, Guard>(guard) } => v,
            v = async move { seen.load(Ordering::SeqCst) as u32 + 100 } => v,
        };
        assert_eq!(
            got, 101,
            "the Err's guard was dropped before the next branch ran"
        );
    });
}

/// Anything `.await` takes works in the macros (`IntoFuture`), and an empty
/// `try_join!` is `Ok(())`, as in tokio.
#[test]
#[cfg_attr(miri, ignore)]
fn the_macros_take_into_future_and_try_join_takes_nothing() {
    struct Seven;
    impl std::future::IntoFuture for Seven {
        type Output = u32;
        type IntoFuture = std::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(7)
        }
    }
    block_on(async {
        assert_eq!(corio::join!(Seven, async { 1 }), (7, 1));
        let got = corio::select! { v = Seven => v };
        assert_eq!(got, 7);
        let ok: Result<(u32,), ()> = corio::try_join!(async { Ok(Seven.await) });
        assert_eq!(ok, Ok((7,)));
        let none: Result<(), ()> = corio::try_join!();
        assert_eq!(none, Ok(()));
        // No futures after `biased;` either, as tokio accepts (generated
        // calls with none).
        let none: Result<(), ()> = corio::try_join!(biased;);
        assert_eq!(none, Ok(()));
        let () = corio::join!(biased;);
        let () = corio::join!();
    });
}

/// A pattern may bind with `mut`, `ref` or `ref mut`, at any depth, and
/// any pattern shape works: the test inside the poll uses a copy without
/// them, the handler gets the bindings as written. A non-matching output with `mut`
/// in the pattern still disables its branch.
#[test]
#[cfg_attr(miri, ignore)]
fn select_patterns_may_bind_with_mut_and_ref() {
    #[derive(Debug)]
    enum Message {
        Data { id: u32, body: Vec<u8> },
        Stop,
    }
    block_on(async {
        let got = corio::select! {
            Some(mut v) = async { Some(vec![1]) } => { v.push(2); v }
        };
        assert_eq!(got, vec![1, 2]);
        // `ref mut` borrows the output in place, as tokio's select! lets it.
        let got = corio::select! {
            Some(ref mut s) = async { Some(String::from("1")) } => { s.push('2'); s.clone() }
        };
        assert_eq!(got, "12");
        let got = corio::select! {
            biased;
            Ok(Some(mut n)) = async { Ok::<_, ()>(None::<u32>) } => { n += 1; n }
            Err(ref e) | Ok(Some(ref e)) = async { Err::<Option<u32>, u32>(9) } => *e,
        };
        assert_eq!(got, 9, "the first branch's None disabled it");
        let got = corio::select! {
            biased;
            Message::Data { body: mut b, .. } = async { Message::Stop } => {
                b.clear();
                b
            }
            Message::Data { id, body: mut b } = async { Message::Data { id: 4, body: vec![1] } } => {
                b.push(id as u8);
                b
            }
        };
        assert_eq!(got, vec![1, 4]);
        let got = corio::select! {
            biased;
            Message::Stop = async { Message::Data { id: 1, body: Vec::new() } } => 0,
            [mut first, .., ref last] = async { [1, 2, 3] } => { first += 10; first + *last }
        };
        assert_eq!(got, 14);
        let got = corio::select! {
            (mut a, (ref b, mut c)) = async { (1, (String::from("x"), 3)) } => {
                a += 1;
                c += 1;
                format!("{a}{b}{c}")
            }
        };
        assert_eq!(got, "2x4");
        let got = corio::select! {
            Some(mut v) = async { None::<u32> } => { v += 1; v },
            else => 0,
        };
        assert_eq!(got, 0);
    });
}

/// Patterns of up to eight tokens cost a branch two steps of the default
/// recursion limit: 30 branches of five-token or-patterns fit.
#[test]
#[cfg_attr(miri, ignore)]
fn select_takes_30_branches_of_or_patterns_within_the_default_limit() {
    block_on(async {
        let got = corio::select! {
            Ok(v) | Err(v) = async { Err::<u32, u32>(0) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(1) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(2) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(3) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(4) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(5) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(6) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(7) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(8) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(9) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(10) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(11) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(12) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(13) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(14) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(15) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(16) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(17) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(18) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(19) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(20) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(21) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(22) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(23) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(24) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(25) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(26) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(27) }, if false => v,
            Ok(v) | Err(v) = async { Err::<u32, u32>(28) }, if false => v,
            Ok(v) | Err(v) = async { Ok::<u32, u32>(99) } => v,
        };
        assert_eq!(got, 99);
    });
}
