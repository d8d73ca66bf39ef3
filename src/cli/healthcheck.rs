//! `trailflow healthcheck`: GET `/healthz` (or another path) on loopback and
//! exit 0 on `200`. Container images without a shell or curl (distroless)
//! use it as their `HEALTHCHECK`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Arguments of `trailflow healthcheck`.
#[derive(Debug, clap::Args)]
pub struct HealthcheckArgs {
    /// Address of the health server.
    #[arg(
        long,
        default_value = "127.0.0.1:8080",
        env = "TRAILFLOW_HEALTHCHECK_ADDR"
    )]
    pub addr: SocketAddr,
    /// Path to request.
    #[arg(long, default_value = "/healthz")]
    pub path: String,
}

/// The HTTP status `addr` answers for `path`, or why there is none.
pub fn status(args: &HealthcheckArgs) -> Result<u16, String> {
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&args.addr, timeout)
        .map_err(|e| format!("{}: {e}", args.addr))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {} HTTP/1.0\r\nHost: {}\r\n\r\n",
        args.path, args.addr
    )
    .map_err(|e| format!("{}: {e}", args.addr))?;
    let mut head = [0u8; 32];
    let n = stream
        .read(&mut head)
        .map_err(|e| format!("{}: {e}", args.addr))?;
    let text = String::from_utf8_lossy(&head[..n]);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{}: not an HTTP response", args.addr))
}
