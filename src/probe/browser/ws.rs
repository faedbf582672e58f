//! The smallest WebSocket client (RFC 6455) the DevTools endpoint needs: an HTTP/1.1
//! upgrade on a loopback TCP stream, then masked text frames out and unmasked frames in.
//! No extensions, no TLS: it only ever talks to the Chromium process emcd started.
//! Messages are JSON text; pings are answered, a close frame ends the stream.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// A message longer than this from the browser is a protocol error (a page's figures are
/// a few KiB; the largest CDP answers emcd asks for are far below it).
const MAX_MESSAGE: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum WsError {
    #[error("DevTools URL {0:?} is not ws://HOST:PORT/PATH")]
    Url(String),
    #[error("DevTools connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("DevTools upgrade refused: {0:?}")]
    Upgrade(String),
    #[error("DevTools frame: {0}")]
    Frame(String),
    #[error("DevTools connection closed")]
    Closed,
}

/// The reading half: whole messages, in order.
pub struct WsReader {
    read: BufReader<OwnedReadHalf>,
    /// Pongs to send are queued to the writer by the caller; this half only reads.
    pending_pong: Option<Vec<u8>>,
}

/// The writing half: one text message per call.
pub struct WsWriter {
    write: OwnedWriteHalf,
    /// Varies the masking key of each frame (RFC 6455 asks for one; the peer is our own
    /// child on loopback, so unpredictability buys nothing here).
    counter: u32,
}

/// Connects to `ws://host:port/path` and completes the upgrade.
pub async fn connect(url: &str) -> Result<(WsReader, WsWriter), WsError> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| WsError::Url(url.to_owned()))?;
    let (authority, path) = rest
        .split_once('/')
        .ok_or_else(|| WsError::Url(url.to_owned()))?;
    let stream = TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let request = format!(
        "GET /{path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    write.write_all(request.as_bytes()).await?;
    let mut read = BufReader::new(read);
    let mut status = String::new();
    read.read_line(&mut status).await?;
    if !status.starts_with("HTTP/1.1 101") {
        return Err(WsError::Upgrade(status.trim_end().to_owned()));
    }
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await? == 0 {
            return Err(WsError::Closed);
        }
        if line == "\r\n" {
            break;
        }
    }
    let reader = WsReader {
        read,
        pending_pong: None,
    };
    Ok((reader, WsWriter { write, counter: 0 }))
}

impl WsReader {
    /// The next whole text message; `Err(Closed)` at a close frame or end of stream.
    pub async fn next(&mut self) -> Result<String, WsError> {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.read_exact(&mut head).await?;
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.read_exact(&mut b).await?;
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.read_exact(&mut b).await?;
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mask = if head[1] & 0x80 != 0 {
                let mut m = [0u8; 4];
                self.read_exact(&mut m).await?;
                Some(m)
            } else {
                None
            };
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if message.len().saturating_add(len) > MAX_MESSAGE {
                return Err(WsError::Frame(format!("message over {MAX_MESSAGE} bytes")));
            }
            let mut payload = vec![0u8; len];
            self.read_exact(&mut payload).await?;
            if let Some(m) = mask {
                payload
                    .iter_mut()
                    .enumerate()
                    .for_each(|(i, b)| *b ^= m[i % 4]);
            }
            match opcode {
                0x8 => return Err(WsError::Closed),
                0x9 => self.pending_pong = Some(payload),
                0xA => {}
                0x0..=0x2 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return String::from_utf8(message)
                            .map_err(|_| WsError::Frame("message is not UTF-8".into()));
                    }
                }
                other => return Err(WsError::Frame(format!("unknown opcode {other:#x}"))),
            }
        }
    }

    /// The payload of a ping received since the last call, to answer with a pong.
    pub fn take_ping(&mut self) -> Option<Vec<u8>> {
        self.pending_pong.take()
    }

    async fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), WsError> {
        match self.read.read_exact(buf).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(WsError::Closed),
            Err(e) => Err(e.into()),
        }
    }
}

impl WsWriter {
    /// Sends `text` as one masked text frame.
    pub async fn send(&mut self, text: &str) -> Result<(), WsError> {
        self.frame(0x1, text.as_bytes()).await
    }

    /// Answers a ping.
    pub async fn pong(&mut self, payload: &[u8]) -> Result<(), WsError> {
        self.frame(0xA, payload).await
    }

    async fn frame(&mut self, opcode: u8, payload: &[u8]) -> Result<(), WsError> {
        self.counter = self.counter.wrapping_add(0x9e37_79b9);
        let mask = self.counter.to_be_bytes();
        let mut frame = Vec::with_capacity(payload.len() + 14);
        frame.push(0x80 | opcode);
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | n as u8),
            n @ 126..=0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.write.write_all(&frame).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that accepts the upgrade, echoes one message back unmasked, then closes.
    #[tokio::test]
    async fn upgrade_send_and_receive() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut s = BufReader::new(s);
            let mut line = String::new();
            while line != "\r\n" {
                line.clear();
                s.read_line(&mut line).await.unwrap();
            }
            s.get_mut()
                .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
                .await
                .unwrap();
            let mut head = [0u8; 6];
            s.read_exact(&mut head).await.unwrap();
            assert_eq!(head[0], 0x81);
            let len = usize::from(head[1] & 0x7f);
            let mut payload = vec![0u8; len];
            s.read_exact(&mut payload).await.unwrap();
            let m = &head[2..6];
            payload
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b ^= m[i % 4]);
            let mut out = vec![0x81, payload.len() as u8];
            out.extend_from_slice(&payload);
            out.extend_from_slice(&[0x88, 0]);
            s.get_mut().write_all(&out).await.unwrap();
        });
        let (mut r, mut w) = connect(&format!("ws://{addr}/devtools/browser/x"))
            .await
            .unwrap();
        w.send(r#"{"id":1}"#).await.unwrap();
        assert_eq!(r.next().await.unwrap(), r#"{"id":1}"#);
        assert!(matches!(r.next().await, Err(WsError::Closed)));
        server.await.unwrap();
    }
}
