//! A loopback HTTP proxy that injects faults between trailflow and moto:
//! error statuses (S3's `SlowDown`, `InternalError`), connections reset in
//! the middle of a body, stalls, refused connections (a service that is
//! down). One request per connection (`Connection: close`), so each request
//! can get its own fault. It records every request's method and path.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Forwarded untouched.
    Pass,
    /// Answered by the proxy with this status and S3 error code.
    Status(u16, &'static str),
    /// Forwarded; the client gets the response head and half the body, then the connection closes.
    ResetMidBody,
    /// Forwarded after this long (longer than the client's timeout: a hung server).
    Stall(Duration),
}

type Plan = dyn Fn(&str, &str, usize) -> Fault + Send + Sync;

/// A running proxy.
pub struct Proxy {
    /// Its loopback port.
    pub port: u16,
    down: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    faults: Arc<Mutex<Vec<(String, Fault)>>>,
}

impl Proxy {
    /// Proxies to `upstream` (`host:port`); `plan(method, path, nth)` picks each request's
    /// fault, `nth` counting earlier requests for the same method and path.
    pub fn start(
        upstream: &str,
        plan: impl Fn(&str, &str, usize) -> Fault + Send + Sync + 'static,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let plan: Arc<Plan> = Arc::new(plan);
        let upstream = upstream.to_string();
        {
            let (down, requests, faults) = (down.clone(), requests.clone(), faults.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(conn) = conn else { continue };
                    if down.load(Ordering::Relaxed) {
                        // A service that is down: the connection is dropped at once.
                        let _ = conn.shutdown(Shutdown::Both);
                        continue;
                    }
                    let (plan, seen, upstream) = (plan.clone(), seen.clone(), upstream.clone());
                    let (requests, faults) = (requests.clone(), faults.clone());
                    std::thread::spawn(move || {
                        let _ = serve(conn, &upstream, &*plan, &seen, &requests, &faults);
                    });
                }
            });
        }
        Proxy {
            port,
            down,
            requests,
            faults,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every new connection while `down`.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Every request so far: (method, path).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests.lock().unwrap().clone()
    }

    /// Every fault injected so far: (path, fault).
    pub fn faults(&self) -> Vec<(String, Fault)> {
        self.faults.lock().unwrap().clone()
    }
}

/// Reads an HTTP message head (through the blank line).
fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(head)
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    plan: &Plan,
    seen: &Mutex<HashMap<String, usize>>,
    requests: &Mutex<Vec<(String, String)>>,
    faults: &Mutex<Vec<(String, Fault)>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let head = String::from_utf8_lossy(&read_head(&mut client)?).into_owned();
    let mut body = vec![0u8; content_length(&head)];
    client.read_exact(&mut body)?;
    let mut parts = head.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let nth = {
        let mut seen = seen.lock().unwrap();
        let n = seen.entry(format!("{method} {path}")).or_insert(0);
        *n += 1;
        *n - 1
    };
    requests
        .lock()
        .unwrap()
        .push((method.clone(), path.clone()));
    let fault = plan(&method, &path, nth);
    if fault != Fault::Pass {
        faults.lock().unwrap().push((path.clone(), fault));
    }
    match fault {
        Fault::Status(status, code) => {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test proxy</Message><RequestId>proxy</RequestId></Error>"
            );
            write!(
                client,
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            )?;
            return client.shutdown(Shutdown::Both);
        }
        Fault::Stall(d) => std::thread::sleep(d),
        Fault::Pass | Fault::ResetMidBody => {}
    }
    // Forward with `Connection: close`, so that the upstream ends the response with EOF.
    let mut request: String = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    request.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(request.as_bytes())?;
    up.write_all(&body)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    if fault == Fault::ResetMidBody {
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(0, |p| p + 4);
        let cut = split + (response.len() - split) / 2;
        client.write_all(&response[..cut])?;
    } else {
        client.write_all(&response)?;
    }
    client.shutdown(Shutdown::Both)
}
