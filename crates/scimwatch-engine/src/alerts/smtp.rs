//! A small SMTP submission client (RFC 5321, STARTTLS RFC 3207, AUTH PLAIN
//! and LOGIN RFC 4954) over tokio and the rustls already used for HTTPS:
//! EHLO, STARTTLS, EHLO again, AUTH, MAIL FROM, RCPT TO, DATA (CRLF line
//! ends, dot-stuffed), QUIT.
//!
//! The alert and the password never travel in clear to another machine:
//! without STARTTLS the message is refused unless the server is on
//! loopback (a local relay). Certificates are verified as for HTTPS (the
//! bundled roots and the operating system's store).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use scimwatch_core::Sensitive;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::target::smtp_host_is_loopback;

/// Time allowed for each step (connect, one reply, the message).
const STEP: Duration = Duration::from_secs(30);

/// Where and how to send.
#[derive(Clone)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<Sensitive<String>>,
    /// Whom TLS trusts: the bundled and OS roots ([`default_roots`]), or a
    /// test CA.
    pub roots: Arc<RootCertStore>,
}

/// One e-mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    /// Also the Message-ID's left part: the same on every retry.
    pub idempotency_key: String,
    pub date: DateTime<Utc>,
}

/// Why a message was not sent: worth retrying (4xx, network) or not (5xx,
/// no STARTTLS, a certificate or password problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpError {
    Transient(String),
    Permanent(String),
}

impl SmtpError {
    pub fn message(&self) -> &str {
        match self {
            SmtpError::Transient(m) | SmtpError::Permanent(m) => m,
        }
    }
}

/// The bundled webpki roots plus the operating system's store.
pub fn default_roots() -> Arc<RootCertStore> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let _ = store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    Arc::new(store)
}

/// One reply: code and text lines.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        let t: String = self
            .lines
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        format!("{} {}", self.code, t.trim())
    }

    fn has_extension(&self, name: &str) -> bool {
        self.lines.iter().skip(1).any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(name))
        })
    }

    fn auth_mechanisms(&self) -> Vec<String> {
        self.lines
            .iter()
            .skip(1)
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                w.next()
                    .filter(|k| k.eq_ignore_ascii_case("AUTH"))
                    .map(|_| w.map(str::to_ascii_uppercase).collect::<Vec<_>>())
            })
            .flatten()
            .collect()
    }
}

struct Session<S> {
    io: BufReader<S>,
    server: String,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    async fn read_reply(&mut self, after: &str) -> Result<Reply, SmtpError> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(STEP, (&mut self.io).take(4096).read_line(&mut line))
                .await
                .map_err(|_| {
                    SmtpError::Transient(format!("{} did not answer {after} in time", self.server))
                })?
                .map_err(|e| {
                    SmtpError::Transient(format!("{}: {e} (after {after})", self.server))
                })?;
            if n == 0 {
                return Err(SmtpError::Transient(format!(
                    "{} closed the connection after {after}",
                    self.server
                )));
            }
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code.filter(|_| line.is_char_boundary(3)) else {
                return Err(SmtpError::Permanent(format!(
                    "{} does not speak SMTP (answered \u{201c}{}\u{201d})",
                    self.server,
                    line.chars().take(60).collect::<String>()
                )));
            };
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line.get(4..).unwrap_or_default().to_string());
            if lines.len() > 200 {
                return Err(SmtpError::Permanent(format!(
                    "{} sent an endless reply",
                    self.server
                )));
            }
            if !more {
                return Ok(Reply { code, lines });
            }
        }
    }

    async fn write(&mut self, data: &[u8], what: &str) -> Result<(), SmtpError> {
        let io = self.io.get_mut();
        tokio::time::timeout(STEP, async {
            io.write_all(data).await?;
            io.flush().await
        })
        .await
        .map_err(|_| SmtpError::Transient(format!("{} stalled during {what}", self.server)))?
        .map_err(|e| SmtpError::Transient(format!("{}: {e} (during {what})", self.server)))
    }

    /// Send a command (shown as `shown` in messages) and expect `want`.
    async fn command(&mut self, line: &str, shown: &str, want: &[u16]) -> Result<Reply, SmtpError> {
        self.write(format!("{line}\r\n").as_bytes(), shown).await?;
        let r = self.read_reply(shown).await?;
        if want.contains(&r.code) {
            return Ok(r);
        }
        Err(refused(&self.server, shown, &r))
    }
}

fn refused(server: &str, shown: &str, r: &Reply) -> SmtpError {
    let m = match r.code {
        530 => format!(
            "{server} requires signing in ({}): give the channel an SMTP user name and password",
            r.text()
        ),
        535 | 534 => format!(
            "{server} refused the SMTP user name or password ({}): check them, or the account's \
             SMTP AUTH setting",
            r.text()
        ),
        _ => format!("{server} refused {shown}: {}", r.text()),
    };
    if (400..500).contains(&r.code) {
        SmtpError::Transient(m)
    } else {
        SmtpError::Permanent(m)
    }
}

