//! Slow and piled-up connections: a client that sends headers and a `Content-Length` but
//! never the body is answered `408` at the body deadline and disconnected; one address gets
//! at most `max_connections_per_ip` connections (one more: `503` and closed), and the
//! health probes keep answering meanwhile.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::*;
use crate::common::{spawn_app_with, Backend};

const ATTACKER: [u8; 4] = [127, 0, 0, 2];
const PROBE: [u8; 4] = [127, 0, 0, 3];

/// A connection from `source` (a loopback address of the test's choosing) to the app.
async fn connect_from(app: &TestApp, source: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(IpAddr::from(source), 0))
        .unwrap();
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap()
}

/// Sends the head of a sign-in whose 100-byte body never comes.
async fn hold_body(stream: &mut TcpStream) {
    stream
        .write_all(
            b"POST /v1/auth/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n",
        )
        .await
        .unwrap();
}

/// What the server sends until it closes the connection (or `within` passes).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut got)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn slow_bodies_time_out_and_one_address_cannot_take_every_connection() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.max_connections_per_ip = 20;
        s.server.body_read_timeout_secs = 2;
    })
    .await;
    let started = Instant::now();
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut stream = connect_from(&app, ATTACKER).await;
        hold_body(&mut stream).await;
        held.push(stream);
    }
    // Once the server counts them all (accepting is not instant under load), one more
    // from the same address is refused at once and closed.
    let counting = Instant::now();
    while app.connections.open_from(IpAddr::from(ATTACKER)) < 20 {
        assert!(
            counting.elapsed() < Duration::from_secs(5),
            "the server counts connections"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut over = connect_from(&app, ATTACKER).await;
    hold_body(&mut over).await;
    let refused = read_until_closed(&mut over, Duration::from_secs(5))
        .await
        .expect("the connection over the cap is closed at once");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("too-many-connections"), "{refused}");

    // Meanwhile another address is served, and probes answer even from the attacker's.
    let probe = reqwest::Client::builder()
        .local_address(IpAddr::from(PROBE))
        .build()
        .unwrap();
    let asked = Instant::now();
    let health = probe.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert_eq!(
        probe.get(app.url("/readyz")).send().await.unwrap().status(),
        200
    );
    let mut probe_over_cap = connect_from(&app, ATTACKER).await;
    probe_over_cap
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answered = read_until_closed(&mut probe_over_cap, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");

    // At the body deadline every held request is answered 408 and disconnected.
    for stream in &mut held {
        let answer = read_until_closed(stream, Duration::from_secs(5))
            .await
            .expect("a held connection is closed at the body deadline");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request-timeout"), "{answer}");
    }
    assert!(started.elapsed() >= Duration::from_secs(2));
    let closing = Instant::now();
    while app.connections.open_from(IpAddr::from(ATTACKER)) > 0 {
        assert!(
            closing.elapsed() < Duration::from_secs(3),
            "closed connections are let go"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut fresh = connect_from(&app, ATTACKER).await;
    fresh
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let served = read_until_closed(&mut fresh, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(
        served.starts_with("HTTP/1.1 200"),
        "the address may connect again"
    );
}
