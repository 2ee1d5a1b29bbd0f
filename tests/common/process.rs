//! Processes the tests run: `modelgate` itself (killed with the test), helper servers, and
//! the ports they listen on.

use std::path::Path;

/// A child process that is killed and reaped when dropped, so a failing test never leaves
/// a server or client running (an orphan would hold the test run's output pipe open).
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    pub fn spawn(command: &mut std::process::Command) -> Self {
        Self(command.spawn().unwrap())
    }
}

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// A `modelgate` command on `data_dir` with quiet logs, on the data directory's SQLite
/// whatever the environment says.
pub fn modelgate(data_dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .env_remove("MODELGATE__DATABASE__URL");
    command
}

/// Spawns a `modelgate serve` command with its stdout piped and waits for the line naming
/// its URL; returns the process, the URL and what it printed before.
pub fn serve_process(command: &mut std::process::Command) -> (KillOnDrop, String, Vec<String>) {
    use std::io::BufRead;
    let mut child = KillOnDrop::spawn(
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit()),
    );
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("serve printed its URL").unwrap();
        if let Some(url) = line.strip_prefix("modelgate is serving on ") {
            break url.trim().to_string();
        }
        printed.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url, printed)
}

/// A loopback port free at the moment, for a helper process to listen on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (up to 20 s) until something accepts connections on loopback `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
