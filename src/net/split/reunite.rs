//! Owned halves put back together: `reunite` gives the stream back when the
//! two halves came from the same `into_split` (the same `Arc`), and
//! `forget` drops a write half without shutting the write side down.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use super::{Reader, Split, Writer};

/// Two owned halves that did not come from the same stream, handed back by
/// `reunite` ([`net::tcp::ReuniteError`](crate::net::tcp::ReuniteError),
/// [`net::unix::ReuniteError`](crate::net::unix::ReuniteError)).
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// corio::block_on(async {
///     let (a, b) = corio::net::UnixStream::pair()?;
///     let (reader, _) = a.into_split();
///     let (_, writer) = b.into_split();
///     let error = reader.reunite(writer).unwrap_err();
///     assert_eq!(error.to_string(), "tried to reunite the halves of two different streams");
///     let (_reader, _writer) = (error.0, error.1); // both halves come back
///     Ok(())
/// })
/// # }
/// ```
pub struct ReuniteError<T: Split>(pub Reader<Arc<T>>, pub Writer<Arc<T>>);

impl<T: Split> Reader<Arc<T>> {
    /// The stream again, from this read half and the write half of the
    /// same [`into_split`](crate::net::TcpStream::into_split); two halves
    /// of different streams come back in the error.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, b) = corio::net::UnixStream::pair()?;
    ///     let (reader, writer) = a.into_split();
    ///     let (other_reader, other_writer) = b.into_split();
    ///     let mismatched = reader.reunite(other_writer).unwrap_err();
    ///     let (reader, other_writer) = (mismatched.0, mismatched.1);
    ///     let mut a = reader.reunite(writer).expect("the same stream");
    ///     let mut b = other_reader.reunite(other_writer).expect("the same stream");
    ///     a.write_all(b"whole again").await?;
    ///     let mut got = [0; 11];
    ///     b.read_exact(&mut got).await?;
    ///     assert_eq!(&got, b"whole again");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn reunite(self, other: Writer<Arc<T>>) -> Result<T, ReuniteError<T>> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        other.forget();
        // The two halves held the only references to the stream.
        Ok(Arc::into_inner(self.stream).expect("an `into_split` stream has two owners only"))
    }
}

impl<T: Split> Writer<Arc<T>> {
    /// As [`Reader::reunite`], from the write half.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, mut b) = corio::net::UnixStream::pair()?;
    ///     let (reader, writer) = a.into_split();
    ///     let mut a = writer.reunite(reader).expect("the same stream");
    ///     a.write_all(b"!").await?;
    ///     b.read_exact(&mut [0]).await?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn reunite(self, other: Reader<Arc<T>>) -> Result<T, ReuniteError<T>> {
        other.reunite(self)
    }

    /// Drops the write half without shutting the write side down: the
    /// stream closes when the read half is dropped, as tokio's `forget`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// corio::block_on(async {
    ///     let (a, mut b) = corio::net::UnixStream::pair()?;
    ///     let (mut reader, writer) = a.into_split();
    ///     writer.forget();
    ///     b.write_all(b"?").await?;
    ///     reader.read_exact(&mut [0]).await?; // still open for the read half
    ///     drop(reader);
    ///     assert_eq!(b.read(&mut [0; 8]).await?, 0, "closed with the read half");
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

impl<T: Split> fmt::Debug for ReuniteError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<T: Split> fmt::Display for ReuniteError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite the halves of two different streams")
    }
}

impl<T: Split> Error for ReuniteError<T> {}
