//! The one HTTP transport under Microsoft Graph, sign-in and SCIM.
//!
//! - [`build_client`]: rustls with certificate verification always on,
//!   trusting the bundled webpki roots *and* the operating system's store
//!   (`rustls-native-certs`: `/etc/ssl/certs` and friends; `SSL_CERT_FILE` /
//!   `SSL_CERT_DIR` replace the OS store when set, the bundled roots stay);
//!   timeouts; the scimwatch user agent; redirects never followed (Graph
//!   and SCIM callers see a 3xx and decide; the bearer token never goes to
//!   a host it was not meant for).
//! - Proxies from the environment, as curl reads them: `HTTPS_PROXY`,
//!   `HTTP_PROXY`, `ALL_PROXY` (upper or lower case; `http://[user:pass@]host:port`)
//!   and `NO_PROXY` (comma-separated host suffixes, IPs, CIDRs, `*`).
//!   Loopback targets (`localhost`, `127.0.0.0/8`, `::1`) always go direct:
//!   a proxy elsewhere cannot reach this machine's loopback (reqwest alone
//!   would send them to the proxy unless `NO_PROXY` lists them).
//! - [`describe_send_error`]: one description of a failed request for both
//!   clients; a certificate failure names the problem (issuer unknown,
//!   another host name, expired…) and the host, and says how to trust a
//!   company CA.

use std::time::Duration;

use url::Url;

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("scimwatch/", env!("CARGO_PKG_VERSION"));

/// Where the README explains proxies and company CAs.
pub const CA_HELP: &str =
    "if your company inspects TLS or the endpoint uses a private CA, add the \
     CA to the operating system's certificate store or set SSL_CERT_FILE — see README \
     'Proxies and company CAs'";

/// Loopback destinations that never go through a proxy.
const ALWAYS_DIRECT: &str = "localhost,127.0.0.0/8,::1";

/// How a client is built.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Idle connections kept per host (`None`: reqwest's default).
    pub pool_max_idle_per_host: Option<usize>,
}

/// Whether `url`'s host is on this machine (where plain http is allowed and
/// no proxy is used). The one definition lives in core.
pub fn is_loopback(url: &Url) -> bool {
    scimwatch_core::transport::is_loopback_host(url)
}

/// The `reqwest` client of Graph, sign-in and SCIM (see the module docs).
/// The error is a sentence for the admin.
pub fn build_client(cfg: &TransportConfig) -> Result<reqwest::Client, String> {
    build_client_with(cfg, &ProxyEnv::from_env())
}

/// [`build_client`] with the proxy settings given (tests).
pub fn build_client_with(cfg: &TransportConfig, env: &ProxyEnv) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .connect_timeout(cfg.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .tls_built_in_root_certs(true);
    if let Some(n) = cfg.pool_max_idle_per_host {
        b = b.pool_max_idle_per_host(n);
    }
    // Explicit proxies replace reqwest's own reading of the environment
    // (same variables) so that loopback always goes direct.
    b = b.no_proxy();
    for p in env.proxies()? {
        b = b.proxy(p);
    }
    b.build()
        .map_err(|e| format!("cannot set up HTTPS: {}", chain_text(&e)))
}

/// Proxy settings read from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// (variable name, value)
    pub https: Option<(String, String)>,
    pub http: Option<(String, String)>,
    pub all: Option<(String, String)>,
    pub no_proxy: Option<(String, String)>,
}

