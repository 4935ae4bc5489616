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
//! values. A reference pattern's `&` is told from a type's (`Tagged::<&str>
//! ::Named(s)`) by where it stands: only where a pattern may start (first,
//! or after a bracket, `,`, `|`, `@` or a field's `:`), and never inside a
//! path's generic arguments, whose `<` and `>` the walk counts. A pattern
//! that is only literals (`"quit"`, `1 | 2`) is the other way round: a
//! literal is not matched through a reference to a reference (`&&str`
//! against `"quit"`), so the test puts a `&` before each.
//!
//! A `macro_rules!` macro cannot look inside a `$p:pat` it has captured, so
//! `select!` collects the pattern as raw tokens, up to the `=` that ends
//! it (a pattern never holds a bare `=` outside brackets), and
//! `__select_test_pattern!` walks those
//! tokens, descending into each bracket with a stack of the levels left
//! open above it. tokio does the same with a procedural macro
//! (`select_priv_clean_pattern`); corio has no procedural macros.
//!
//! What this cannot clean, where the first test refuses a pattern a
//! `match` takes (bind the output and compare it in the handler). A
//! pattern that reaches `select!` as a single `$p:pat` of another macro is
//! one opaque token, and a macro call in a pattern (`msg!(v)`) expands
//! after the walk, so a `mut`, a `&` or a lone literal inside either stays
//! as it is: pass such a pattern as `$($p:tt)+`. A constant cannot be told
//! from a binding, and rustc matches a constant through no reference: one
//! alone (`u32::MAX`, `STOP`, as in tokio's `select!`) or behind a `&`
//! inside a pattern (`Some(&STOP)`, whose `&` is dropped as a binding's
//! would be) is refused. In Rust 2024 a literal behind a `&` inside a
//! pattern (`Some(&0)`) keeps its `&` and is refused as before. A `&`
//! before a bracket goes, whatever the bracket holds, so string literals
//! in it (`Some(&("a" | "b"))`) are compared with a `&&str` and refused.

