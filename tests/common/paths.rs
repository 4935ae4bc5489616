//! Paths a test makes in the temp dir and removes when it ends: a
//! directory for the file tests, a socket path for the Unix ones.

/// A fresh directory per test, removed when the test ends.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("corio-fs-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh socket path in the temp dir, removed on drop.
#[allow(dead_code, reason = "only the Unix socket tests use it")]
pub struct SocketPath(pub std::path::PathBuf);

#[allow(dead_code, reason = "only the Unix socket tests use it")]
impl SocketPath {
    pub fn new(name: &str) -> SocketPath {
        let path = std::env::temp_dir().join(format!("corio-{name}-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        SocketPath(path)
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
