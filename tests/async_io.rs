//! `io::Async` over descriptors that are not sockets, and its registration
//! lifecycle.

mod common;

use std::io::{Read, Write};

use common::block_on;
use corio::io::Async;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

#[test]
#[cfg_attr(miri, ignore)]
fn a_pipe_reads_and_writes_asynchronously() {
    block_on(async {
        let (reader, writer) = std::io::pipe().unwrap();
        let mut reader = Async::new(reader).unwrap();
        let mut writer = Async::new(writer).unwrap();

        // Fill the pipe until a write would block, so the writer must wait
        // for the reader to drain it.
        let chunk = vec![7u8; 64 * 1024];
        let total = 1024 * 1024;
        let write = async {
            let mut sent = 0;
            while sent < total {
                sent += writer.write(&chunk).await.unwrap();
            }
            writer.close().await.unwrap();
            drop(writer);
            sent
        };
        let read = async {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).await.unwrap();
            all
        };
        let (sent, all) = futures_lite::future::zip(write, read).await;
        assert_eq!(all.len(), sent);
        assert!(all.iter().all(|&b| b == 7));
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn read_with_waits_for_readiness() {
    block_on(async {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = Async::new(reader).unwrap();
        let read = async {
            let mut buf = [0; 4];
            let n = reader.read_with(|mut r| r.read(&mut buf)).await.unwrap();
            buf[..n].to_vec()
        };
        let write = async {
            futures_lite::future::yield_now().await;
            writer.write_all(b"pipe").unwrap();
        };
        let (got, ()) = futures_lite::future::zip(read, write).await;
        assert_eq!(got, b"pipe");
    });
}
