//! The wheel against a model: a `BTreeSet` of `(when, id)` that is sorted by
//! construction, so its first element is the next deadline and its prefix up
//! to `now` is exactly what must fire.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::{Key, Wheel};

/// A deadline, chosen relative to the wheel's `elapsed` when the op runs.
#[derive(Clone, Debug)]
enum When {
    Ahead(u64),
    Behind(u64),
    Absolute(u64),
    BelowMax(u64),
}

impl When {
    fn at(&self, elapsed: u64) -> u64 {
        match *self {
            When::Ahead(ticks) => elapsed.saturating_add(ticks),
            When::Behind(ticks) => elapsed.saturating_sub(ticks),
            When::Absolute(when) => when,
            When::BelowMax(ticks) => u64::MAX - ticks,
        }
    }
}

/// Where `advance` goes: `Next` is the wheel's own next deadline, the
/// driver's usual move.
#[derive(Clone, Debug)]
enum Now {
    At(When),
    Next,
}

#[derive(Clone, Debug)]
enum Op {
    Insert(When),
    Remove(usize),
    Reset(usize, When),
    Advance(Now),
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        4 => (0..200u64).prop_map(When::Ahead),
        2 => (0..1u64 << 24).prop_map(When::Ahead),
        1 => (0..100u64).prop_map(When::Behind),
        1 => any::<u64>().prop_map(When::Absolute),
        1 => (0..5_000u64).prop_map(When::BelowMax),
    ]
}

/// Timers crowding one far slot in random order, so that its list loses
/// deadline order and `next_deadline` falls back on the cached minimum.
fn crowded_op() -> impl Strategy<Value = Op> {
    let crowd = || (1u64 << 20..(1 << 20) + 500).prop_map(When::Ahead);
    prop_oneof![
        6 => crowd().prop_map(Op::Insert),
        3 => any::<usize>().prop_map(Op::Remove),
        2 => (any::<usize>(), crowd()).prop_map(|(i, w)| Op::Reset(i, w)),
        1 => (0..50u64).prop_map(|ticks| Op::Advance(Now::At(When::Ahead(ticks)))),
        1 => Just(Op::Advance(Now::Next)),
    ]
}

/// Mostly short steps, so that timers pile up; now and then a leap.
fn now() -> impl Strategy<Value = Now> {
    prop_oneof![
        6 => (0..300u64).prop_map(|ticks| Now::At(When::Ahead(ticks))),
        1 => (0..1u64 << 22).prop_map(|ticks| Now::At(When::Ahead(ticks))),
        1 => (0..100u64).prop_map(|ticks| Now::At(When::Behind(ticks))),
        1 => any::<u64>().prop_map(|when| Now::At(When::Absolute(when))),
        3 => Just(Now::Next),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => when().prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Remove),
        2 => (any::<usize>(), when()).prop_map(|(i, w)| Op::Reset(i, w)),
        3 => now().prop_map(Op::Advance),
    ]
}

/// The reference: what is live, and in deadline order.
#[derive(Default)]
struct Model {
    by_deadline: BTreeSet<(u64, u32)>,
    /// `(id, key, when)` of every live timer; the wheel stores the id.
    live: Vec<(u32, Key, u64)>,
    next_id: u32,
}

impl Model {
    fn run(&mut self, wheel: &mut Wheel<u32>, op: &Op) {
        match op {
            Op::Insert(when) => {
                let when = when.at(wheel.elapsed());
                let id = self.next_id;
                self.next_id += 1;
                let key = wheel.insert(when, id);
                self.by_deadline.insert((when, id));
                self.live.push((id, key, when));
            }
            Op::Remove(i) if !self.live.is_empty() => {
                let (id, key, when) = self.live.swap_remove(i % self.live.len());
                assert_eq!(wheel.remove(key), id);
                assert!(self.by_deadline.remove(&(when, id)));
            }
            Op::Reset(i, when) if !self.live.is_empty() => {
                let i = i % self.live.len();
                let (id, key, old) = self.live[i];
                let when = when.at(wheel.elapsed());
                wheel.reset(key, when);
                self.by_deadline.remove(&(old, id));
                self.by_deadline.insert((when, id));
                self.live[i].2 = when;
                assert_eq!(
                    wheel.try_get_mut(key).copied(),
                    Some(id),
                    "reset keeps the value"
                );
            }
            Op::Remove(_) | Op::Reset(..) => {}
            Op::Advance(now) => self.advance(wheel, now),
        }
    }

