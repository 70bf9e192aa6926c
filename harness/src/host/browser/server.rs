//! A static-file HTTP server on 127.0.0.1 for one page: the browser must load the module
//! over HTTP (`instantiateStreaming` refuses `file://` and needs the `application/wasm`
//! content type), so every run serves its own files from an ephemeral port.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::Context;

/// One file the server answers with.
#[derive(Debug, Clone)]
pub struct Served {
    pub content_type: String,
    pub body: Arc<Vec<u8>>,
}

impl Served {
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Served {
        Served {
            content_type: content_type.to_string(),
            body: Arc::new(body.into()),
        }
    }
}

/// Serves a fixed set of paths until dropped. Anything else is a 404.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Bind an ephemeral port on 127.0.0.1 and serve `files` (keys are paths like `/main.wasm`).
    pub fn start(files: BTreeMap<String, Served>) -> anyhow::Result<Server> {
        let listener =
            TcpListener::bind("127.0.0.1:0").context("binding an HTTP port on 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let files = Arc::new(files);
        let accept = {
            let stop = stop.clone();
            thread::Builder::new()
                .name("browser-http".into())
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(conn) = conn else { continue };
                        let files = files.clone();
                        // The browser fetches the page, the glue and the module in parallel.
                        let _ = thread::Builder::new()
                            .name("browser-http-conn".into())
                            .spawn(move || {
                                let _ = serve_one(conn, &files);
                            });
                    }
                })
                .context("starting the HTTP server thread")?
        };
        Ok(Server {
            addr,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Answer one request and close the connection (`Connection: close`, no keep-alive).
fn serve_one(conn: TcpStream, files: &BTreeMap<String, Served>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    conn.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Headers are read and ignored; requests here have no body worth reading.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut out = conn;
    let (status, file) = match (method, files.get(path)) {
        ("GET" | "HEAD", Some(f)) => ("200 OK", Some(f)),
        ("GET" | "HEAD", None) => ("404 Not Found", None),
        _ => ("405 Method Not Allowed", None),
    };
    let (ctype, body): (&str, &[u8]) = match file {
        Some(f) => (&f.content_type, &f.body),
        None => ("text/plain; charset=utf-8", status.as_bytes()),
    };
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(url_addr: &str, path: &str) -> String {
        let mut s = TcpStream::connect(url_addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_files_with_their_content_type_and_404s_the_rest() {
        let mut files = BTreeMap::new();
        files.insert(
            "/main.wasm".to_string(),
            Served::new("application/wasm", b"\0asm".to_vec()),
        );
        let server = Server::start(files).unwrap();
        let addr = server.url("").trim_start_matches("http://").to_string();
        let ok = get(&addr, "/main.wasm?x=1");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Type: application/wasm\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\n\0asm"), "{ok}");
        let missing = get(&addr, "/favicon.ico");
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
        drop(server);
    }
}
