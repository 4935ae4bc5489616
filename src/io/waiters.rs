//! `Waiters`: the tasks waiting for one direction of one source.
//!
//! Almost always a single task waits for a descriptor to become readable (and
//! at most one other for writable), so the first waker lives inline and costs
//! no allocation. Several tasks may still wait on the same direction (two
//! tasks calling `readable()` on a shared socket); they go to an overflow
//! vector that is only allocated the first time that happens. A task that
//! polls again with an equivalent waker replaces its own entry rather than
//! adding one, so a task polled in a loop does not grow the list.

use std::task::Waker;

#[derive(Default)]
pub(crate) struct Waiters {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl Waiters {
    /// Adds `waker`, unless an equivalent one is already registered.
    pub(crate) fn register(&mut self, waker: &Waker) {
        let Some(first) = &mut self.first else {
            self.first = Some(waker.clone());
            return;
        };
        if first.will_wake(waker) {
            return;
        }
        if !self.rest.iter().any(|w| w.will_wake(waker)) {
            self.rest.push(waker.clone());
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Moves every waker into `wake`, leaving the list empty.
    pub(crate) fn drain_into(&mut self, wake: &mut Vec<Waker>) {
        if let Some(first) = self.first.take() {
            wake.push(first);
            wake.append(&mut self.rest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;
    use std::task::Wake;

    struct Task;
    impl Wake for Task {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Waker::will_wake is best effort, and Miri makes vtable pointers differ"
    )]
    fn each_task_is_kept_once() {
        let first = Waker::from(Arc::new(Task));
        let second = Waker::from(Arc::new(Task));
        let mut waiters = Waiters::default();
        for _ in 0..10 {
            waiters.register(&first);
            waiters.register(&second.clone());
        }
        let mut wake = Vec::new();
        waiters.drain_into(&mut wake);
        assert_eq!(wake.len(), 2);
        assert!(waiters.is_empty());
    }
}