    fn advance(&mut self, wheel: &mut Wheel<u32>, now: &Now) {
        let now = match now {
            Now::At(when) => when.at(wheel.elapsed()),
            Now::Next => wheel.next_deadline().unwrap_or(u64::MAX),
        };
        let elapsed = now.max(wheel.elapsed());
        let mut fired = Vec::new();
        wheel.advance(now, |key, id| fired.push((id, key)));
        assert_eq!(wheel.elapsed(), elapsed);

        let mut due = Vec::new();
        while let Some(&(when, id)) = self.by_deadline.first()
            && when <= elapsed
        {
            self.by_deadline.pop_first();
            due.push(id);
        }
        due.sort_unstable();
        fired.sort_unstable_by_key(|&(id, _)| id);
        let fired_ids: Vec<u32> = fired.iter().map(|&(id, _)| id).collect();
        assert_eq!(
            fired_ids, due,
            "fired at {elapsed}: none early, none missed"
        );
        for (id, key) in fired {
            let i = self.live.iter().position(|l| l.0 == id).unwrap();
            assert_eq!(self.live.swap_remove(i).1, key, "fired under its own key");
        }
    }

    fn check(&self, wheel: &Wheel<u32>) {
        assert_eq!(wheel.len(), self.live.len());
        assert_eq!(wheel.is_empty(), self.live.is_empty());
        let earliest = self.by_deadline.first().map(|&(when, _)| when);
        assert_eq!(
            wheel.next_deadline(),
            earliest,
            "the real earliest deadline"
        );
        for &(_, key, when) in &self.live {
            assert_eq!(wheel.deadline(key), when);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 6 } else { 1_000 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn matches_the_model(ops in prop::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 300 })) {
        replay(&ops);
    }

    #[test]
    fn matches_the_model_in_a_crowded_slot(
        ops in prop::collection::vec(crowded_op(), 1..if cfg!(miri) { 40 } else { 300 }),
    ) {
        replay(&ops);
    }
}

/// Runs `ops` on a new wheel and on the model, checking after each one,
/// then drains both at the end of time.
fn replay(ops: &[Op]) {
    let mut wheel = Wheel::new();
    let mut model = Model::default();
    for op in ops {
        model.run(&mut wheel, op);
        model.check(&wheel);
    }
    model.advance(&mut wheel, &Now::At(When::Absolute(u64::MAX)));
    assert!(wheel.is_empty());
}

#[test]
fn next_deadline_is_the_real_deadline_not_the_slot_start() {
    let mut wheel = Wheel::new();
    wheel.advance(1_000_000, |_, ()| unreachable!());
    let key = wheel.insert(1_005_000, ());
    wheel.insert(1_004_000, ());
    assert_eq!(wheel.next_deadline(), Some(1_004_000));
    let mut fired = 0;
    wheel.advance(1_004_000, |_, ()| fired += 1);
    assert_eq!(fired, 1);
    // Our timer cascaded from level 2 and still reports its own tick.
    assert_eq!(wheel.next_deadline(), Some(1_005_000));
    wheel.advance(1_004_999, |_, ()| unreachable!());
    wheel.advance(1_005_000, |k, ()| assert_eq!(k, key));
    assert!(wheel.is_empty());
}

#[test]
fn a_saturated_deadline_fires_only_at_u64_max() {
    let mut wheel = Wheel::new();
    wheel.insert(u64::MAX, ());
    assert_eq!(wheel.next_deadline(), Some(u64::MAX));
    wheel.advance(u64::MAX - 1, |_, ()| unreachable!());
    assert_eq!(wheel.next_deadline(), Some(u64::MAX));
    let mut fired = 0;
    wheel.advance(u64::MAX, |_, ()| fired += 1);
    assert_eq!((fired, wheel.elapsed()), (1, u64::MAX));
}

#[test]
fn an_overdue_entry_fires_at_the_next_advance() {
    let mut wheel = Wheel::new();
    wheel.advance(500, |_, ()| unreachable!());
    let key = wheel.insert(10, ());
    assert_eq!(wheel.next_deadline(), Some(10));
    // A stale `now` earlier than `elapsed` still fires what is overdue.
    wheel.advance(400, |k, ()| assert_eq!(k, key));
    assert_eq!((wheel.len(), wheel.elapsed()), (0, 500));
}

#[test]
fn reset_keeps_the_key_and_the_value() {
    let mut wheel = Wheel::new();
    let key = wheel.insert(1 << 40, "waker");
    wheel.reset(key, 7);
    assert_eq!(wheel.deadline(key), 7);
    *wheel.try_get_mut(key).unwrap() = "new waker";
    let mut fired = Vec::new();
    wheel.advance(7, |k, v| fired.push((k, v)));
    assert_eq!(fired, [(key, "new waker")]);
}

#[test]
#[should_panic(expected = "used after its entry was removed or fired")]
fn a_dead_key_panics_with_the_fix() {
    let mut wheel = Wheel::new();
    let key = wheel.insert(1, ());
    wheel.remove(key);
    wheel.remove(key);
}
