//! A TCP relay for outage and replica tests: it forwards each connection to one of its
//! targets in turn (moving on to the next when one refuses, as a layer-4 load balancer
//! does), and can be cut, which drops every open connection and refuses new ones until it
//! is restored. It can also slow its traffic, so a transfer is still running when a test
//! kills what is behind it.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct TcpRelay {
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    targets: Vec<SocketAddr>,
    next: AtomicUsize,
    cut: AtomicBool,
    /// Pause after each 64 KiB forwarded towards the client, in microseconds.
    throttle_us: AtomicU64,
    open: Mutex<Vec<TcpStream>>,
}

const CHUNK: usize = 64 * 1024;

impl TcpRelay {
    pub fn start(targets: &[SocketAddr]) -> TcpRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            targets: targets.to_vec(),
            next: AtomicUsize::new(0),
            cut: AtomicBool::new(false),
            throttle_us: AtomicU64::new(0),
            open: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if accepting.cut.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Some(upstream) = accepting.connect() else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = upstream.set_nodelay(true);
                {
                    let mut open = accepting.open.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(upstream.try_clone().unwrap());
                }
                let (c2, u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let down = Arc::clone(&accepting);
                std::thread::spawn(move || pump(upstream, client, Some(&down)));
                std::thread::spawn(move || pump(c2, u2, None));
            }
        });
        TcpRelay { port, shared }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        for stream in self.shared.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// Pauses this long after every 64 KiB sent to clients (zero: full speed).
    pub fn throttle(&self, pause: Duration) {
        self.shared
            .throttle_us
            .store(pause.as_micros() as u64, Ordering::SeqCst);
    }
}

impl Shared {
    /// The next target that accepts a connection, round robin.
    fn connect(&self) -> Option<TcpStream> {
        for _ in 0..self.targets.len() {
            let i = self.next.fetch_add(1, Ordering::SeqCst) % self.targets.len();
            if let Ok(stream) =
                TcpStream::connect_timeout(&self.targets[i], Duration::from_millis(500))
            {
                return Some(stream);
            }
        }
        None
    }
}

/// Copies `from` to `to` until either side closes, then closes both directions.
fn pump(mut from: TcpStream, mut to: TcpStream, throttled: Option<&Shared>) {
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
        let pause = throttled.map_or(0, |shared| shared.throttle_us.load(Ordering::SeqCst));
        if pause > 0 {
            std::thread::sleep(Duration::from_micros(pause));
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