impl ProxyEnv {
    /// Read `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` (upper case
    /// first, then lower case; empty values count as unset). Under CGI
    /// (`REQUEST_METHOD` set) the upper-case `HTTP_PROXY` is ignored, as curl
    /// does, because a request header can set it.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: &[&str]| {
            names.iter().find_map(|n| {
                get(n)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (n.to_string(), v.trim().to_string()))
            })
        };
        let cgi = get("REQUEST_METHOD").is_some();
        Self {
            https: first(&["HTTPS_PROXY", "https_proxy"]),
            http: if cgi {
                first(&["http_proxy"])
            } else {
                first(&["HTTP_PROXY", "http_proxy"])
            },
            all: first(&["ALL_PROXY", "all_proxy"]),
            no_proxy: first(&["NO_PROXY", "no_proxy"]),
        }
    }

    fn no_list(&self) -> String {
        match &self.no_proxy {
            Some((_, v)) => format!("{v},{ALWAYS_DIRECT}"),
            None => ALWAYS_DIRECT.to_string(),
        }
    }

    /// The reqwest proxies, most specific first. A value that is not a URL
    /// is refused by name (its text may hold a password, so it is not shown).
    fn proxies(&self) -> Result<Vec<reqwest::Proxy>, String> {
        let mut out = Vec::new();
        let no = || reqwest::NoProxy::from_string(&self.no_list());
        let bad = |name: &str| {
            format!(
                "{name} is not a valid proxy URL (expected http://host:port or \
                 http://user:password@host:port; SOCKS proxies are not supported)"
            )
        };
        if let Some((name, v)) = &self.https {
            check_proxy_url(v).map_err(|_| bad(name))?;
            out.push(
                reqwest::Proxy::https(v.as_str())
                    .map_err(|_| bad(name))?
                    .no_proxy(no()),
            );
        }
        if let Some((name, v)) = &self.http {
            check_proxy_url(v).map_err(|_| bad(name))?;
            out.push(
                reqwest::Proxy::http(v.as_str())
                    .map_err(|_| bad(name))?
                    .no_proxy(no()),
            );
        }
        if let Some((name, v)) = &self.all {
            check_proxy_url(v).map_err(|_| bad(name))?;
            out.push(
                reqwest::Proxy::all(v.as_str())
                    .map_err(|_| bad(name))?
                    .no_proxy(no()),
            );
        }
        Ok(out)
    }

    /// The proxy a request to `url` goes through, as (variable, redacted
    /// URL); `None` when it goes direct (loopback, `NO_PROXY`, none set).
    pub fn proxy_for(&self, url: &Url) -> Option<(String, String)> {
        if is_loopback(url) {
            return None;
        }
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Some((_, list)) = &self.no_proxy {
            if no_proxy_matches(list, host) {
                return None;
            }
        }
        let chosen = match url.scheme() {
            "https" => self.https.as_ref().or(self.all.as_ref()),
            "http" => self.http.as_ref().or(self.all.as_ref()),
            _ => None,
        }?;
        Some((chosen.0.clone(), redact_proxy_url(&chosen.1)))
    }

    /// One line per variable set, passwords redacted.
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, v) in [&self.https, &self.http, &self.all].into_iter().flatten() {
            out.push(format!("{name}={}", redact_proxy_url(v)));
        }
        match &self.no_proxy {
            Some((name, v)) => out.push(format!("{name}={v} (loopback always goes direct)")),
            None if !out.is_empty() => {
                out.push("NO_PROXY not set (loopback always goes direct)".to_string())
            }
            None => {}
        }
        out
    }
}

/// Whether a `NO_PROXY` list names `host`: `*`, the host itself, a parent
/// domain (`corp.example` or `.corp.example`), an IP address or an IPv4/IPv6
/// network (`10.0.0.0/8`), as curl and reqwest read it.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let ip = host.parse::<std::net::IpAddr>().ok();
    list.split(',').map(str::trim).any(|entry| {
        if entry.is_empty() {
            return false;
        }
        if entry == "*" {
            return true;
        }
        if let Some(ip) = ip {
            return match entry.split_once('/') {
                Some((net, bits)) => in_network(ip, net, bits),
                None => entry.parse::<std::net::IpAddr>().is_ok_and(|e| e == ip),
            };
        }
        let d = entry.trim_start_matches('.');
        host.eq_ignore_ascii_case(d)
            || host.len().checked_sub(d.len() + 1).is_some_and(|dot| {
                host.as_bytes().get(dot) == Some(&b'.')
                    && host
                        .get(dot + 1..)
                        .is_some_and(|t| t.eq_ignore_ascii_case(d))
            })
    })
}

