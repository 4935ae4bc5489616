//! `select!` at its limit of 64 branches. Each branch costs the macro two
//! steps of the compiler's recursion limit, so a crate with more than about
//! 55 branches in one `select!` raises that limit, as this one does.
#![recursion_limit = "256"]

mod common;

/// 63 branches whose output does not match their pattern (each disabled
/// in turn) and a 64th that matches.
#[test]
#[cfg_attr(miri, ignore)]
fn select_takes_64_branches() {
    let got = common::block_on(async {
        corio::select! {
            Some(mut v) = async { None::<u32> } => { v += 0; v }
            Some(mut v) = async { None::<u32> } => { v += 1; v }
            Some(mut v) = async { None::<u32> } => { v += 2; v }
            Some(mut v) = async { None::<u32> } => { v += 3; v }
            Some(mut v) = async { None::<u32> } => { v += 4; v }
            Some(mut v) = async { None::<u32> } => { v += 5; v }
            Some(mut v) = async { None::<u32> } => { v += 6; v }
            Some(mut v) = async { None::<u32> } => { v += 7; v }
            Some(mut v) = async { None::<u32> } => { v += 8; v }
            Some(mut v) = async { None::<u32> } => { v += 9; v }
            Some(mut v) = async { None::<u32> } => { v += 10; v }
            Some(mut v) = async { None::<u32> } => { v += 11; v }
            Some(mut v) = async { None::<u32> } => { v += 12; v }
            Some(mut v) = async { None::<u32> } => { v += 13; v }
            Some(mut v) = async { None::<u32> } => { v += 14; v }
            Some(mut v) = async { None::<u32> } => { v += 15; v }
            Some(mut v) = async { None::<u32> } => { v += 16; v }
            Some(mut v) = async { None::<u32> } => { v += 17; v }
            Some(mut v) = async { None::<u32> } => { v += 18; v }
            Some(mut v) = async { None::<u32> } => { v += 19; v }
            Some(mut v) = async { None::<u32> } => { v += 20; v }
            Some(mut v) = async { None::<u32> } => { v += 21; v }
            Some(mut v) = async { None::<u32> } => { v += 22; v }
            Some(mut v) = async { None::<u32> } => { v += 23; v }
            Some(mut v) = async { None::<u32> } => { v += 24; v }
            Some(mut v) = async { None::<u32> } => { v += 25; v }
            Some(mut v) = async { None::<u32> } => { v += 26; v }
            Some(mut v) = async { None::<u32> } => { v += 27; v }
            Some(mut v) = async { None::<u32> } => { v += 28; v }
            Some(mut v) = async { None::<u32> } => { v += 29; v }
            Some(mut v) = async { None::<u32> } => { v += 30; v }
            Some(mut v) = async { None::<u32> } => { v += 31; v }
            Some(mut v) = async { None::<u32> } => { v += 32; v }
            Some(mut v) = async { None::<u32> } => { v += 33; v }
            Some(mut v) = async { None::<u32> } => { v += 34; v }
            Some(mut v) = async { None::<u32> } => { v += 35; v }
            Some(mut v) = async { None::<u32> } => { v += 36; v }
            Some(mut v) = async { None::<u32> } => { v += 37; v }
            Some(mut v) = async { None::<u32> } => { v += 38; v }
            Some(mut v) = async { None::<u32> } => { v += 39; v }
            Some(mut v) = async { None::<u32> } => { v += 40; v }
            Some(mut v) = async { None::<u32> } => { v += 41; v }
            Some(mut v) = async { None::<u32> } => { v += 42; v }
            Some(mut v) = async { None::<u32> } => { v += 43; v }
            Some(mut v) = async { None::<u32> } => { v += 44; v }
            Some(mut v) = async { None::<u32> } => { v += 45; v }
            Some(mut v) = async { None::<u32> } => { v += 46; v }
            Some(mut v) = async { None::<u32> } => { v += 47; v }
            Some(mut v) = async { None::<u32> } => { v += 48; v }
            Some(mut v) = async { None::<u32> } => { v += 49; v }
            Some(mut v) = async { None::<u32> } => { v += 50; v }
            Some(mut v) = async { None::<u32> } => { v += 51; v }
            Some(mut v) = async { None::<u32> } => { v += 52; v }
            Some(mut v) = async { None::<u32> } => { v += 53; v }
            Some(mut v) = async { None::<u32> } => { v += 54; v }
            Some(mut v) = async { None::<u32> } => { v += 55; v }
            Some(mut v) = async { None::<u32> } => { v += 56; v }
            Some(mut v) = async { None::<u32> } => { v += 57; v }
            Some(mut v) = async { None::<u32> } => { v += 58; v }
            Some(mut v) = async { None::<u32> } => { v += 59; v }
            Some(mut v) = async { None::<u32> } => { v += 60; v }
            Some(mut v) = async { None::<u32> } => { v += 61; v }
            Some(mut v) = async { None::<u32> } => { v += 62; v }
            v = async { 5u32 } => v,
        }
    });
    assert_eq!(got, 5);
}

/// 64 branches, none of which matches: `else` runs (the all-disabled mask
/// must cover the 64th bit).
#[test]
#[cfg_attr(miri, ignore)]
fn select_of_64_disabled_branches_runs_else() {
    macro_rules! none_64 {
        ($($i:literal)*) => {
            common::block_on(async {
                corio::select! {
                    $( Some(v) = async { None::<u32> } => v + $i, )*
                    else => 99,
                }
            })
        };
    }
    let got = none_64!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
        32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63
    );
    assert_eq!(got, 99);
}
