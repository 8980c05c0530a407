//! The fleet run's webhook receiver: a loopback HTTP/1.1 server keeping
//! every POST body with when it arrived.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A webhook receiver on loopback: every POST body, with when it arrived.
pub(super) struct Receiver {
    pub(super) url: String,
    got: Arc<Mutex<Vec<(Instant, Value)>>>,
}

impl Receiver {
    pub(super) fn start() -> Result<Self, String> {
        let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let url = format!("http://{}/hook", l.local_addr().map_err(|e| e.to_string())?);
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let g = g.clone();
                std::thread::spawn(move || serve_hook(s, &g));
            }
        });
        Ok(Self { url, got })
    }

    pub(super) fn received(&self) -> Vec<(Instant, Value)> {
        self.got.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

fn serve_hook(s: TcpStream, got: &Mutex<Vec<(Instant, Value)>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut w) = s.try_clone() else { return };
    let mut r = BufReader::new(s);
    loop {
        let mut len = 0usize;
        let mut first = true;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let l = line.trim_end();
            if l.is_empty() && !first {
                break;
            }
            first = false;
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        if let Ok(mut g) = got.lock() {
            g.push((at, serde_json::from_slice(&body).unwrap_or(Value::Null)));
        }
        if w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}
