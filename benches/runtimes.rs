//! The scheduler rows of `cargo run --example versus`, as criterion groups:
//! one group per workload, corio, tokio and smol side by side with two
//! workers each. The workload code is the example's, included by path, so
//! the table and the benches measure the same thing.

#[path = "../examples/versus/workload/mod.rs"]
mod workload;

use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use workload::{
    ChainedSpawn, Contender, Corio, PingPong, Smol, SpawnMany, SpawnManyRemote, Tokio, Workload,
    YieldMany,
};

const WORKERS: usize = 2;

/// One criterion group for `W`, named after it, with a bench per contender.
fn group<W: Workload>(c: &mut Criterion) {
    let mut group = c.benchmark_group(W::NAME);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(W::OPS));
    bench::<W, Corio>(&mut group);
    bench::<W, Tokio>(&mut group);
    bench::<W, Smol>(&mut group);
    group.finish();
}

fn bench<W: Workload, C: Contender>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = C::start(WORKERS).unwrap_or_else(|e| panic!("{} failed to start: {e}", C::NAME));
    group.bench_function(C::NAME, |b| b.iter(|| W::run(&rt)));
}

fn scheduler(c: &mut Criterion) {
    group::<SpawnMany>(c);
    group::<SpawnManyRemote>(c);
    group::<YieldMany>(c);
    group::<PingPong>(c);
    group::<ChainedSpawn>(c);
}

criterion_group!(benches, scheduler);
criterion_main!(benches);
