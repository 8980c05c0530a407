//! What rustls cannot ask: a hand-made TLS ClientHello (RFC 5246 §7.4.1.2,
//! RFC 8446 §4.1.2) offering an older protocol version or suites rustls does
//! not implement (Microsoft's four ECDHE AES-CBC suites), and the reading of
//! the server's first answer — a ServerHello (version and suite chosen) or an
//! alert. Only the first message is exchanged: nothing is encrypted, no
//! certificate is verified, so this only tells what the server *accepts*.
//! Pure: the engine (`scim/discover/tls.rs`) sends and receives the bytes.

use super::tls::{TlsCheck, TlsStatus, CHECK_OLD_VERSIONS, CHECK_SUITES};

/// TLS 1.0, 1.1 and 1.2 as they appear on the wire.
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;

/// Microsoft's four TLS 1.2 CBC suites (IANA codes), in the list's order.
pub const REQUIRED_CBC_SUITES: [(u16, &str); 4] = [
    (0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
];

/// Suites a TLS 1.0/1.1 server would pick from (ECDHE and RSA key exchange,
/// AES-CBC with SHA-1): enough for a server that still speaks them to say so.
pub const OLD_SUITES: [u16; 6] = [0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035];

/// A name for a suite code this module offers.
pub fn suite_name(code: u16) -> String {
    REQUIRED_CBC_SUITES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| format!("0x{code:04x}"))
}

/// The wire name of a protocol version.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        TLS10 => "TLS 1.0".into(),
        TLS11 => "TLS 1.1".into(),
        TLS12 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        v => format!("0x{v:04x}"),
    }
}

fn u16b(v: usize) -> [u8; 2] {
    [(v >> 8) as u8, v as u8]
}

fn ext(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend(kind.to_be_bytes());
    out.extend(u16b(body.len()));
    out.extend_from_slice(body);
}

/// One TLS record holding a ClientHello for `version` offering `suites`,
/// with SNI `host` (a DNS name; `None` for an IP address), the curves
/// x25519/P-256/P-384 and RSA/ECDSA signature algorithms. `random` is the
/// 32-byte client random (the caller's randomness).
pub fn client_hello(version: u16, suites: &[u16], host: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(h) = host {
        let mut name = vec![0u8];
        name.extend(u16b(h.len()));
        name.extend_from_slice(h.as_bytes());
        let mut list = u16b(name.len()).to_vec();
        list.extend(name);
        ext(&mut exts, 0x0000, &list);
    }
    ext(
        &mut exts,
        0x000a,
        &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18],
    );
    ext(&mut exts, 0x000b, &[1, 0]);
    if version >= TLS12 {
        let algs: [u16; 9] = [
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
        ];
        let mut body = u16b(algs.len() * 2).to_vec();
        for a in algs {
            body.extend(a.to_be_bytes());
        }
        ext(&mut exts, 0x000d, &body);
    }
    ext(&mut exts, 0xff01, &[0]);

    let mut hello = version.to_be_bytes().to_vec();
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    hello.extend(u16b(suites.len() * 2));
    for s in suites {
        hello.extend(s.to_be_bytes());
    }
    hello.extend([1, 0]); // null compression only
    hello.extend(u16b(exts.len()));
    hello.extend(exts);

    let mut hs = vec![1u8, 0];
    hs.extend(u16b(hello.len()));
    hs.extend(hello);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend(u16b(hs.len()));
    rec.extend(hs);
    rec
}

/// The server's first answer to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It accepted: the version and suite it chose.
    ServerHello { version: u16, suite: u16 },
    /// It refused with an alert (description code, e.g. 40 handshake
    /// failure, 70 protocol version).
    Alert(u8),
    /// Something else (not TLS, truncated).
    Unreadable(String),
}

/// The bytes needed before [`read_answer`] can decide: the 5-byte record
/// header and then the record's length.
pub fn record_len(header: &[u8; 5]) -> usize {
    usize::from(u16::from_be_bytes([header[3], header[4]]))
}

/// Reads the server's first record (header + body).
pub fn read_answer(record: &[u8]) -> Answer {
    let bad = |why: &str| Answer::Unreadable(why.to_string());
    if record.len() < 5 {
        return bad("no TLS record");
    }
    let body = &record[5..];
    match record[0] {
        0x15 if body.len() >= 2 => Answer::Alert(body[1]),
        0x16 => {
            // Handshake: type 2 ServerHello, 3-byte length, version, random,
            // session id, suite.
            if body.len() < 4 + 2 + 32 + 1 || body[0] != 2 {
                return bad("not a ServerHello");
            }
            let version = u16::from_be_bytes([body[4], body[5]]);
            let sid = usize::from(body[38]);
            let at = 39 + sid;
            match body.get(at..at + 2) {
                Some(s) => Answer::ServerHello {
                    version,
                    suite: u16::from_be_bytes([s[0], s[1]]),
                },
                None => bad("truncated ServerHello"),
            }
        }
        t => bad(&format!("record type {t}")),
    }
}