/// Rewrites a pattern's tokens without `mut`, `ref` and reference patterns,
/// for the test in `select!`. The state is `@ start [generics] [open levels]
/// [tokens kept] tokens left`: `start` says whether a pattern may start at
/// the next token (where a `&` is a reference pattern), `generics` holds one
/// `<` for each generic argument list open at this point (inside one, a
/// `&` or `mut` belongs to a type and stays), and an open level is `(kind
/// [kept before it] [tokens after it] [generics around it])`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_test_pattern {
    // Where a pattern starts, a reference pattern is dropped (`&&` is one
    // token; a `mut` after it, `&mut n`, is dropped as a modifier would
    // be), unless a literal follows: `Some(&"quit")` keeps its `&`, as a
    // string literal is not matched through a reference. The token is
    // passed on twice, one copy to test and one to keep: a `&` written
    // here, or a literal passed on as a `literal` fragment, would carry
    // this crate's edition into the caller's pattern, and Rust 2024's
    // rules with it. These rules come first: `@literal [a, b] ...` (from
    // `&[a, b]`) would else read as the state `@ literal [generics] ...`
    // and open a bracket level that never closes.
    (@start & [$amp:tt] [$($open:tt)*] [$($kept:tt)*] - $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [] [$($open)*] [$($kept)* $amp] - $($rest)*)
    };
    (@start & [$amp:tt] [$($open:tt)*] [$($kept:tt)*] $next:tt $($rest:tt)*) => {
        $crate::__select_test_pattern!(@literal $next [$amp $next] [$($open)*] [$($kept)*] $($rest)*)
    };
    (@start && [$amp:tt] [$($open:tt)*] [$($kept:tt)*] - $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [] [$($open)*] [$($kept)* $amp] - $($rest)*)
    };
    (@start && [$amp:tt] [$($open:tt)*] [$($kept:tt)*] $next:tt $($rest:tt)*) => {
        $crate::__select_test_pattern!(@literal $next [$amp $next] [$($open)*] [$($kept)*] $($rest)*)
    };
    // Not a reference pattern: on as any token.
    (@start $other:tt [$first:tt] [$($open:tt)*] [$($kept:tt)*] $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [] [$($open)*] [$($kept)*] $first $($rest)*)
    };
    // A literal after the `&`: both kept.
    (@literal $literal:literal [$amp:tt $next:tt] [$($open:tt)*] [$($kept:tt)*] $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [] [$($open)*] [$($kept)* $amp $next] $($rest)*)
    };
    // Anything else: the `&` goes, and a pattern starts at what follows.
    (@literal $other:tt [$amp:tt $next:tt] [$($open:tt)*] [$($kept:tt)*] $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [] [$($open)*] [$($kept)*] $next $($rest)*)
    };
    // A bracket's inside is read: close it and go on after it.
    (@close paren [$($ga:tt)*] [$($open:tt)*] [$($outer:tt)*] [$($kept:tt)*] $($after:tt)*) => {
        $crate::__select_test_pattern!(@ no [$($ga)*] [$($open)*] [$($outer)* ($($kept)*)] $($after)*)
    };
    (@close bracket [$($ga:tt)*] [$($open:tt)*] [$($outer:tt)*] [$($kept:tt)*] $($after:tt)*) => {
        $crate::__select_test_pattern!(@ no [$($ga)*] [$($open)*] [$($outer)* [$($kept)*]] $($after)*)
    };
    (@close brace [$($ga:tt)*] [$($open:tt)*] [$($outer:tt)*] [$($kept:tt)*] $($after:tt)*) => {
        $crate::__select_test_pattern!(@ no [$($ga)*] [$($open)*] [$($outer)* {$($kept)*}] $($after)*)
    };
    // Everything read, nothing open: the cleaned pattern.
    (@ $s:ident [$($g:tt)*] [] [$($kept:tt)*]) => { $($kept)* };
    // The end of a bracket's inside.
    (@ $s:ident [$($g:tt)*] [($kind:ident [$($outer:tt)*] [$($after:tt)*] [$($ga:tt)*]) $($open:tt)*] [$($kept:tt)*]) => {
        $crate::__select_test_pattern!(@close $kind [$($ga)*] [$($open)*] [$($outer)*] [$($kept)*] $($after)*)
    };
    // A bracket: open a level and read its inside (inside generic
    // arguments, `Foo::<(u8, &str)>`, it is inside them too).
    (@ $s:ident [$($g:tt)*] [$($open:tt)*] [$($kept:tt)*] ($($inside:tt)*) $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [$($g)*] [(paren [$($kept)*] [$($rest)*] [$($g)*]) $($open)*] [] $($inside)*)
    };
    (@ $s:ident [$($g:tt)*] [$($open:tt)*] [$($kept:tt)*] [$($inside:tt)*] $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [$($g)*] [(bracket [$($kept)*] [$($rest)*] [$($g)*]) $($open)*] [] $($inside)*)
    };
    (@ $s:ident [$($g:tt)*] [$($open:tt)*] [$($kept:tt)*] {$($inside:tt)*} $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [$($g)*] [(brace [$($kept)*] [$($rest)*] [$($g)*]) $($open)*] [] $($inside)*)
    };
    // Generic arguments open and close (`<<` and `>>` are one token each).
    (@ $s:ident [$($g:tt)*] [$($open:tt)*] [$($kept:tt)*] < $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [< $($g)*] [$($open)*] [$($kept)* <] $($rest)*)
    };
    (@ $s:ident [$($g:tt)*] [$($open:tt)*] [$($kept:tt)*] << $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [< < $($g)*] [$($open)*] [$($kept)* <<] $($rest)*)
    };
    (@ $s:ident [$g0:tt $($g:tt)*] [$($open:tt)*] [$($kept:tt)*] > $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [$($g)*] [$($open)*] [$($kept)* >] $($rest)*)
    };
    (@ $s:ident [$g0:tt $g1:tt $($g:tt)*] [$($open:tt)*] [$($kept:tt)*] >> $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [$($g)*] [$($open)*] [$($kept)* >>] $($rest)*)
    };
    // Inside generic arguments every other token is a type's: kept.
    (@ $s:ident [$g0:tt $($g:tt)*] [$($open:tt)*] [$($kept:tt)*] $token:tt $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [$g0 $($g)*] [$($open)*] [$($kept)* $token] $($rest)*)
    };
    // The two binding modifiers are dropped.
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] mut $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ $s [] [$($open)*] [$($kept)*] $($rest)*)
    };
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] ref $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ $s [] [$($open)*] [$($kept)*] $($rest)*)
    };
    // A pattern may start here: the `@start` rules above look at its
    // first token.
    (@ yes [] [$($open:tt)*] [$($kept:tt)*] $first:tt $($rest:tt)*) => {
        $crate::__select_test_pattern!(@start $first [$first] [$($open)*] [$($kept)*] $($rest)*)
    };
    // After these a pattern starts: the next field, alternative, the
    // pattern bound by `@`, or a struct field's.
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] , $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [] [$($open)*] [$($kept)* ,] $($rest)*)
    };
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] | $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [] [$($open)*] [$($kept)* |] $($rest)*)
    };
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] @ $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [] [$($open)*] [$($kept)* @] $($rest)*)
    };
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] : $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ yes [] [$($open)*] [$($kept)* :] $($rest)*)
    };
    // Any other token is kept.
    (@ $s:ident [] [$($open:tt)*] [$($kept:tt)*] $token:tt $($rest:tt)*) => {
        $crate::__select_test_pattern!(@ no [] [$($open)*] [$($kept)* $token] $($rest)*)
    };
    // The entry. Literals alone are matched through one more reference.
    ($(|)? $($literal:literal)|+) => {
        $(& $literal)|+
    };
    ($($pattern:tt)*) => {
        $crate::__select_test_pattern!(@ yes [] [] [] $($pattern)*)
    };
}
