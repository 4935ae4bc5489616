//! How the runtime names the threads it starts: a prefix (`thread_name`),
//! or a function of the user's (`thread_name_fn`), called once per thread.
//!
//! A prefix names each thread after its role, so a debugger's or `top -H`'s
//! thread list tells them apart: `corio-worker-0`, `corio-blocking-3`,
//! `corio-watchdog`. Linux gives the OS (and so `top`, gdb and
//! `/proc/*/comm`) only a name's first 15 bytes, which cuts the number off
//! `corio-blocking-3` there (`Thread::name` keeps it whole); a shorter
//! prefix keeps more. A function is tokio's other way: it is asked for a
//! name each time a thread starts (a counter in it numbers them).

use std::fmt;
use std::sync::Arc;

/// A user's thread-naming function.
pub(crate) type NameFn = Arc<dyn Fn() -> String + Send + Sync>;

#[derive(Clone)]
pub(crate) enum ThreadName {
    /// `{prefix}-{role}` for every thread.
    Prefix(Arc<str>),
    /// The user's function, for every thread.
    Made(NameFn),
}

impl ThreadName {
    /// The name of a thread starting in `role` (`worker-0`, `blocking-3`,
    /// `watchdog`).
    ///
    /// It runs on the thread that starts the new one, sometimes with the
    /// blocking pool's lock held: a function that panics must not unwind
    /// through that bookkeeping, so its thread gets the prefix name
    /// instead (the panic message is still printed by the panic hook). A
    /// NUL byte, which the OS cannot take in a name, is dropped.
    pub(crate) fn for_thread(&self, role: fmt::Arguments<'_>) -> String {
        match self {
            ThreadName::Prefix(prefix) => format!("{prefix}-{role}"),
            ThreadName::Made(make) => {
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make())) {
                    Ok(name) if name.contains('\0') => name.replace('\0', ""),
                    Ok(name) => name,
                    Err(payload) => {
                        // Its payload's own drop may panic too.
                        crate::task::discard_panic(payload);
                        format!("corio-{role}")
                    }
                }
            }
        }
    }

    /// The prefix, if a prefix names the threads.
    pub(crate) fn prefix(&self) -> Option<&str> {
        match self {
            ThreadName::Prefix(prefix) => Some(prefix),
            ThreadName::Made(_) => None,
        }
    }
}

impl fmt::Debug for ThreadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadName::Prefix(prefix) => fmt::Debug::fmt(prefix, f),
            ThreadName::Made(_) => f.write_str("<fn>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_names_the_role_and_a_function_is_asked_each_time() {
        let prefix = ThreadName::Prefix(Arc::from("app"));
        assert_eq!(
            prefix.for_thread(format_args!("worker-{}", 1)),
            "app-worker-1"
        );
        let count = std::sync::atomic::AtomicUsize::new(0);
        let made = ThreadName::Made(Arc::new(move || {
            let n = count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("mine-{n}")
        }));
        assert_eq!(made.for_thread(format_args!("watchdog")), "mine-0");
        assert_eq!(made.for_thread(format_args!("watchdog")), "mine-1");
    }

    #[test]
    #[cfg_attr(miri, ignore)] // a panic, caught: slow under Miri
    fn a_function_that_panics_or_names_a_nul_still_gives_a_name() {
        let panics = ThreadName::Made(Arc::new(|| panic!("no name for you")));
        assert_eq!(
            panics.for_thread(format_args!("blocking-{}", 2)),
            "corio-blocking-2"
        );
        let nul = ThreadName::Made(Arc::new(|| "a\0b".to_owned()));
        assert_eq!(nul.for_thread(format_args!("worker-{}", 0)), "ab");
    }

    /// A panic payload whose own drop panics.
    struct Bomb;

    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("the payload's drop panics too");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // two panics, caught: slow under Miri
    fn a_panic_whose_payload_panics_as_it_drops_still_gives_a_name() {
        let bomb = ThreadName::Made(Arc::new(|| std::panic::panic_any(Bomb)));
        assert_eq!(
            bomb.for_thread(format_args!("worker-{}", 0)),
            "corio-worker-0"
        );
    }
}
