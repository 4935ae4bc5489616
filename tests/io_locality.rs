//! A worker that runs out of tasks takes the I/O that is ready before it
//! steals from the other worker (`scheduler/worker.rs`,
//! `look_at_io_first`): an echo's two ends then mostly stay on the worker
//! that runs them, instead of being stolen back and forth.

mod common;

use corio::net::UnixStream;

/// Echo pairs, and round trips per pair (`tcp_echo`'s 50 connections).
const PAIRS: usize = 50;
const TRIPS: usize = 1_000;

fn steals(rt: &corio::Runtime) -> u64 {
    rt.metrics().worker.iter().map(|w| w.steals).sum()
}

fn parks(rt: &corio::Runtime) -> u64 {
    rt.metrics().worker.iter().map(|w| w.parks).sum()
}

/// Fifty clients each send a byte to their server and wait for it back, a
/// thousand times. Every write makes the peer's socket ready while the
/// writer's worker still runs; the worker that runs dry next finds those
/// events in the driver and runs the peers itself. In a debug build that
/// took 1,440-1,530 steals (and 650-840 parks) for the 50,000 trips;
/// stealing before looking at the driver took 3,960-4,430 (and 2,750-2,820
/// parks).
#[test]
fn echo_pairs_are_not_stolen_at_every_turn() {
    let rt = common::two_workers();
    let (steals_before, parks_before) = (steals(&rt), parks(&rt));
    rt.block_on(common::bounded(async {
        let mut clients = Vec::new();
        for _ in 0..PAIRS {
            let (mut client, mut server) = UnixStream::pair().unwrap();
            corio::spawn(async move {
                let mut byte = [0u8; 1];
                while server.read_exact(&mut byte).await.is_ok() {
                    if server.write_all(&byte).await.is_err() {
                        break;
                    }
                }
            });
            clients.push(corio::spawn(async move {
                let mut byte = [0u8; 1];
                for i in 0..TRIPS {
                    client.write_all(&[i as u8]).await.unwrap();
                    client.read_exact(&mut byte).await.unwrap();
                    assert_eq!(byte[0], i as u8, "the echo came back");
                }
            }));
        }
        for client in clients {
            client.await.unwrap();
        }
    }));
    let stolen = steals(&rt) - steals_before;
    let parked = parks(&rt) - parks_before;
    let trips = (PAIRS * TRIPS) as u64;
    assert!(
        stolen < trips / 20,
        "{stolen} steals (and {parked} parks) for {trips} round trips"
    );
}
