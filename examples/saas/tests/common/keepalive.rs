//! A minimal HTTP/1.1 client over one kept-alive loopback connection, for the load test and the
//! throughput driver: one request at a time, reconnecting when the server closed the
//! connection. Bodies are JSON; responses are read by their `content-length` (or chunked).
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One connection to `127.0.0.1:port`, opened on first use.
pub struct Conn {
    port: u16,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    /// How long one request may take before it counts as failed (40 s: past the pool's 30 s
    /// acquire timeout, so the server's own answer is seen).
    pub timeout: Duration,
}

/// A response: status and body (JSON, or the text as a JSON string; `Null` when empty).
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Value,
}

impl Conn {
    /// A connection to the server on `port` (loopback only).
    pub fn new(port: u16) -> Self {
        Self {
            port,
            stream: None,
            buf: Vec::with_capacity(16 * 1024),
            timeout: Duration::from_secs(40),
        }
    }

    /// Sends one request and reads its response. A connection the server closed before
    /// answering is reopened once (the request had not been read; idempotence is not assumed
    /// otherwise: an error after the request was sent is returned).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> std::io::Result<Reply> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        if let Some(t) = token {
            req.push_str("authorization: Bearer ");
            req.push_str(t);
            req.push_str("\r\n");
        }
        if !body.is_empty() {
            req.push_str("content-type: application/json\r\n");
        }
        req.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, self.exchange(req.as_bytes(), true)).await {
            Ok(r) => r,
            Err(_) => {
                self.stream = None;
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("{method} {path}: no answer within {timeout:?}"),
                ))
            }
        }
    }

    async fn exchange(&mut self, req: &[u8], may_retry: bool) -> std::io::Result<Reply> {
        let fresh = self.stream.is_none();
        if fresh {
            let s = TcpStream::connect(("127.0.0.1", self.port)).await?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
        }
        let result = self.round_trip(req).await;
        match result {
            Ok(Some(r)) => Ok(r),
            // Closed before any byte of an answer on a reused connection: reopen once.
            Ok(None) if !fresh && may_retry => {
                self.stream = None;
                Box::pin(self.exchange(req, false)).await
            }
            Ok(None) => {
                self.stream = None;
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection without answering",
                ))
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    /// `Ok(None)`: the connection closed before any byte of the response.
    async fn round_trip(&mut self, req: &[u8]) -> std::io::Result<Option<Reply>> {
        let Some(s) = self.stream.as_mut() else {
            return Ok(None);
        };
        if s.write_all(req).await.is_err() {
            return Ok(None);
        }
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = match s.read(&mut chunk).await {
                Ok(n) => n,
                Err(_) if self.buf.is_empty() => return Ok(None),
                Err(e) => return Err(e),
            };
            if n == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the connection closed inside a response head",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_ascii_lowercase();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        // 1xx, 204 and 304 have no body, whatever the headers say (hyper sends no length).
        let bodiless = matches!(status, 100..=199 | 204 | 304);
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .or(bodiless.then_some(0));
        let chunked = head.contains("transfer-encoding: chunked");
        let closes = head.contains("connection: close");
        loop {
            let have = self.buf.len() - head_end;
            let done = match length {
                Some(n) => have >= n,
                None if chunked => self.buf.ends_with(b"0\r\n\r\n"),
                None => false,
            };
            if done {
                break;
            }
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let raw = &self.buf[head_end..];
        let payload = if chunked {
            dechunk(raw)
        } else {
            raw[..length.unwrap_or(raw.len()).min(raw.len())].to_vec()
        };
        if closes || (length.is_none() && !chunked) {
            self.stream = None;
        }
        let body = if payload.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&payload)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&payload).into_owned()))
        };
        Ok(Some(Reply { status, body }))
    }
}

/// The body of a chunked response.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..i])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        let rest = &raw[i + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        raw = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
    }
    out
}
