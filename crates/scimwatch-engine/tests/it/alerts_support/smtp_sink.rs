//! An SMTP sink for tests: speaks ESMTP, optionally STARTTLS (a certificate
//! for `localhost` from an rcgen CA) and AUTH PLAIN/LOGIN, and keeps every
//! transaction it was given.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the sink got it.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    pub tls: bool,
    /// `user:password` from AUTH, if any.
    pub auth: Option<String>,
    pub from: String,
    pub to: Vec<String>,
    /// The DATA as on the wire (dot-stuffed, CRLF), without the final ".".
    pub data: String,
    /// Every command line received, in order (AUTH arguments kept).
    pub commands: Vec<String>,
}

#[derive(Clone)]
pub struct SinkConfig {
    /// Offer STARTTLS with this acceptor.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Answer STARTTLS with this instead of 220 (e.g. "454 TLS not available").
    pub refuse_starttls: Option<String>,
    pub auth: bool,
}

pub struct Sink {
    pub port: u16,
    pub delivered: Arc<Mutex<Vec<Delivered>>>,
    /// The CA that signed the sink's certificate (for the client's roots).
    pub ca_der: Option<Vec<u8>>,
}

/// An rcgen CA and a TLS acceptor for `localhost` signed by it.
pub fn tls_for_localhost() -> (tokio_rustls::TlsAcceptor, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "scimwatch test SMTP CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = p.signed_by(&key, &ca_cert, &ca_key).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    (
        tokio_rustls::TlsAcceptor::from(Arc::new(cfg)),
        ca_cert.der().to_vec(),
    )
}

enum Next {
    Done,
    StartTls,
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    s: S,
    cfg: &SinkConfig,
    tls: bool,
    greet: bool,
    got: &Mutex<Vec<Delivered>>,
) -> (Next, BufReader<S>) {
    let mut io = BufReader::new(s);
    let mut cur = Delivered {
        tls,
        ..Default::default()
    };
    macro_rules! say {
        ($t:expr) => {
            if io.get_mut().write_all($t.as_bytes()).await.is_err() {
                return (Next::Done, io);
            }
        };
    }
    if greet {
        say!("220 sink ESMTP ready\r\n");
    }
    let mut login_step = 0;
    let mut login_user = String::new();
    loop {
        let mut line = String::new();
        if io.read_line(&mut line).await.unwrap_or(0) == 0 {
            return (Next::Done, io);
        }
        let line = line.trim_end().to_string();
        cur.commands.push(line.clone());
        let upper = line.to_ascii_uppercase();
        let b64 = |s: &str| {
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .unwrap_or_default(),
            )
            .unwrap_or_default()
        };
        if login_step == 1 {
            login_user = b64(&line);
            login_step = 2;
            say!("334 UGFzc3dvcmQ6\r\n");
            continue;
        }
        if login_step == 2 {
            cur.auth = Some(format!("{login_user}:{}", b64(&line)));
            login_step = 0;
            say!("235 2.7.0 ok\r\n");
            continue;
        }
        if upper.starts_with("EHLO") {
            let mut caps = vec!["sink".to_string()];
            if cfg.tls.is_some() && !tls {
                caps.push("STARTTLS".into());
            }
            if cfg.auth {
                caps.push("AUTH PLAIN LOGIN".into());
            }
            caps.push("8BITMIME".into());
            let n = caps.len();
            let mut out = String::new();
            for (i, c) in caps.iter().enumerate() {
                out.push_str(&format!("250{}{c}\r\n", if i + 1 == n { ' ' } else { '-' }));
            }
            say!(out);
        } else if upper == "STARTTLS" {
            if let Some(r) = &cfg.refuse_starttls {
                say!(format!("{r}\r\n"));
                continue;
            }
            say!("220 2.0.0 go ahead\r\n");
            return (Next::StartTls, io);
        } else if let Some(arg) = upper.strip_prefix("AUTH PLAIN ") {
            let _ = arg;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(line["AUTH PLAIN ".len()..].trim())
                .unwrap_or_default();
            let parts: Vec<String> = raw
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).to_string())
                .collect();
            cur.auth = Some(format!(
                "{}:{}",
                parts.get(1).cloned().unwrap_or_default(),
                parts.get(2).cloned().unwrap_or_default()
            ));
            say!("235 2.7.0 ok\r\n");
        } else if upper == "AUTH LOGIN" {
            login_step = 1;
            say!("334 VXNlcm5hbWU6\r\n");
        } else if upper.starts_with("MAIL FROM:") {
            cur.from = line[10..].trim().to_string();
            say!("250 ok\r\n");
        } else if upper.starts_with("RCPT TO:") {
            cur.to.push(line[8..].trim().to_string());
            say!("250 ok\r\n");
        } else if upper == "DATA" {
            say!("354 go on\r\n");
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if io.read_line(&mut l).await.unwrap_or(0) == 0 {
                    return (Next::Done, io);
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(&l);
            }
            cur.data = data;
            got.lock().unwrap().push(cur.clone());
            say!("250 2.0.0 queued as 42\r\n");
        } else if upper == "QUIT" {
            say!("221 bye\r\n");
            return (Next::Done, io);
        } else {
            say!("502 5.5.2 what?\r\n");
        }
    }
}

/// Start a sink on `ip:0`.
pub async fn start(ip: &str, cfg: SinkConfig, ca_der: Option<Vec<u8>>) -> Sink {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let delivered: Arc<Mutex<Vec<Delivered>>> = Arc::default();
    let got = delivered.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let cfg = cfg.clone();
            let got = got.clone();
            tokio::spawn(async move {
                let (next, io) = session(sock, &cfg, false, true, &got).await;
                if let (Next::StartTls, Some(acc)) = (next, cfg.tls.clone()) {
                    if let Ok(tls) = acc.accept(io.into_inner()).await {
                        let _ = session(tls, &cfg, true, false, &got).await;
                    }
                }
            });
        }
    });
    Sink {
        port,
        delivered,
        ca_der,
    }
}
