//! `mock-idp healthcheck`: asks a running server's `/healthz` and exits 0 when it answers 200.
//! Container HEALTHCHECKs run it, so it needs no shell, curl or TLS: a plain HTTP/1.1 GET over
//! a TCP connection to the bound address.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long the whole check may take.
const TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("cannot reach {addr}: {error}")]
    Connect {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("{addr} did not answer: {error}")]
    Io {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("{addr} answered {status:?} instead of 200")]
    Unhealthy { addr: SocketAddr, status: String },
}

/// Checks the server listening on `bind` (`host:port`; an unspecified host such as 0.0.0.0
/// means this machine).
pub fn check(bind: &str) -> Result<(), HealthError> {
    let addr = bind
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| HealthError::Resolve(bind.to_owned()))?;
    let addr = if addr.ip().is_unspecified() {
        let loopback: std::net::IpAddr = if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        };
        SocketAddr::new(loopback, addr.port())
    } else {
        addr
    };
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|error| HealthError::Connect { addr, error })?;
    let io = |error| HealthError::Io { addr, error };
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    stream
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .map_err(io)?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(io)?;
    let status_line = String::from_utf8_lossy(&head[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    if status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(HealthError::Unhealthy {
            addr,
            status: status_line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn serve_once(reply: &'static str) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 256];
                let _ = s.read(&mut buf);
                let _ = s.write_all(reply.as_bytes());
            }
        });
        addr
    }

    #[test]
    fn healthy_on_200_only() {
        assert!(check(&serve_once("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")).is_ok());
        assert!(matches!(
            check(&serve_once("HTTP/1.1 503 Service Unavailable\r\n\r\n")),
            Err(HealthError::Unhealthy { .. })
        ));
    }

    #[test]
    fn unreachable_is_an_error() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        drop(l);
        assert!(matches!(check(&addr), Err(HealthError::Connect { .. })));
        assert!(matches!(
            check("no such host name:1"),
            Err(HealthError::Resolve(_))
        ));
    }
}
