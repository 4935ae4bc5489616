//! `select!` branch patterns that a `match` on the output accepts, and that
//! the copy of the pattern `select!` tests inside its poll (through a
//! reference, with binding modifiers and reference patterns taken out)
//! must accept too: literals alone, reference patterns inside a pattern,
//! and `&` or `mut` inside a path's generic arguments, which belong to a
//! type and stay.

mod common;

use common::block_on;

/// Literals alone (a string's is matched through one more reference in
/// the test), and reference patterns inside a pattern (refused, in Rust
/// 2024, matched through that reference). Neither compiled before.
#[test]
#[cfg_attr(miri, ignore)]
fn select_patterns_may_be_literals_or_hold_reference_patterns() {
    static FIVE: u32 = 5;
    block_on(async {
        let got = corio::select! {
            biased;
            "quit" = async { "go on" } => 1,
            | "stop" | "quit" = async { "quit" } => 2,
        };
        assert_eq!(got, 2, "the first branch's \"go on\" disabled it");
        let got = corio::select! {
            biased;
            Some(&n) = async { None::<&u32> } => n + 1,
            Some(&n) = async { Some(&FIVE) } => n,
        };
        assert_eq!(got, 5);
        let mut two = 2;
        let two = &mut two;
        let got = corio::select! {
            (&a, &mut b) = async move { (&1, two) } => a + b,
        };
        assert_eq!(got, 3);
        let got = corio::select! {
            biased;
            n @ 1..=4 = async { 7 } => n,
            n @ (5 | 7) = async { 7 } => n * 10,
        };
        assert_eq!(got, 70);
    });
}

/// A variant named through its enum's generic arguments keeps them whole
/// in the test: `Tagged::<&str>::Named(s)` and `Tagged::<Option<&mut u8>>`
/// (with a `>>`), whose `&` and `mut` are a type's, not a pattern's. The
/// first version of the reference-pattern change dropped them.
#[test]
#[cfg_attr(miri, ignore)]
fn select_patterns_keep_generic_arguments_whole() {
    #[allow(dead_code)] // `Nothing` is only matched against
    enum Tagged<T> {
        Named(T),
        Nothing,
    }
    block_on(async {
        let got = corio::select! {
            biased;
            Tagged::<&str>::Nothing = async { Tagged::<&str>::Named("x") } => "nothing",
            Tagged::<&str>::Named(s) = async { Tagged::Named("x") } => s,
        };
        assert_eq!(got, "x");
        let mut byte = 1u8;
        let got = corio::select! {
            Tagged::<Option<&mut u8>>::Named(Some(b)) = async { Tagged::Named(Some(&mut byte)) } => {
                *b += 1;
                *b
            }
        };
        assert_eq!(got, 2);
    });
}

/// A reference pattern before a slice or an array pattern (`&[a, b]`,
/// `Some(&[first, ..])`): the walk read the `&`'s next token, a bracket,
/// as its own state and never finished (a recursion-limit error at
/// compile time).
#[test]
#[cfg_attr(miri, ignore)]
fn select_patterns_may_put_a_reference_before_a_slice() {
    static PAIR: [u32; 2] = [1, 2];
    let bytes = [9u8, 8, 7];
    block_on(async {
        let got = corio::select! {
            &[a, b] = async { &PAIR } => a + b,
        };
        assert_eq!(got, 3);
        let got = corio::select! {
            biased;
            Some(&[first, .., 7]) = async { bytes.get(..2) } => u32::from(first),
            Some(&[first, ..]) = async { bytes.get(..3) } => u32::from(first) * 10,
        };
        assert_eq!(got, 90, "the first branch's [9, 8] does not end in 7");
    });
}
