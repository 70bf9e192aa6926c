//! A minimal Chrome DevTools Protocol client: JSON messages over one synchronous websocket,
//! with per-call deadlines. Each run opens its own connection to the browser endpoint and
//! talks to its page through a flattened session (`sessionId` on every message), so runs in
//! parallel never share a socket.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

pub struct Cdp {
    ws: WebSocket<TcpStream>,
    next_id: u64,
    /// Events read while waiting for a response, in arrival order.
    events: VecDeque<Value>,
}

impl Cdp {
    /// Connect to a DevTools websocket URL such as `ws://127.0.0.1:PORT/devtools/browser/ID`.
    pub fn connect(ws_url: &str, timeout: Duration) -> anyhow::Result<Cdp> {
        let rest = ws_url
            .strip_prefix("ws://")
            .ok_or_else(|| anyhow!("not a ws:// URL: {ws_url}"))?;
        let hostport = rest.split('/').next().unwrap_or(rest);
        let addr = hostport
            .parse()
            .with_context(|| format!("the DevTools address {hostport} is not host:port"))?;
        let stream = TcpStream::connect_timeout(&addr, timeout)
            .with_context(|| format!("connecting to DevTools at {hostport}"))?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        let (ws, _) = tungstenite::client::client(ws_url, stream)
            .map_err(|e| anyhow!("DevTools websocket handshake with {ws_url}: {e}"))?;
        Ok(Cdp {
            ws,
            next_id: 1,
            events: VecDeque::new(),
        })
    }

    /// Send a command and wait for its result. `session` addresses a page (flattened mode);
    /// `None` addresses the browser. A protocol error is an `Err` naming the method.
    pub fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        deadline: Instant,
    ) -> anyhow::Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .with_context(|| format!("sending {method} to DevTools"))?;
        loop {
            let Some(m) = self.read(deadline)? else {
                bail!("DevTools did not answer {method} in time");
            };
            if m.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = m.get("error") {
                    bail!("DevTools refused {method}: {err}");
                }
                return Ok(m.get("result").cloned().unwrap_or(Value::Null));
            }
            if m.get("method").is_some() {
                self.events.push_back(m);
            }
        }
    }

    /// The next event (a message with a `method`), or `None` once `deadline` passes.
    pub fn next_event(&mut self, deadline: Instant) -> anyhow::Result<Option<Value>> {
        if let Some(e) = self.events.pop_front() {
            return Ok(Some(e));
        }
        loop {
            match self.read(deadline)? {
                None => return Ok(None),
                Some(m) if m.get("method").is_some() => return Ok(Some(m)),
                // A late answer to a call that already gave up.
                Some(_) => continue,
            }
        }
    }

    /// One JSON message, or `None` at the deadline.
    fn read(&mut self, deadline: Instant) -> anyhow::Result<Option<Value>> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.ws
                .get_mut()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
            match self.ws.read() {
                Ok(Message::Text(t)) => {
                    return serde_json::from_str(t.as_str())
                        .map(Some)
                        .context("DevTools sent a message that is not JSON");
                }
                Ok(Message::Close(_)) => bail!("DevTools closed the connection"),
                Ok(_) => continue,
                // A read timeout; tungstenite keeps any partial frame for the next read.
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    continue;
                }
                Err(e) => return Err(anyhow!("reading from DevTools: {e}")),
            }
        }
    }

    /// Close the websocket politely; errors do not matter any more.
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}
