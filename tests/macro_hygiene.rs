//! The macros' hygiene: `join!`, `try_join!` and `select!` name what they
//! expand to by full path, so a caller's own names (a glob import of
//! look-alike variants, a `stringify!` macro, a module or type named `u64`) do not
//! change or break the expansion.

mod common;

use common::block_on;

/// Variants that shadow the prelude's `Ok`, `Err` and `Some`, as a glob
/// import of a user's enum does.
#[allow(dead_code)]
mod shadowing {
    pub enum Reply {
        Ok,
        Err,
        Some,
    }
}

/// The expansions name `Result` and `Option` variants by full path, so a
/// caller's glob import of look-alike names does not break them.
#[test]
#[cfg_attr(miri, ignore)]
fn the_macros_do_not_use_the_callers_ok_err_and_some() {
    #[allow(unused_imports)]
    use shadowing::Reply::*;
    block_on(async {
        let joined: Result<(u8, u8), ()> =
            corio::try_join!(async { Result::<u8, ()>::Ok(1) }, async {
                Result::<u8, ()>::Ok(2)
            },);
        assert!(matches!(joined, Result::Ok((1, 2))));
        let failed: Result<(u8, u8), &str> =
            corio::try_join!(async { Result::<u8, &str>::Ok(1) }, async {
                Result::<u8, &str>::Err("no")
            },);
        assert!(matches!(failed, Result::Err("no")));
        let got = corio::select! {
            v = async { 7 } => v,
        };
        assert_eq!(got, 7);
    });
}

/// The macros name `stringify!` and the integer limits by full path: a
/// caller's own `stringify!` macro, or a module named `u64` or `u32`, does
/// not change what they expand to.
#[test]
fn the_macros_do_not_use_the_callers_stringify_or_integer_modules() {
    #[allow(unused_macros)]
    macro_rules! stringify {
        ($($t:tt)*) => {
            0
        };
    }
    #[allow(dead_code, non_camel_case_types)]
    mod u64 {}
    #[allow(dead_code, non_camel_case_types)]
    mod u32 {}
    block_on(async {
        let (a, b) = corio::join!(async { 1 }, async { 2 });
        assert_eq!((a, b), (1, 2));
        let both: Result<(u8, u8), ()> = corio::try_join!(async { Ok(3) }, async { Ok(4) });
        assert_eq!(both, Ok((3, 4)));
        let got = corio::select! {
            Some(v) = async { None::<u8> } => v,
            v = async { 9 } => v,
        };
        assert_eq!(got, 9);
        let fallback = corio::select! {
            Some(v) = async { None::<u8> } => v,
            else => 5,
        };
        assert_eq!(fallback, 5);
    });
}

/// The expansions name `u32` and `u64` by full path: a caller's types
/// under those names (an alias, a struct) do not change the masks and
/// counts they declare. Before, `u32` here failed to compile.
#[test]
fn the_macros_do_not_use_the_callers_integer_type_names() {
    #[allow(dead_code, non_camel_case_types)]
    type u32 = u8;
    #[allow(dead_code, non_camel_case_types)]
    struct u64;
    block_on(async {
        let got = corio::select! {
            Some(v) = async { None::<i8> } => v,
            v = async { 9 } => v,
        };
        assert_eq!(got, 9);
    });
}
