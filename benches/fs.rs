//! The `fs` criterion group: 1,000 reads of a 4 KiB file, one after another,
//! on corio and on tokio (two workers each), the shape of tokio's own fs
//! benchmark. A regular file cannot go through the reactor, so every read is
//! one round trip to the blocking pool: this measures that hop.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const READS: u64 = 1_000;
const FILE_SIZE: usize = 4 * 1024;
const WORKERS: usize = 2;

fn fs(c: &mut Criterion) {
    let path = std::env::temp_dir().join(format!("corio-bench-fs-{}", std::process::id()));
    std::fs::write(&path, vec![7; FILE_SIZE]).expect("cannot write the bench file");

    let mut group = c.benchmark_group("fs");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(READS));

    let corio = corio::Runtime::builder()
        .worker_threads(WORKERS)
        .build()
        .expect("corio failed to start");
    group.bench_function("corio", |b| {
        b.iter(|| {
            corio.block_on(async {
                for _ in 0..READS {
                    let data = corio::fs::read(&path).await.unwrap();
                    assert_eq!(data.len(), FILE_SIZE);
                }
            })
        })
    });

    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio failed to start");
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio.block_on(async {
                for _ in 0..READS {
                    let data = tokio::fs::read(&path).await.unwrap();
                    assert_eq!(data.len(), FILE_SIZE);
                }
            })
        })
    });

    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, fs);
criterion_main!(benches);
