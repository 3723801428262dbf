//! moto in server mode, shared by the test targets that use it (`aws`,
//! `conformance`): its address and reset, the SDK configuration, and a
//! fault-injecting proxy of our own between the SDK and moto (throttling
//! responses, 503s, latency).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use strata_aws::sdk::aws_config::{self, BehaviorVersion, SdkConfig};

static MOTO: Mutex<()> = Mutex::new(());

/// moto's endpoint, from `AWS_ENDPOINT_URL` (set by `scripts/moto.sh`).
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").expect(
        "AWS_ENDPOINT_URL is not set: run these tests with scripts/moto.sh, which starts moto",
    )
}

/// Takes moto for this test (tests share one server) and resets it.
pub fn moto() -> MutexGuard<'static, ()> {
    let guard = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let url = endpoint();
    let hostport = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(hostport).unwrap();
    write!(
        s,
        "POST /moto-api/reset HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"),
        "{reply}"
    );
    guard
}

/// The SDK configuration for moto (from the environment).
pub async fn sdk() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body).
pub fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

/// Forwards one request to moto on a fresh connection and returns the whole response.
pub fn forward(upstream: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).ok()?;
    // Ask moto to close after answering, so the response ends at EOF.
    let text = String::from_utf8_lossy(request);
    let head_end = text.find("\r\n\r\n")? + 4;
    let mut head: Vec<String> = text[..head_end - 4]
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(str::to_string)
        .collect();
    head.push("Connection: close".into());
    let mut out = (head.join("\r\n") + "\r\n\r\n").into_bytes();
    out.extend_from_slice(&request[head_end..]);
    up.write_all(&out).ok()?;
    let mut reply = Vec::new();
    up.read_to_end(&mut reply).ok()?;
    Some(reply)
}

/// What the proxy did.
#[derive(Default)]
pub struct Counts {
    /// Requests received.
    pub requests: AtomicUsize,
    /// Answered with a throttling error instead of forwarding.
    pub throttled: AtomicUsize,
    /// Answered 503 instead of forwarding.
    pub unavailable: AtomicUsize,
}

fn response(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nx-amzn-requestid: proxy\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn throttle(ec2: bool) -> Vec<u8> {
    if ec2 {
        response(
            "503 Service Unavailable",
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy</RequestID></Response>",
        )
    } else {
        response(
            "400 Bad Request",
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>",
        )
    }
}

fn unavailable() -> Vec<u8> {
    response(
        "503 Service Unavailable",
        "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Service is unavailable</Message></Error><RequestId>proxy</RequestId></ErrorResponse>",
    )
}

/// Starts the proxy in front of `upstream` (host:port; a thread per
/// connection): of the API calls, every tenth from the fourth is throttled
/// and every 23rd from the 12th answered 503. Returns its URL.
pub fn start_proxy(upstream: String, counts: Arc<Counts>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let upstream = upstream.clone();
            let counts = counts.clone();
            std::thread::spawn(move || {
                while let Some(request) = read_request(&mut client) {
                    let n = counts.requests.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    let body = String::from_utf8_lossy(&request);
                    let api_call = body.contains("Action=");
                    let reply = if api_call && n % 10 == 3 {
                        counts.throttled.fetch_add(1, Ordering::SeqCst);
                        throttle(body.contains("Version=2016-11-15"))
                    } else if api_call && n % 23 == 11 {
                        counts.unavailable.fetch_add(1, Ordering::SeqCst);
                        unavailable()
                    } else {
                        match forward(&upstream, &request) {
                            Some(r) => r,
                            None => return,
                        }
                    };
                    let closes = String::from_utf8_lossy(&reply)
                        .to_ascii_lowercase()
                        .contains("connection: close");
                    if client.write_all(&reply).is_err() || closes {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// moto's host:port.
pub fn upstream() -> String {
    endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}
