//! `join!`, `try_join!` and `select!`: waiting on several futures at once,
//! inside one task.
//!
//! All three expand to the same idea: keep every branch's future in a tuple
//! on the task's (pinned) stack frame and poll them from one `poll_fn`. A
//! branch is picked out of the tuple by position with a pattern of `_`s
//! (`let (_, _, fut, ..) = &mut futures;`), which the macro builds by
//! counting: that is how a `macro_rules!` macro, which cannot name new
//! variables per branch, addresses the third branch. The technique is
//! tokio's.
//!
//! | macro | finishes when | then |
//! | --- | --- | --- |
//! | `join!` | every branch is done | returns a tuple of outputs (asyncio's `gather`) |
//! | `try_join!` | every branch is `Ok`, or one is `Err` | `Ok(tuple)`, or the first `Err` (the rest are dropped) |
//! | `select!` | one branch completes and matches its pattern | drops the others, then runs that branch's handler (Go's `select`) |
//!
//! Fairness, because a branch's work counts against the task's coop budget:
//! `join!` and `try_join!` poll their branches in order, but when the budget
//! runs out partway, the next poll starts at the first branch that got none
//! (unless `biased;`, which keeps the order whatever the budget);
//! `select!` starts from a random branch (unless `biased;`). A branch that
//! always has work would otherwise spend the whole budget before the others
//! were polled, every time, and they would never finish. (tokio's `join!`
//! rotates its first branch at every poll; keeping the order otherwise makes
//! `join!` interleave like asyncio's `gather`.)

mod pattern;
#[doc(hidden)]
pub mod support;

/// Waits for every future and returns their outputs as a tuple, like
/// Python's `asyncio.gather`. The futures run concurrently in the calling
/// task (no spawning), each polled when the task wakes. With `biased;`
/// first (`join!(biased; a, b)`), as in tokio, they are polled strictly in
/// order, even when the first ones spend the whole coop budget.
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let (a, b) = corio::join!(async { 1 }, async { "two" });
///     assert_eq!((a, b), (1, "two"));
/// });
/// ```
#[macro_export]
macro_rules! join {
    (@ { biased = $biased:tt; ( $($count:tt)* ) $( ( $($skip:tt)* ) $e:expr, )* }) => {{
        let mut futures = ( $( $crate::__private::MaybeDone::new($e), )* );
        let futures = &mut futures;
        // In order, but fair under the coop budget (see `Turns`), unless
        // `biased;`: then strictly in order.
        let mut turns = $crate::__private::Turns::new(0 $( + $crate::__private::one(::core::stringify!($e)) )*, !$biased);
        $crate::__private::poll_fn(|cx| {
            let mut pending = false;
            for branch in turns.this_poll() {
                $(
                    if branch == 0 $( + $crate::__private::one(::core::stringify!($skip)) )* {
                        let ( $($skip,)* fut, .. ) = &mut *futures;
                        // SAFETY: `futures` lives in the enclosing async
                        // frame, which is pinned while polled, and is never moved.
                        let fut = unsafe { $crate::__private::PinType::new_unchecked(fut) };
                        if fut.poll_done(cx).is_pending() {
                            pending = true;
                        }
                    }
                )*
            }
            if pending {
                return $crate::__private::PollType::Pending;
            }
            $crate::__private::PollType::Ready(( $({
                let ( $($skip,)* fut, .. ) = &mut *futures;
                // SAFETY: as above.
                let fut = unsafe { $crate::__private::PinType::new_unchecked(fut) };
                fut.take_output().expect("join! takes each output once")
            },)* ))
        }).await
    }};
    (@ { biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::join!(@{ biased = $biased; ($($s)* _) $($t)* ($($s)*) $e, } $($r)*)
    };
    (biased; $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ biased = true; () } $($e,)*)
    };
    ( $($e:expr),+ $(,)? ) => {
        $crate::join!(@{ biased = false; () } $($e,)*)
    };
    (biased; $(,)?) => { async {}.await };
    () => { async {}.await };
}

