//! A DevTools protocol session over [`ws`](super::ws): commands with ids, answered by a
//! reader task that routes each answer to its caller. Events are not used (a page's
//! figures are read from its own performance entries), so they are read and dropped.
//! Flat sessions: a command for a page carries the page's `sessionId`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::ws::{self, WsError, WsReader, WsWriter};

#[derive(Debug, thiserror::Error)]
pub enum CdpError {
    #[error(transparent)]
    Ws(#[from] WsError),
    #[error("DevTools {method}: {message}")]
    Command { method: String, message: String },
    #[error("DevTools connection closed")]
    Closed,
}

/// Callers waiting for an answer, by command id.
#[derive(Default)]
struct Pending {
    /// Set when the reader stopped: no answer will ever come.
    closed: bool,
    waiting: HashMap<u64, oneshot::Sender<Result<Value, String>>>,
}

/// One connection to the browser endpoint, shared by every page of one Chromium process.
pub struct Cdp {
    writer: Arc<tokio::sync::Mutex<WsWriter>>,
    pending: Arc<Mutex<Pending>>,
    next_id: AtomicU64,
    /// The reader task, stopped when the connection is dropped.
    reader: tokio::task::AbortHandle,
}

impl Drop for Cdp {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Cdp {
    pub async fn connect(url: &str) -> Result<Cdp, CdpError> {
        let (reader, writer) = ws::connect(url).await?;
        let writer = Arc::new(tokio::sync::Mutex::new(writer));
        let pending = Arc::new(Mutex::new(Pending::default()));
        let task = tokio::spawn(read_loop(reader, writer.clone(), pending.clone()));
        Ok(Cdp {
            writer,
            pending,
            next_id: AtomicU64::new(1),
            reader: task.abort_handle(),
        })
    }

    /// Whether the connection still works (its reader has not stopped).
    pub fn is_open(&self) -> bool {
        !self.pending.lock().unwrap().closed
    }

    /// Sends `method` with `params` (to the page of `session`, or to the browser) and
    /// waits for its answer's `result`.
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, CdpError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = self.pending.lock().unwrap();
            if pending.closed {
                return Err(CdpError::Closed);
            }
            pending.waiting.insert(id, tx);
        }
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = Value::from(s);
        }
        let sent = self.writer.lock().await.send(&message.to_string()).await;
        if let Err(e) = sent {
            self.pending.lock().unwrap().waiting.remove(&id);
            return Err(e.into());
        }
        // A caller that gives up (timeout) drops `rx`; the answer is then dropped too.
        let _forget = Forget {
            pending: &self.pending,
            id,
        };
        let result = rx.await.map_err(|_| CdpError::Closed)?;
        result.map_err(|message| CdpError::Command {
            method: method.to_owned(),
            message,
        })
    }
}

/// Removes a caller's entry when its future ends, answered or not (a caller that gave
/// up at its timeout must not leave its entry behind).
struct Forget<'a> {
    pending: &'a Mutex<Pending>,
    id: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.pending.lock().unwrap().waiting.remove(&self.id);
    }
}

async fn read_loop(
    mut reader: WsReader,
    writer: Arc<tokio::sync::Mutex<WsWriter>>,
    pending: Arc<Mutex<Pending>>,
) {
    loop {
        let text = match reader.next().await {
            Ok(text) => text,
            Err(e) => {
                tracing::debug!(error = %e, "DevTools connection ended");
                break;
            }
        };
        if let Some(ping) = reader.take_ping() {
            if writer.lock().await.pong(&ping).await.is_err() {
                break;
            }
        }
        let Ok(message) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(id) = message.get("id").and_then(Value::as_u64) else {
            continue; // an event
        };
        let answer = match message.get("error") {
            Some(e) => Err(e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("error")
                .to_owned()),
            None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
        };
        if let Some(tx) = pending.lock().unwrap().waiting.remove(&id) {
            let _ = tx.send(answer);
        }
    }
    let mut pending = pending.lock().unwrap();
    pending.closed = true;
    pending.waiting.clear();
}
