//! The rows of `cargo run --example versus`, as criterion groups: one group
//! per workload, with a bench for corio, tokio and smol on each flavour
//! (multi-thread with two workers each, and current-thread). The workload
//! code is the example's, included by path, so the table and the benches
//! measure the same thing.
//!
//! `timers` reports lateness, not run time: its benches time themselves
//! with `iter_custom`, summing each run's mean (or p99) lateness.
//! `idle_tasks` times the life of 100,000 parked tasks (spawn, park, wake,
//! finish); their memory is measured by `versus` only, one child process per
//! runtime. `block_in_place` is a group of its own, corio against tokio:
//! no row of the table.

#[path = "../examples/versus/workload/mod.rs"]
mod workload;

use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use workload::{
    ChainedSpawn, Contender, CurrentThread, EchoFigures, Flavour, IdleTasks, Lateness, MpmcChannel,
    MultiThread, PingPong, SemaphoreContention, SpawnMany, SpawnManyRemote, SpscChannel, TcpEcho,
    TimerChurn, Timers, Workload, YieldMany,
};

const WORKERS: usize = 2;

/// Starts `C`, panicking with its name if it cannot.
fn start<C: Contender>() -> C {
    C::start(WORKERS).unwrap_or_else(|e| panic!("{} failed to start: {e}", C::NAME))
}

/// A group's settings: few samples, since a run is already many operations.
fn configured<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

/// One criterion group for `W`, named after it, with a bench per contender
/// and flavour.
fn group<W: Workload>(c: &mut Criterion) {
    let mut group = configured(c, W::NAME);
    group.throughput(Throughput::Elements(W::OPS));
    columns::<W, MultiThread>(&mut group);
    columns::<W, CurrentThread>(&mut group);
    group.finish();
}

fn columns<W: Workload, F: Flavour>(group: &mut BenchmarkGroup<'_, WallTime>) {
    bench::<W, F, F::Corio>(group);
    bench::<W, F, F::Tokio>(group);
    bench::<W, F, F::Smol>(group);
}

fn bench<W: Workload, F: Flavour, C: Contender>(group: &mut BenchmarkGroup<'_, WallTime>) {
    if let Some(why) = workload::unsupported::<W, C>() {
        eprintln!("{}/{} {}: skipped: {why}", W::NAME, C::NAME, F::NAME);
        return;
    }
    let rt = start::<C>();
    group.bench_function(format!("{} {}", C::NAME, F::NAME), |b| {
        b.iter(|| W::run(&rt))
    });
}

/// The `timers` group: a bench of mean and one of p99 lateness per
/// contender and flavour.
fn timers(c: &mut Criterion) {
    let mut group = configured(c, Timers::NAME);
    lateness::<MultiThread>(&mut group);
    lateness::<CurrentThread>(&mut group);
    group.finish();
}

fn lateness<F: Flavour>(group: &mut BenchmarkGroup<'_, WallTime>) {
    lateness_of::<F, F::Corio>(group);
    lateness_of::<F, F::Tokio>(group);
    lateness_of::<F, F::Smol>(group);
}

fn lateness_of<F: Flavour, C: Contender>(group: &mut BenchmarkGroup<'_, WallTime>) {
    /// Picks one figure out of a run's lateness.
    type Pick = fn(&Lateness) -> Duration;
    let rt = start::<C>();
    let figures: [(&str, Pick); 2] = [("mean", |l| l.mean), ("p99", |l| l.p99)];
    for (label, figure) in figures {
        group.bench_function(format!("{} {} {label}", C::NAME, F::NAME), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| figure(&Timers::lateness(&rt))).sum())
        });
    }
}

/// The `tcp_echo` group: one run of 50 connections (or
/// `VERSUS_TCP_CONNECTIONS`) x 2,000 round trips, per contender and
/// flavour.
fn net(c: &mut Criterion) {
    let connections = TcpEcho::connections().unwrap_or_else(|e| panic!("{e}"));
    let mut group = configured(c, TcpEcho::NAME);
    echo::<MultiThread>(&mut group, connections);
    echo::<CurrentThread>(&mut group, connections);
    group.finish();
}

fn echo<F: Flavour>(group: &mut BenchmarkGroup<'_, WallTime>, connections: usize) {
    echo_of::<F, F::Corio>(group, connections);
    echo_of::<F, F::Tokio>(group, connections);
    echo_of::<F, F::Smol>(group, connections);
}

fn echo_of<F: Flavour, C: Contender>(group: &mut BenchmarkGroup<'_, WallTime>, connections: usize) {
    /// Picks one figure out of a run.
    type Pick = fn(&EchoFigures) -> Duration;
    let rt = start::<C>();
    let figures: [(&str, Pick); 2] = [("per trip", |e| e.per_round_trip), ("p99", |e| e.p99)];
    let run = |rt: &C| TcpEcho::run_trips(rt, connections, TcpEcho::ROUND_TRIPS);
    for (label, figure) in figures {
        group.bench_function(format!("{} {} {label}", C::NAME, F::NAME), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| figure(&run(&rt))).sum())
        });
    }
}

fn scheduler(c: &mut Criterion) {
    group::<SpawnMany>(c);
    group::<SpawnManyRemote>(c);
    group::<YieldMany>(c);
    group::<PingPong>(c);
    group::<ChainedSpawn>(c);
}

fn time(c: &mut Criterion) {
    group::<TimerChurn>(c);
    timers(c);
}

fn sync(c: &mut Criterion) {
    group::<SpscChannel>(c);
    group::<MpmcChannel>(c);
    group::<SemaphoreContention>(c);
}

fn memory(c: &mut Criterion) {
    group::<IdleTasks>(c);
}

/// Calls of `block_in_place` a run makes.
const HAND_OVERS: u32 = 1_000;

/// `block_in_place` with a closure that returns at once: the cost of
/// handing a worker's core to another thread and taking it back, on the
/// multi-thread runtimes (smol has no such call, and a current-thread
/// runtime refuses it). Not a row of `versus`: outside the performance table.
fn block_in_place(c: &mut Criterion) {
    let mut group = configured(c, "block_in_place");
    group.throughput(Throughput::Elements(u64::from(HAND_OVERS)));
    let corio = corio::Runtime::builder()
        .worker_threads(WORKERS)
        .build()
        .unwrap();
    group.bench_function("corio multi-thread", |b| {
        b.iter(|| {
            corio.block_on(async {
                corio::spawn(async {
                    for i in 0..HAND_OVERS {
                        corio::task::block_in_place(|| std::hint::black_box(i));
                        corio::task::yield_now().await;
                    }
                })
                .await
                .unwrap();
            })
        })
    });
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap();
    group.bench_function("tokio multi-thread", |b| {
        b.iter(|| {
            tokio.block_on(async {
                tokio::spawn(async {
                    for i in 0..HAND_OVERS {
                        tokio::task::block_in_place(|| std::hint::black_box(i));
                        tokio::task::yield_now().await;
                    }
                })
                .await
                .unwrap();
            })
        })
    });
    group.finish();
}

criterion_group!(benches, scheduler, time, sync, net, memory, block_in_place);
criterion_main!(benches);