/// Waits for every future to return `Ok`, or for the first `Err`, which is
/// returned at once (the other futures are dropped, i.e. cancelled), like
/// Go's `errgroup` or asyncio's `gather` without `return_exceptions`.
/// `biased;` first polls strictly in order, as for [`join!`].
///
/// # Examples
///
/// ```
/// corio::block_on(async {
///     let ok: Result<(i32, i32), String> = corio::try_join!(async { Ok(1) }, async { Ok(2) });
///     assert_eq!(ok, Ok((1, 2)));
///     let err: Result<(i32, ()), String> = corio::try_join!(
///         async { Err::<i32, _>("bad".to_string()) },
///         std::future::pending::<Result<(), String>>(),
///     );
///     assert_eq!(err, Err("bad".to_string()));
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    (@ { biased = $biased:tt; ( $($count:tt)* ) $( ( $($skip:tt)* ) $e:expr, )* }) => {{
        let mut futures = ( $( $crate::__private::MaybeDone::new($e), )* );
        let futures = &mut futures;
        // In order, but fair under the coop budget (see `Turns`), unless
        // `biased;`: then strictly in order.
        let mut turns = $crate::__private::Turns::new(0 $( + $crate::__private::one(::core::stringify!($e)) )*, !$biased);
        $crate::__private::poll_fn(|cx| {
            let mut pending = false;
            for branch in turns.this_poll() {
                $(
                    if branch == 0 $( + $crate::__private::one(::core::stringify!($skip)) )* {
                        let ( $($skip,)* fut, .. ) = &mut *futures;
                        // SAFETY: `futures` lives in the enclosing async
                        // frame, which is pinned while polled, and is never moved.
                        let mut fut = unsafe { $crate::__private::PinType::new_unchecked(fut) };
                        if fut.as_mut().poll_done(cx).is_pending() {
                            pending = true;
                        } else if fut.as_mut().output().is_some_and(|r| $crate::__private::is_err(r)) {
                            // No value of the error type is bound here (as
                            // tokio's): with `Infallible`, code after one
                            // would be unreachable in the caller's crate.
                            return $crate::__private::PollType::Ready(
                                fut.take_output()
                                    .and_then(|r| r.err())
                                    .map(::std::result::Result::Err)
                                    .expect("an error output"),
                            );
                        }
                    }
                )*
            }
            if pending {
                return $crate::__private::PollType::Pending;
            }
            $crate::__private::PollType::Ready(::std::result::Result::Ok(( $({
                let ( $($skip,)* fut, .. ) = &mut *futures;
                // SAFETY: as above.
                let fut = unsafe { $crate::__private::PinType::new_unchecked(fut) };
                fut.take_output().and_then(|r| r.ok()).expect("try_join! takes each output once")
            },)* )))
        }).await
    }};
    (@ { biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } $e:expr, $($r:tt)* ) => {
        $crate::try_join!(@{ biased = $biased; ($($s)* _) $($t)* ($($s)*) $e, } $($r)*)
    };
    (biased; $($e:expr),+ $(,)? ) => {
        $crate::try_join!(@{ biased = true; () } $($e,)*)
    };
    ( $($e:expr),+ $(,)? ) => {
        $crate::try_join!(@{ biased = false; () } $($e,)*)
    };
    (biased; $(,)?) => { async { ::std::result::Result::Ok(()) }.await };
    () => { async { ::std::result::Result::Ok(()) }.await };
}