/// An alert description's name (RFC 8446 §6).
pub fn alert_name(code: u8) -> String {
    match code {
        40 => "handshake_failure".into(),
        47 => "illegal_parameter".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        80 => "internal_error".into(),
        112 => "unrecognized_name".into(),
        c => format!("alert {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_is_one_well_formed_record() {
        let r = client_hello(TLS12, &[0xc027, 0xc028], Some("scim.example"), [7; 32]);
        assert_eq!(&r[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(record_len(&[r[0], r[1], r[2], r[3], r[4]]), r.len() - 5);
        assert_eq!(r[5], 1, "ClientHello");
        let hs_len = (usize::from(r[6]) << 16) | (usize::from(r[7]) << 8) | usize::from(r[8]);
        assert_eq!(hs_len, r.len() - 9);
        assert_eq!(&r[9..11], &[0x03, 0x03]);
        assert_eq!(&r[44..50], &[0, 4, 0xc0, 0x27, 0xc0, 0x28]);
        assert!(r.windows(12).any(|w| w == b"scim.example"));
        let old = client_hello(TLS10, &OLD_SUITES, None, [0; 32]);
        assert_eq!(&old[9..11], &[0x03, 0x01]);
        assert!(!old.windows(2).any(|w| w == [0x00, 0x0d]) || old.len() < r.len());
    }

    #[test]
    fn answers_are_read() {
        let mut sh = vec![0x16, 3, 3, 0, 0, 2, 0, 0, 0, 0x03, 0x03];
        sh.extend([9u8; 32]);
        sh.extend([0, 0xc0, 0x28, 0]);
        assert_eq!(
            read_answer(&sh),
            Answer::ServerHello {
                version: TLS12,
                suite: 0xc028
            }
        );
        assert_eq!(suite_name(0xc028), "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
        let mut sid = vec![0x16, 3, 1, 0, 0, 2, 0, 0, 0, 0x03, 0x01];
        sid.extend([9u8; 32]);
        sid.extend([2, 0xaa, 0xbb, 0xc0, 0x13, 0]);
        assert_eq!(
            read_answer(&sid),
            Answer::ServerHello {
                version: TLS10,
                suite: 0xc013
            }
        );
        assert_eq!(read_answer(&[0x15, 3, 3, 0, 2, 2, 70]), Answer::Alert(70));
        assert_eq!(alert_name(70), "protocol_version");
        assert!(matches!(
            read_answer(b"HTTP/1.1 400"),
            Answer::Unreadable(_)
        ));
        assert!(matches!(read_answer(&sh[..20]), Answer::Unreadable(_)));
    }
}

/// What one hand-made ClientHello got: the server's answer, or why there
/// was none (connection refused, reset, closed, timed out).
pub type HelloOutcome = Result<Answer, String>;

fn refused(o: &HelloOutcome) -> Option<String> {
    match o {
        Ok(Answer::Alert(c)) => Some(format!("alert {}", alert_name(*c))),
        // A server that answers an old hello with TLS 1.2+ does not speak
        // the old version (the client would abort).
        Ok(Answer::ServerHello { version, .. }) if *version >= TLS12 => Some(format!(
            "answered with {}, not the version asked",
            version_name(*version)
        )),
        // Closing or resetting the connection is how many servers refuse.
        Err(e) if e.contains("closed") || e.contains("reset") => Some(e.clone()),
        _ => None,
    }
}

/// Whether the endpoint refuses TLS 1.0 and 1.1 (Microsoft permits only
/// 1.2 and 1.3). `answers`: (version asked, outcome).
pub fn judge_old_versions(answers: &[(u16, HelloOutcome)]) -> TlsCheck {
    let mut evidence = Vec::new();
    let mut accepted = Vec::new();
    let mut unknown = Vec::new();
    for (v, o) in answers {
        let name = version_name(*v);
        match (o, refused(o)) {
            (_, Some(why)) => evidence.push(format!("{name}: refused ({why})")),
            (Ok(Answer::ServerHello { version, suite }), None) => {
                evidence.push(format!(
                    "{name}: accepted (server chose {}, suite 0x{suite:04x})",
                    version_name(*version)
                ));
                accepted.push(name);
            }
            (Ok(Answer::Unreadable(e)), None) | (Err(e), None) => {
                evidence.push(format!("{name}: no answer ({e})"));
                unknown.push(name);
            }
            (Ok(Answer::Alert(_)), None) => unknown.push(name),
        }
    }
    let (status, message) = if !accepted.is_empty() {
        (
            TlsStatus::Fail,
            format!(
                "the endpoint also accepts {}: Microsoft permits only TLS 1.2 and 1.3 \
                 (Entra itself negotiates 1.2 or 1.3)",
                accepted.join(" and ")
            ),
        )
    } else if !unknown.is_empty() {
        (
            TlsStatus::NotPerformed,
            format!(
                "not performed: no readable answer to a {} ClientHello",
                unknown.join(" / ")
            ),
        )
    } else {
        (
            TlsStatus::Pass,
            "the endpoint refuses TLS 1.0 and TLS 1.1 (checked with a bare ClientHello)".into(),
        )
    };
    TlsCheck {
        id: CHECK_OLD_VERSIONS.to_string(),
        status,
        message,
        evidence: Some(evidence.join("; ")),
    }
}

/// A failed suite check ([`super::tls::judge_suites`]) completed with what a
/// bare TLS 1.2 ClientHello offering Microsoft's four CBC suites got: the
/// server choosing one of them turns it into a pass.
pub fn with_cbc_answer(check: TlsCheck, cbc: &HelloOutcome) -> TlsCheck {
    if check.id != CHECK_SUITES || check.status != TlsStatus::Fail {
        return check;
    }
    let ev = check.evidence.clone().unwrap_or_default();
    match cbc {
        Ok(Answer::ServerHello { version, suite })
            if *version == TLS12 && REQUIRED_CBC_SUITES.iter().any(|(c, _)| c == suite) =>
        {
            let name = suite_name(*suite);
            TlsCheck {
                message: format!(
                    "the endpoint offers {name}, on Microsoft's TLS 1.2 list (seen in its \
                     ServerHello; scimwatch cannot complete a CBC handshake)"
                ),
                status: TlsStatus::Pass,
                evidence: Some(format!(
                    "{ev}; offered in a bare ClientHello instead: the server chose {name}"
                )),
                ..check
            }
        }
        other => {
            let what = match (other, refused(other)) {
                (_, Some(why)) => format!("refused ({why})"),
                (Ok(a), None) => format!("{a:?}"),
                (Err(e), None) => format!("no answer ({e})"),
            };
            TlsCheck {
                evidence: Some(format!(
                    "{ev}; offered in a bare ClientHello instead: {what}"
                )),
                ..check
            }
        }
    }
}

#[cfg(test)]
mod judge_tests {
    use super::*;

    #[test]
    fn old_versions_refused_pass_accepted_fail_silence_is_not_a_verdict() {
        let alert = Ok(Answer::Alert(70));
        let c = judge_old_versions(&[(TLS10, alert.clone()), (TLS11, alert.clone())]);
        assert_eq!(c.status, TlsStatus::Pass);
        assert!(c
            .evidence
            .unwrap()
            .contains("TLS 1.0: refused (alert protocol_version)"));
        let old = Ok(Answer::ServerHello {
            version: TLS10,
            suite: 0xc013,
        });
        let c = judge_old_versions(&[(TLS10, old), (TLS11, alert)]);
        assert_eq!(c.status, TlsStatus::Fail);
        assert!(c.message.contains("accepts TLS 1.0"), "{}", c.message);
        let c = judge_old_versions(&[(TLS10, Err("timed out".into()))]);
        assert_eq!(c.status, TlsStatus::NotPerformed);
        let c = judge_old_versions(&[(TLS10, Err("connection closed".into()))]);
        assert_eq!(c.status, TlsStatus::Pass);
    }

    #[test]
    fn a_cbc_server_hello_turns_the_suite_failure_into_a_pass() {
        let fail = TlsCheck {
            id: CHECK_SUITES.into(),
            status: TlsStatus::Fail,
            message: "Entra will refuse this endpoint: …".into(),
            evidence: Some("TLS 1.2 offering …: refused".into()),
        };
        let c = with_cbc_answer(
            fail.clone(),
            &Ok(Answer::ServerHello {
                version: TLS12,
                suite: 0xc027,
            }),
        );
        assert_eq!(c.status, TlsStatus::Pass);
        assert!(c.message.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"));
        let c = with_cbc_answer(fail.clone(), &Ok(Answer::Alert(40)));
        assert_eq!(c.status, TlsStatus::Fail);
        assert!(c
            .evidence
            .unwrap()
            .ends_with("instead: refused (alert handshake_failure)"));
        // A suite outside the list is no pass.
        let c = with_cbc_answer(
            fail,
            &Ok(Answer::ServerHello {
                version: TLS12,
                suite: 0xc013,
            }),
        );
        assert_eq!(c.status, TlsStatus::Fail);
    }
}
