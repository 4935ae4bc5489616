//! The cooperative budget under tokio's path, `task::coop` (see `budget.rs`
//! for how it works): the same items as at `task`'s root, plus a look at
//! what is left.

pub use super::budget::{Unconstrained, consume_budget, unconstrained};

/// Whether the current task still has budget left: if not, its next
/// ready-to-go leaf future (a receive with a message waiting, a read with
/// bytes waiting) yields first. Always `true` outside a corio task and
/// inside [`unconstrained`].
///
/// # Examples
///
/// ```
/// use corio::task::coop::{consume_budget, has_budget_remaining};
///
/// assert!(has_budget_remaining(), "outside a task: no budget to spend");
/// corio::block_on(async {
///     assert!(has_budget_remaining());
///     let mut spent = 0;
///     while has_budget_remaining() {
///         consume_budget().await;
///         spent += 1;
///     }
///     assert_eq!(spent, 128, "a task's budget per poll");
/// });
/// ```
pub fn has_budget_remaining() -> bool {
    super::budget::has_remaining()
}