/// Waits for the first of several futures, runs its handler and drops the
/// rest, like Go's `select` (or asyncio's `wait(..., FIRST_COMPLETED)`).
///
/// Each branch is `pattern = future => handler,` (the comma optional after
/// a `{ block }` handler), or `pattern = future, if condition => handler`:
/// a false condition disables the branch from the start (its future is
/// still made, never polled). Each poll starts from a random branch and
/// goes round from there (so none starves), unless the first token is
/// `biased;`. A branch whose
/// output does not match its pattern is disabled (and that output dropped
/// at once), and when every branch is disabled the `else => handler` branch
/// runs (without one, `select!` panics). Handlers run in the calling task,
/// so they may `.await`, `break` or `return`. Anything `.await` takes works
/// as a future (`IntoFuture`). Patterns may bind with `mut`, `ref` or `ref mut`
/// (`Some(mut msg) = rx.recv() => ...`), except a pattern another macro
/// passes in as one `$p:pat` fragment: `select!` cannot see into it to
/// take the modifiers off for its test match, so there bind plainly and
/// rebind (`let mut msg = msg;`) in the handler, where tokio's accepts them. At most 64 branches. Each costs
/// the macro two steps of the compiler's recursion limit (128) when its
/// pattern is at most eight tokens long (`Some(v)` is two, `Ok(v) | Err(v)`
/// five), a few more for a longer one (about one a token, three a bracket):
/// past about 55 branches of short patterns, fewer of long ones, the
/// calling crate raises that limit (`#![recursion_limit = "256"]`).
///
/// Like tokio's, `select!` yields (returns `Pending` and wakes its task at
/// once) when the task's coop budget is spent, so a loop over a branch that
/// is always ready cannot hold its worker for good, as long as something in
/// the loop spends budget: corio's own futures do (a channel's `recv`, a
/// socket's read); `std::future::ready` does not, and neither does
/// `select!` itself. A `select!` with only
/// an `else` branch is that branch's value; one with no branch at all does
/// not compile:
///
/// ```compile_fail
/// corio::block_on(async { corio::select! {} });
/// ```
///
/// Nor does an `else` before other branches, or a handler that goes on
/// after its block (`{ v }.len()`) with no comma after it; each fails with
/// a message that says so:
///
/// ```compile_fail
/// corio::block_on(async { corio::select! { else => 0, v = async { 1 } => v } });
/// ```
///
/// ```compile_fail
/// corio::block_on(async { corio::select! { v = async { 0 } => { v }.max(1) w = async { 1 } => w } });
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// corio::block_on(async {
///     let (tx, rx) = corio::sync::oneshot::channel::<u32>();
///     tx.send(7).unwrap();
///     let got = corio::select! {
///         Ok(v) = rx => v,
///         _ = corio::time::sleep(Duration::from_secs(5)) => 0,
///     };
///     assert_eq!(got, 7);
/// });
/// ```
#[macro_export]
macro_rules! select {
    (@done { biased = $biased:tt; else = [$else:expr]; $( ( ( $($skip:tt)* ) [$($p:tt)+] = $f:expr, if $c:expr => $h:expr ) )+ }) => {{
        // Counted and checked at compile time: a branch is a bit of a `u64`.
        let branches: ::core::primitive::u32 = const {
            let branches = 0 $( + $crate::__private::one(::core::stringify!($f)) )+;
            ::std::assert!(branches <= 64, "select! supports at most 64 branches");
            branches
        };
        // The branch futures live in this inner block, which ends with the
        // winner's output moved out: every future is dropped before any
        // handler runs, so a handler may use what they borrowed, and a
        // losing future (a queued lock waiter, say) holds nothing meanwhile.
        // No output is kept beside the futures across the wait (tokio
        // keeps none either): an output that is not `Send` must not make
        // the task's future `!Send`. The winner's comes out as its index
        // and a nested `Result` that places it by position: branch 0's is
        // `Ok(out)`, branch 2's `Err(Err(Ok(out)))`, none `Err(..(()))`.
        let (index, won) = {
        // A branch whose `if` condition is false starts disabled: its
        // future is still made (as in tokio) but never polled.
        let mut disabled: ::core::primitive::u64 = 0;
        $(
            if !$c {
                disabled |= 1 << (0 $( + $crate::__private::one(::core::stringify!($skip)) )*);
            }
        )+
        // The futures are evaluated in one tuple first, as they are
        // written: a temporary borrowed there (`&mut ready(())`) lives to
        // the end of the block, as in tokio; inside a call it would not.
        let futures_init = ( $( $f, )+ );
        let mut futures = ( $({
            let ( $($skip,)* future, .. ) = futures_init;
            ::core::future::IntoFuture::into_future(future)
        },)+ );
        let futures = &mut futures;
        $crate::__private::poll_fn(|cx| {
            if !$crate::__private::budget_allows(cx) {
                return $crate::__private::PollType::Pending;
            }
            let start = if $biased { 0 } else { $crate::__private::random_below(branches) };
            for i in 0..branches {
                let branch = (start + i) % branches;
                if disabled & (1 << branch) != 0 {
                    continue;
                }
                $(
                    if branch == 0 $( + $crate::__private::one(::core::stringify!($skip)) )* {
                        let ( $($skip,)* fut, .. ) = &mut *futures;
                        // SAFETY: `futures` lives in the enclosing async
                        // frame, which is pinned while polled, and is never moved.
                        let fut = unsafe { $crate::__private::PinType::new_unchecked(fut) };
                        if let $crate::__private::PollType::Ready(out) = ::core::future::Future::poll(fut, cx) {
                            // Done: never polled again, whether it wins or not.
                            disabled |= 1 << branch;
                            // (Unreachable code when the output type is
                            // uninhabited: `out` then never exists.)
                            // (And an output with nothing to drop, `(&a, &mut b)`,
                            // is still moved into `drop`: clippy's
                            // `drop_non_drop` must not fail the caller's build.)
                            #[allow(unreachable_code, unused_variables, unused_parens, clippy::drop_non_drop)]
                            let winner = {
                                // The output is tested through a reference,
                                // with `mut`, `ref` and `&` taken out of
                                // the pattern (see `pattern.rs`).
                                let matched = match &out {
                                    $crate::__select_test_pattern!($($p)+) => true,
                                    _ => false,
                                };
                                if matched {
                                    let won = ::core::result::Result::Ok(out);
                                    $( let won = { let _ = ::core::stringify!($skip); ::core::result::Result::Err(won) }; )*
                                    ::core::option::Option::Some(won)
                                } else {
                                    // Disabled: its output (a guard, a
                                    // connection in an `Err`) is dropped
                                    // now, not at the end.
                                    ::core::mem::drop(out);
                                    ::core::option::Option::None
                                }
                            };
                            if let ::core::option::Option::Some(won) = winner {
                                return $crate::__private::PollType::Ready((branch, won));
                            }
                        }
                    }
                )+
            }
            if disabled == ::core::primitive::u64::MAX >> (64 - branches) {
                let none = ();
                $( let none = { let _ = ::core::stringify!($f); ::core::result::Result::Err(none) }; )+
                return $crate::__private::PollType::Ready((::core::primitive::u32::MAX, none));
            }
            $crate::__private::PollType::Pending
        }).await
        };
        $(
            if index == 0 $( + $crate::__private::one(::core::stringify!($skip)) )* {
                let won = won;
                $( let won = { let _ = ::core::stringify!($skip); match won {
                    ::core::result::Result::Err(rest) => rest,
                    ::core::result::Result::Ok(_) => ::std::unreachable!("the winner sits at its index"),
                } }; )*
                // A `match`, not `let .. else` on an `expect`: a branch whose
                // output type is `!` would make the `expect` diverge, and
                // rustc would call the user's handler unreachable code.
                // `mut`: a `ref mut` in the pattern borrows the output here.
                #[allow(unused_mut)]
                let mut won = won;
                match won {
                    // (Unreachable when the output type is uninhabited.)
                    #[allow(unreachable_patterns)]
                    ::core::result::Result::Ok($($p)+) => $h,
                    _ => ::std::unreachable!("the output matched this pattern when polled"),
                }
            } else
        )+ {
            let _ = won;
            $else
        }
    }};
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } else => $else:expr $(,)?) => {
        $crate::select!(@done { biased = $biased; else = [$else]; $($t)* })
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* }) => {
        $crate::select!(@done {
            biased = $biased;
            else = [::std::panic!("select!: all branches are disabled and there is no else branch")];
            $($t)*
        })
    };
    // An `else` before other branches (no pattern starts with `else`, so
    // this catches nothing valid).
    (@{ $($state:tt)* } else $($r:tt)*) => {
        ::std::compile_error!("select!: `else` must be the last branch")
    };
    // A branch: `pattern = future [, if condition] => handler`, the handler
    // a block (a comma after it optional, as in tokio) or an expression.
    // Order matters: a block with a comma; a block followed by `.` or `?`,
    // which goes on as an expression (`{ v }.len(),`); a block without a
    // comma, which ends the handler as in tokio (so the next branch's
    // pattern may be a tuple, even with a guard: an expression would
    // swallow `{ 1 } (a, b) = f` as a call and an assignment); then an
    // expression with a comma, and a last expression.
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr, if $c:expr => $h:block, $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if $c => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr, if $c:expr => { $($b:tt)* } . $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)*) $($t)* } @handler [$($p)+] = $f, if $c => { $($b)* } . $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr, if $c:expr => { $($b:tt)* } ? $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)*) $($t)* } @handler [$($p)+] = $f, if $c => { $($b)* } ? $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr, if $c:expr => $h:block $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if $c => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr, if $c:expr => $h:expr, $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if $c => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr, if $c:expr => $h:expr) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if $c => $h ) })
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr => $h:block, $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if true => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr => { $($b:tt)* } . $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)*) $($t)* } @handler [$($p)+] = $f => { $($b)* } . $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr => { $($b:tt)* } ? $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)*) $($t)* } @handler [$($p)+] = $f => { $($b)* } ? $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr => $h:block $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if true => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr => $h:expr, $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if true => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @branch [$($p:tt)+] = $f:expr => $h:expr) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if true => $h ) })
    };
    // A handler that starts with a block and goes on (`{ v }.len()`): an
    // expression, up to a comma or the end.
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @handler [$($p:tt)+] = $f:expr, if $c:expr => $h:expr, $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if $c => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @handler [$($p:tt)+] = $f:expr, if $c:expr => $h:expr) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if $c => $h ) })
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @handler [$($p:tt)+] = $f:expr => $h:expr, $($r:tt)*) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if true => $h ) } $($r)*)
    };
    (@{ biased = $biased:tt; ( $($s:tt)* ) $($t:tt)* } @handler [$($p:tt)+] = $f:expr => $h:expr) => {
        $crate::select!(@{ biased = $biased; ($($s)* _) $($t)* ( ($($s)*) [$($p)+] = $f, if true => $h ) })
    };
    // A handler that went on after its block and was not followed by a
    // comma (`{ v }.len() w = b => ..`): said here, or the tokens would be
    // read again as the next branch's pattern, nesting until the
    // compiler's recursion limit.
    (@{ $($state:tt)* } @handler $($r:tt)*) => {
        ::std::compile_error!("select!: a handler that goes on after its block (`{ .. }.f()`, `{ .. }?`) must be followed by a comma, or end the branches")
    };
    (@{ $($state:tt)* } @branch $($r:tt)*) => {
        ::std::compile_error!("select!: expected `pattern = future => handler,` or `pattern = future, if condition => handler,`")
    };
    // A pattern longer than eight tokens: the rest, three tokens a step.
    (@{ $($state:tt)* } @pattern [$($p:tt)*] = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$($p)*] = $($r)*)
    };
    (@{ $($state:tt)* } @pattern [$($p:tt)*] $a:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$($p)* $a] = $($r)*)
    };
    (@{ $($state:tt)* } @pattern [$($p:tt)*] $a:tt $b:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$($p)* $a $b] = $($r)*)
    };
    (@{ $($state:tt)* } @pattern [$($p:tt)*] $a:tt $b:tt $c:tt $($r:tt)+) => {
        $crate::select!(@{ $($state)* } @pattern [$($p)* $a $b $c] $($r)+)
    };
    (@{ $($state:tt)* } @pattern $($r:tt)*) => {
        ::std::compile_error!("select!: a branch is `pattern = future => handler`; no `=` after this pattern")
    };
    // Anything else starts a branch, with its pattern, read as raw tokens
    // up to the `=` (see `pattern.rs`): in this same step when it is at
    // most eight tokens long (`Some(v)` is two, `Ok(v) | Err(v)` five). A
    // branch then costs two steps of the compiler's recursion limit (128).
    (@{ $($state:tt)* } $a:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b $c] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt $d:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b $c $d] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt $d:tt $e:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b $c $d $e] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt $d:tt $e:tt $f:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b $c $d $e $f] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt $d:tt $e:tt $f:tt $g:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b $c $d $e $f $g] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt $d:tt $e:tt $f:tt $g:tt $h:tt = $($r:tt)*) => {
        $crate::select!(@{ $($state)* } @branch [$a $b $c $d $e $f $g $h] = $($r)*)
    };
    (@{ $($state:tt)* } $a:tt $b:tt $c:tt $d:tt $e:tt $f:tt $g:tt $h:tt $($r:tt)+) => {
        $crate::select!(@{ $($state)* } @pattern [$a $b $c $d $e $f $g $h] $($r)+)
    };
    (@{ $($state:tt)* } $($r:tt)*) => {
        ::std::compile_error!("select!: a branch is `pattern = future => handler`; no `=` after this pattern")
    };
    // No branch but `else`: its value, as in tokio. No branch at all: an
    // error that says so.
    ($(biased;)? else => $else:expr $(,)?) => {{
        $else
    }};
    ($(biased;)?) => {
        ::std::compile_error!("select! requires at least one branch")
    };
    (biased; $($t:tt)*) => {
        $crate::select!(@{ biased = true; () } $($t)*)
    };
    ($($t:tt)*) => {
        $crate::select!(@{ biased = false; () } $($t)*)
    };
}
