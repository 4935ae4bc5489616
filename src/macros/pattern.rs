//! How `select!` reads a branch's pattern, and the copy of it that only
//! tests.
//!
//! `select!` asks twice whether an output matches a branch's pattern:
//! first inside the poll, where the output still sits in the branch's slot
//! and can only be looked at through a reference (a non-matching output
//! disables the branch and must not have been moved), then once the losing
//! futures are dropped, by value, to bind the handler's variables. A
//! pattern such as `Some(mut msg)` is fine the second time and refused the
//! first: `mut` (or `ref`) on a binding matched through a reference would
//! move out of it. So the first test uses a copy of the pattern with its
//! binding modifiers, `mut` and `ref`, taken out, and its reference
//! patterns (`&x`, `&mut x`) too: matched through the reference, `Some(x)`
//! binds what `Some(&x)` would by value, and in Rust 2024 a `&` inside a
//! pattern matched through a reference is refused. It matches the same
//! values. A pattern that is only literals (`"quit"`, `1 | 2`) is the
//! other way round: a literal is not matched through a reference to a
//! reference (`&&str` against `"quit"`), so the test puts a `&` before
//! each.
//!
//! A `macro_rules!` macro cannot look inside a `$p:pat` it has captured, so
//! `select!` collects the pattern as raw tokens, up to the `=` that ends
//! it (a pattern never holds a bare `=` outside brackets), and
//! `__select_test_pattern!` walks those
//! tokens, descending into each bracket with a stack of the levels left
//! open above it. tokio does the same with a procedural macro
//! (`select_priv_clean_pattern`); corio has no procedural macros.
//!
//! Two patterns this cannot clean. One that reaches `select!` as a single
//! `$p:pat` of another macro is one opaque token, so a `mut` inside it
//! stays and the first test refuses it: pass such a pattern as `$($p:tt)+`.
//! And a constant of a reference type alone (`QUIT` for a `const QUIT:
//! &str`) cannot be told from a binding, so it gets no `&` and is refused
//! as a top-level literal string was (tokio's `select!` refuses it too):
//! bind the output and compare it in the handler.

/// Rewrites a pattern's tokens without `mut`, `ref` and `&`, for the test in
/// `select!`. The state is `@ [open levels] [tokens kept] tokens left`;
/// an open level is `(kind [kept before it] [tokens after it])`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_test_pattern {
    // Everything read, nothing open: the cleaned pattern.
    (@ [] [$($kept:tt)*]) => { $($kept)* };
    // The end of a bracket's inside: close it and go on after it.
    (@ [($kind:tt [$($outer:tt)*] [$($after:tt)*]) $($open:tt)*] [$($kept:tt)*]) => {
        $crate::__select_test_pattern!(@close $kind [$($open)*] [$($outer)*] [$($kept)*] $($after)*)
    };
    (@close paren [$($open:tt)*] [$($outer:tt)*] [$($kept:tt)*] $($after:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($outer)* ($($kept)*)] $($after)*)
    };
    (@close bracket [$($open:tt)*] [$($outer:tt)*] [$($kept:tt)*] $($after:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($outer)* [$($kept)*]] $($after)*)
    };
    (@close brace [$($open:tt)*] [$($outer:tt)*] [$($kept:tt)*] $($after:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($outer)* {$($kept)*}] $($after)*)
    };
    // Reference patterns are dropped (`&&` is one token); a `mut` after
    // one (`&mut n`) is then dropped as a modifier would be.
    (@ [$($open:tt)*] [$($kept:tt)*] & $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($kept)*] $($rest)*)
    };
    (@ [$($open:tt)*] [$($kept:tt)*] && $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($kept)*] $($rest)*)
    };
    // The two binding modifiers are dropped.
    (@ [$($open:tt)*] [$($kept:tt)*] mut $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($kept)*] $($rest)*)
    };
    (@ [$($open:tt)*] [$($kept:tt)*] ref $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($kept)*] $($rest)*)
    };
    // A bracket: open a level and read its inside.
    (@ [$($open:tt)*] [$($kept:tt)*] ($($inside:tt)*) $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [(paren [$($kept)*] [$($rest)*]) $($open)*] [] $($inside)*)
    };
    (@ [$($open:tt)*] [$($kept:tt)*] [$($inside:tt)*] $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [(bracket [$($kept)*] [$($rest)*]) $($open)*] [] $($inside)*)
    };
    (@ [$($open:tt)*] [$($kept:tt)*] {$($inside:tt)*} $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [(brace [$($kept)*] [$($rest)*]) $($open)*] [] $($inside)*)
    };
    // Any other token is kept.
    (@ [$($open:tt)*] [$($kept:tt)*] $token:tt $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ [$($open)*] [$($kept)* $token] $($rest)*)
    };
    // The entry. Literals alone are matched through one more reference.
    ($($literal:literal)|+) => {
        $(& $literal)|+
    };
    ($($pattern:tt)*) => {
        $crate::__select_test_pattern!(@ [] [] $($pattern)*)
    };
}