fn ehlo_name(sock: &TcpStream) -> String {
    match sock.local_addr().map(|a| a.ip()) {
        Ok(std::net::IpAddr::V4(ip)) => format!("[{ip}]"),
        Ok(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
        Err(_) => "[127.0.0.1]".into(),
    }
}

/// Send `mail` through `server`. Returns the server's answer to the message.
pub async fn send(server: &Server, mail: &Mail) -> Result<String, SmtpError> {
    let name = format!("{}:{}", server.host, server.port);
    let host = server.host.trim_start_matches('[').trim_end_matches(']');
    let sock = tokio::time::timeout(STEP, TcpStream::connect((host, server.port)))
        .await
        .map_err(|_| SmtpError::Transient(format!("{name} did not accept a connection in time")))?
        .map_err(|e| SmtpError::Transient(format!("cannot connect to {name}: {e}")))?;
    let helo = ehlo_name(&sock);
    let mut s = Session {
        io: BufReader::new(sock),
        server: name.clone(),
    };
    let greet = s.read_reply("connecting").await?;
    if greet.code != 220 {
        return Err(refused(&name, "the connection", &greet));
    }
    let caps = s.command(&format!("EHLO {helo}"), "EHLO", &[250]).await?;
    if caps.has_extension("STARTTLS") {
        s.command("STARTTLS", "STARTTLS", &[220])
            .await
            .map_err(|e| match e {
                SmtpError::Transient(m) | SmtpError::Permanent(m)
                    if !smtp_host_is_loopback(host) =>
                {
                    SmtpError::Permanent(format!(
                        "{m}; scimwatch does not send alerts or the password unencrypted to \
                     another machine"
                    ))
                }
                other => other,
            })?;
        if !s.io.buffer().is_empty() {
            return Err(SmtpError::Permanent(format!(
                "{name} sent data before the TLS handshake (a STARTTLS injection?); not sending"
            )));
        }
        let tls = handshake(server, host, s.io.into_inner(), &name).await?;
        let mut t = Session {
            io: BufReader::new(tls),
            server: name.clone(),
        };
        let caps = t.command(&format!("EHLO {helo}"), "EHLO", &[250]).await?;
        return conversation(&mut t, server, &caps, mail).await;
    }
    if !smtp_host_is_loopback(host) {
        return Err(SmtpError::Permanent(format!(
            "{name} does not offer STARTTLS: scimwatch does not send alerts or the password \
             unencrypted to another machine; use the server's submission port (587) with \
             STARTTLS, or a relay on this machine (localhost)"
        )));
    }
    conversation(&mut s, server, &caps, mail).await
}

async fn handshake(
    server: &Server,
    host: &str,
    sock: TcpStream,
    name: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, SmtpError> {
    let cfg =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| SmtpError::Permanent(format!("cannot set up TLS: {e}")))?
            .with_root_certificates(Arc::clone(&server.roots))
            .with_no_client_auth();
    let sni = ServerName::try_from(host.to_string())
        .map_err(|e| SmtpError::Permanent(format!("{host} is not a TLS server name: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    tokio::time::timeout(STEP, connector.connect(sni, sock))
        .await
        .map_err(|_| SmtpError::Transient(format!("the TLS handshake with {name} timed out")))?
        .map_err(|e| {
            let tls = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned();
            match tls {
                Some(t) => SmtpError::Permanent(format!(
                    "after STARTTLS: {}",
                    crate::http::describe_tls(&t, host)
                )),
                None => SmtpError::Transient(format!("the TLS handshake with {name} failed: {e}")),
            }
        })
}

async fn conversation<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut Session<S>,
    server: &Server,
    caps: &Reply,
    mail: &Mail,
) -> Result<String, SmtpError> {
    if let Some(user) = &server.username {
        let pass = server
            .password
            .as_ref()
            .map(|p| p.expose().as_str())
            .unwrap_or_default();
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mechs = caps.auth_mechanisms();
        if mechs.iter().any(|m| m == "PLAIN") {
            let token = b64(&format!("\0{user}\0{pass}"));
            s.command(&format!("AUTH PLAIN {token}"), "AUTH PLAIN", &[235])
                .await?;
        } else if mechs.iter().any(|m| m == "LOGIN") {
            s.command("AUTH LOGIN", "AUTH LOGIN", &[334]).await?;
            s.command(&b64(user), "the AUTH LOGIN user name", &[334])
                .await?;
            s.command(&b64(pass), "the AUTH LOGIN password", &[235])
                .await?;
        } else {
            return Err(SmtpError::Permanent(format!(
                "{} offers no AUTH PLAIN or LOGIN (it offers: {}); remove the user name if it \
                 takes mail without signing in",
                s.server,
                if mechs.is_empty() {
                    "none".to_string()
                } else {
                    mechs.join(", ")
                }
            )));
        }
    }
    let (headers, body, eight_bit) = message(mail, caps.has_extension("8BITMIME"));
    let body_param = if eight_bit { " BODY=8BITMIME" } else { "" };
    s.command(
        &format!("MAIL FROM:<{}>{body_param}", mail.from),
        "MAIL FROM",
        &[250],
    )
    .await?;
    for to in &mail.to {
        s.command(
            &format!("RCPT TO:<{to}>"),
            &format!("RCPT TO {to}"),
            &[250, 251],
        )
        .await?;
    }
    s.command("DATA", "DATA", &[354]).await?;
    let mut data = headers.into_bytes();
    data.extend_from_slice(b"\r\n");
    data.extend_from_slice(dot_stuff(&body).as_bytes());
    data.extend_from_slice(b".\r\n");
    s.write(&data, "the message").await?;
    let done = s.read_reply("the message").await?;
    if done.code != 250 {
        return Err(refused(&s.server, "the message", &done));
    }
    // The message is accepted; a failing QUIT changes nothing.
    let _ = s.write(b"QUIT\r\n", "QUIT").await;
    Ok(done.text())
}

/// CRLF line ends, and a dot doubled at the start of every line (RFC 5321
/// 4.5.2), so that no line of the body ends the DATA early. Ends in CRLF.
pub fn dot_stuff(body: &str) -> String {
    let normalized = body.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalized.len() + 16);
    for line in normalized.trim_end_matches('\n').split('\n') {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

/// An encoded-word subject (RFC 2047) when it is not plain ASCII.
fn subject_header(subject: &str) -> String {
    let subject: String = subject
        .chars()
        .filter(|c| !c.is_control())
        .take(400)
        .collect();
    if subject.is_ascii() {
        return subject;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in subject.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// The header block and the body (before dot-stuffing), and whether it is
/// sent as 8-bit text (else base64).
pub fn message(mail: &Mail, server_8bit: bool) -> (String, String, bool) {
    let domain = mail.from.rsplit_once('@').map_or("scimwatch", |(_, d)| d);
    let long_line = mail.text.lines().any(|l| l.len() > 900);
    let eight_bit = !mail.text.is_ascii() && server_8bit && !long_line;
    let (encoding, body) = if mail.text.is_ascii() && !long_line {
        ("7bit", mail.text.clone())
    } else if eight_bit {
        ("8bit", mail.text.clone())
    } else {
        let b = base64::engine::general_purpose::STANDARD.encode(mail.text.as_bytes());
        let lines: Vec<&str> = b
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        ("base64", lines.join("\r\n"))
    };
    let headers = format!(
        "Date: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}@{}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: {encoding}\r\nX-Scimwatch-Idempotency-Key: {}\r\n\
         Auto-Submitted: auto-generated\r\n",
        mail.date.to_rfc2822(),
        mail.from,
        mail.to.join(", "),
        subject_header(&mail.subject),
        mail.idempotency_key,
        domain,
        mail.idempotency_key,
    );
    (headers, body, eight_bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_and_crlf() {
        assert_eq!(
            dot_stuff(".hidden\nline\r\n..two\r\n.\nend\n"),
            "..hidden\r\nline\r\n...two\r\n..\r\nend\r\n"
        );
        assert_eq!(dot_stuff("a\rb"), "a\r\nb\r\n");
    }

    #[test]
    fn non_ascii_subjects_are_encoded_words_and_bodies_fit_the_server() {
        let mail = Mail {
            from: "scimwatch@example.com".into(),
            to: vec!["a@example.com".into(), "b@example.com".into()],
            subject: "Acme — quarantined".into(),
            text: "Acme — the job is in quarantine.\n".into(),
            idempotency_key: "incident-1-opened".into(),
            date: Utc::now(),
        };
        let (h, body, eight) = message(&mail, true);
        assert!(h.contains("Subject: =?UTF-8?B?"), "{h}");
        assert!(
            h.contains("Message-ID: <incident-1-opened@example.com>\r\n"),
            "{h}"
        );
        assert!(h.contains("To: a@example.com, b@example.com\r\n"));
        assert!(eight && body.contains('—'));
        let (h, body, eight) = message(&mail, false);
        assert!(!eight && h.contains("Content-Transfer-Encoding: base64"));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body.replace("\r\n", ""))
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), mail.text);
    }
}