fn in_network(ip: std::net::IpAddr, net: &str, bits: &str) -> bool {
    use std::net::IpAddr;
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `scheme://host[:port]` or `host:port` (curl's http:// default), any scheme.
fn parse_proxy_url(v: &str) -> Option<Url> {
    let with_scheme = if v.contains("://") {
        v.to_string()
    } else {
        format!("http://{v}")
    };
    let u = Url::parse(&with_scheme).ok()?;
    u.host_str().is_some_and(|h| !h.is_empty()).then_some(u)
}

/// An HTTP(S) proxy URL. Without reqwest's `socks` feature a socks5:// proxy
/// would be spoken to as an HTTP proxy: refused by name instead.
fn check_proxy_url(v: &str) -> Result<Url, ()> {
    match parse_proxy_url(v) {
        Some(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
        _ => Err(()),
    }
}

/// A proxy URL for display: any user name and password replaced.
pub fn redact_proxy_url(v: &str) -> String {
    match parse_proxy_url(v) {
        Some(u) => {
            let userinfo = if !u.username().is_empty() || u.password().is_some() {
                "<redacted>@"
            } else {
                ""
            };
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{userinfo}{}{port}",
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
        None => {
            // Unparsable: show nothing that could be a secret.
            if v.contains('@') {
                "<not a valid URL; redacted>".to_string()
            } else {
                format!("{v} (not a valid URL)")
            }
        }
    }
}

/// Which proxy variables are set, with any user name or password in a proxy
/// URL redacted (for `scimwatch-cli info`). Empty when none is set.
pub fn proxy_summary() -> Vec<String> {
    ProxyEnv::from_env().summary()
}

/// Which trust-store overrides are set (`SSL_CERT_FILE`, `SSL_CERT_DIR`) and
/// whether they can be read, for `scimwatch-cli info`.
pub fn trust_summary() -> Vec<String> {
    let mut out = vec!["bundled webpki roots".to_string()];
    let file = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let dir = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty());
    if file.is_none() && dir.is_none() {
        out.push("the operating system's certificate store".to_string());
    }
    if let Some(f) = file {
        let p = std::path::Path::new(&f);
        let state = if p.is_file() {
            ""
        } else {
            " (not a readable file)"
        };
        out.push(format!("SSL_CERT_FILE={}{state}", p.display()));
    }
    if let Some(d) = dir {
        out.push(format!("SSL_CERT_DIR={}", d.to_string_lossy()));
    }
    out
}

/// What kind of failure a send error was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// No answer in time.
    Timeout,
    /// The TLS handshake failed (certificate or protocol).
    Tls,
    /// DNS, TCP, proxy.
    Connect,
    /// Anything else (body cut, protocol error).
    Other,
}

/// A failed request, described for the admin. Never holds the URL's query
/// or a header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub kind: SendErrorKind,
    /// The host the request went to.
    pub host: String,
    /// A sentence: what failed, where, what to do.
    pub detail: String,
}

/// Describe a `reqwest` error of a request to `url` (see [`SendError`]).
pub fn describe_send_error(e: &reqwest::Error, url: &str) -> SendError {
    describe_send_error_with(e, url, &ProxyEnv::from_env())
}

/// [`describe_send_error`] with the proxy settings the client was built with.
pub fn describe_send_error_with(e: &reqwest::Error, url: &str, env: &ProxyEnv) -> SendError {
    let parsed = Url::parse(url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the server".into());
    let via = parsed.as_ref().and_then(|u| env.proxy_for(u));
    if e.is_timeout() {
        return SendError {
            kind: SendErrorKind::Timeout,
            detail: format!("{host} did not answer in time"),
            host,
        };
    }
    if let Some(tls) = find_rustls_error(e) {
        return SendError {
            kind: SendErrorKind::Tls,
            detail: describe_tls(&tls, &host),
            host,
        };
    }
    // reqwest's own Display names the URL (with its query); describe the
    // causes instead.
    let causes = causes_text(e);
    let lower = causes.to_ascii_lowercase();
    let (kind, what) = if lower.contains("certificate") || lower.contains("handshake") {
        (
            SendErrorKind::Tls,
            format!("the TLS handshake with {host} failed; {CA_HELP}"),
        )
    } else if lower.contains("proxy authorization required") {
        (
            SendErrorKind::Connect,
            "the proxy asks for a user name and password: put them in the proxy URL \
             (http://user:password@proxy:port)"
                .to_string(),
        )
    } else if let Some((name, proxy)) = via.as_ref().filter(|_| {
        e.is_connect() && (lower.contains("underlying connection") || !lower.contains("tunnel"))
    }) {
        // The connection that failed is the one to the proxy.
        (
            SendErrorKind::Connect,
            format!(
                "cannot connect to the proxy {proxy} (from {name}) on the way to {host}; \
                 check that the proxy is reachable, or list {host} in NO_PROXY"
            ),
        )
    } else if lower.contains("unsuccessful") || lower.contains("tunnel") {
        let proxy = via
            .as_ref()
            .map(|(name, p)| format!(" {p} (from {name})"))
            .unwrap_or_default();
        (
            SendErrorKind::Connect,
            format!(
                "the proxy{proxy} refused to open a tunnel to {host}; check HTTPS_PROXY and \
                 NO_PROXY"
            ),
        )
    } else if lower.contains("dns")
        || lower.contains("resolve")
        || lower.contains("lookup")
        || lower.contains("name or service not known")
    {
        (
            SendErrorKind::Connect,
            format!("the host name {host} does not resolve"),
        )
    } else if lower.contains("refused") {
        (
            SendErrorKind::Connect,
            format!("{host} refused the connection"),
        )
    } else if e.is_connect() {
        (SendErrorKind::Connect, format!("cannot connect to {host}"))
    } else {
        (
            SendErrorKind::Other,
            format!("the request to {host} failed"),
        )
    };
    let detail = if causes.is_empty() {
        what
    } else {
        format!("{what} ({causes})")
    };
    SendError { kind, host, detail }
}

/// The messages of `e`'s causes, joined (not `e` itself: reqwest's names the URL).
fn causes_text(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !t.is_empty() && !parts.iter().any(|p| p == &t) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

fn chain_text(e: &reqwest::Error) -> String {
    let c = causes_text(e);
    if c.is_empty() {
        e.to_string()
    } else {
        c
    }
}

/// The rustls error somewhere in `e`'s chain. `io::Error::source` skips the
/// error it wraps (and hyper nests one `io::Error` in another), so wrapped
/// errors are looked into as well.
fn find_rustls_error(e: &reqwest::Error) -> Option<rustls::Error> {
    rustls_in(e, 0)
}

fn rustls_in(err: &(dyn std::error::Error + 'static), depth: u8) -> Option<rustls::Error> {
    if depth > 16 {
        return None;
    }
    if let Some(r) = err.downcast_ref::<rustls::Error>() {
        return Some(r.clone());
    }
    if let Some(inner) = err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        if let Some(r) = rustls_in(inner, depth + 1) {
            return Some(r);
        }
    }
    rustls_in(err.source()?, depth + 1)
}

/// A sentence naming the certificate problem and the host.
pub fn describe_tls(e: &rustls::Error, host: &str) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => {
            let (what, hint): (String, &str) = match c {
                C::UnknownIssuer => ("is not trusted (issuer unknown)".into(), CA_HELP),
                C::NotValidForName | C::NotValidForNameContext { .. } => (
                    "was issued for another host name".into(),
                    "check the URL; a TLS-inspecting proxy with a company CA would also need that CA trusted — see README 'Proxies and company CAs'",
                ),
                C::Expired | C::ExpiredContext { .. } => (
                    "has expired".into(),
                    "the server's owner must renew it (or this computer's clock is wrong)",
                ),
                C::NotValidYet | C::NotValidYetContext { .. } => (
                    "is not valid yet".into(),
                    "check this computer's clock",
                ),
                C::Revoked => ("has been revoked".into(), "the server's owner must replace it"),
                C::BadSignature => (
                    "has an invalid signature".into(),
                    CA_HELP,
                ),
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => (
                    "is not meant for a TLS server".into(),
                    "the server's owner must replace it",
                ),
                other => (format!("was rejected ({other:?})"), CA_HELP),
            };
            format!("the TLS certificate of {host} {what}: {hint}")
        }
        other => format!("the TLS handshake with {host} failed ({other})"),
    }
}

#[cfg(test)]
mod tests;
