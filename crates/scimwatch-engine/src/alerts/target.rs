//! What the admin typed for a channel, checked before anything is stored.
//! Messages never quote a webhook URL (its path and query carry the token):
//! at most its host.

use url::Url;

use super::{ChannelKind, EmailSettings};

/// A webhook URL that passed, with what was cleaned up on the way.
#[derive(Debug, Clone)]
pub struct CheckedUrl {
    pub url: Url,
    pub notes: Vec<String>,
}

/// What may be shown of a webhook URL: scheme and host (`https://host/…`).
pub fn display(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(p) => format!("{}://{host}:{p}/…", url.scheme()),
        None => format!("{}://{host}/…", url.scheme()),
    }
}

/// Check a Teams, Slack or webhook URL: https (http only to this machine),
/// no user name or password, and the right kind of URL for the channel.
/// Spaces and line breaks pasted inside it (a URL copied across lines) are
/// removed and said so; quotes or angle brackets around it too.
pub fn webhook_url(kind: ChannelKind, raw: &str) -> Result<CheckedUrl, String> {
    let mut notes = Vec::new();
    let mut s = raw.trim().to_string();
    for (open, close) in [('"', '"'), ('\'', '\''), ('<', '>')] {
        if s.len() >= 2 && s.starts_with(open) && s.ends_with(close) {
            s = s[1..s.len() - 1].trim().to_string();
            notes.push("removed the quotes around the URL".into());
        }
    }
    if s.is_empty() {
        return Err("paste the webhook URL".into());
    }
    let spaces = s
        .chars()
        .filter(|c| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}'))
        .count();
    if spaces > 0 {
        s.retain(|c| !(c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}')));
        notes.push(format!(
            "removed {} pasted inside the URL (copied across lines?)",
            if spaces == 1 {
                "1 space or line break".to_string()
            } else {
                format!("{spaces} spaces or line breaks")
            }
        ));
    }
    let url = Url::parse(&s).map_err(|e| {
        format!("this is not a URL ({e}): copy the whole address, starting with https://")
    })?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.scheme() {
        "https" => {}
        "http" if crate::http::is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "plain http to {host} is refused: the alert and the URL's token would travel \
                 unencrypted; use the https:// URL (http is accepted only for this machine)"
            ))
        }
        other => {
            let shown: String = other.chars().take(20).collect();
            return Err(format!(
                "the scheme `{shown}:` is not a webhook: only https:// URLs are accepted"
            ));
        }
    }
    if host.is_empty() {
        return Err("the URL has no host name".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not contain a user name or password".into());
    }
    let teams_like = host.ends_with(".logic.azure.com")
        || host.ends_with(".powerplatform.com")
        || host.ends_with(".powerautomate.com");
    let connector = host.ends_with("webhook.office.com")
        || (host == "outlook.office.com" && url.path().starts_with("/webhook"));
    let slack = host == "hooks.slack.com";
    match kind {
        ChannelKind::Teams if connector => {
            return Err(format!(
                "{host} is an Office 365 connector (incoming webhook) URL, which Microsoft \
                 retired: in Teams, add the workflow \u{201c}Post to a channel when a webhook \
                 request is received\u{201d} and paste the URL it shows"
            ))
        }
        ChannelKind::Teams if slack => {
            return Err("this is a Slack webhook URL: choose Slack as the channel type".into())
        }
        ChannelKind::Slack if teams_like || connector => {
            return Err("this is a Microsoft Teams URL: choose Teams as the channel type".into())
        }
        ChannelKind::Slack
            if slack
                && !(url.path().starts_with("/services/")
                    || url.path().starts_with("/triggers/")) =>
        {
            return Err("a Slack incoming webhook URL looks like \
                 https://hooks.slack.com/services/T…/B…/…: copy it from the app's \
                 Incoming Webhooks page"
                .into())
        }
        _ => {}
    }
    if url.fragment().is_some() {
        return Err("the URL must not contain a `#` fragment".into());
    }
    Ok(CheckedUrl { url, notes })
}

/// An e-mail address as SMTP needs it: `local@domain`, nothing that could
/// break a command line or a header.
pub fn email_address(field: &str, raw: &str) -> Result<String, String> {
    let a = raw.trim();
    if a.is_empty() {
        return Err(format!("{field}: give an e-mail address"));
    }
    if a.len() > 254
        || a.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';')
        })
    {
        return Err(format!(
            "{field}: \u{201c}{}\u{201d} is not an e-mail address (no spaces, quotes, commas or <>)",
            a.chars().take(80).collect::<String>()
        ));
    }
    let ok = a.rsplit_once('@').is_some_and(|(l, d)| {
        !l.is_empty()
            && !d.starts_with('.')
            && !d.ends_with('.')
            && (d.contains('.') || d.eq_ignore_ascii_case("localhost"))
    });
    if !ok {
        return Err(format!(
            "{field}: \u{201c}{}\u{201d} is not an e-mail address (name@example.com)",
            a.chars().take(80).collect::<String>()
        ));
    }
    Ok(a.to_string())
}

/// Check an e-mail channel's settings; returns them cleaned.
pub fn email(settings: &EmailSettings) -> Result<EmailSettings, String> {
    let host = settings.host.trim().to_string();
    if host.is_empty() {
        return Err("give the SMTP server's host name".into());
    }
    let bad = |c: char| c.is_whitespace() || c == '/' || (c == ':' && !host.starts_with('['));
    if host.contains(bad) {
        return Err(format!(
            "\u{201c}{}\u{201d} is not a host name: give the server alone (smtp.example.com) and \
             the port separately",
            host.chars().take(80).collect::<String>()
        ));
    }
    if settings.port == 0 {
        return Err("the SMTP port must be 1–65535 (587 for submission with STARTTLS)".into());
    }
    if settings.port == 465 {
        return Err(
            "port 465 speaks TLS from the first byte (SMTPS), which scimwatch does not: \
             use the server's submission port 587 with STARTTLS"
                .into(),
        );
    }
    let from = email_address("from", &settings.from)?;
    if settings.to.is_empty() {
        return Err("to: give at least one recipient".into());
    }
    if settings.to.len() > 50 {
        return Err("to: at most 50 recipients (use a distribution list)".into());
    }
    let to = settings
        .to
        .iter()
        .map(|t| email_address("to", t))
        .collect::<Result<Vec<_>, _>>()?;
    let username = settings
        .username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            if u.chars().any(char::is_control) {
                Err("the SMTP user name contains a control character".to_string())
            } else {
                Ok(u.to_string())
            }
        })
        .transpose()?;
    Ok(EmailSettings {
        host,
        port: settings.port,
        username,
        from,
        to,
    })
}

/// Whether an SMTP host is this machine (where plain SMTP is allowed).
pub fn smtp_host_is_loopback(host: &str) -> bool {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_pasted_with_spaces_is_mended_and_said_so() {
        let c = webhook_url(
            ChannelKind::Slack,
            "  https://hooks.slack.com/services/T000/B000/\n  XXXX yyyy ",
        )
        .unwrap();
        assert_eq!(
            c.url.as_str(),
            "https://hooks.slack.com/services/T000/B000/XXXXyyyy"
        );
        assert!(
            c.notes[0].contains("removed 4 spaces or line breaks"),
            "{:?}",
            c.notes
        );
        let q = webhook_url(ChannelKind::Webhook, "\"https://example.com/hook\"").unwrap();
        assert_eq!(q.url.as_str(), "https://example.com/hook");
    }

    #[test]
    fn plain_http_only_to_this_machine_and_never_quoting_the_token() {
        let e = webhook_url(
            ChannelKind::Webhook,
            "http://alerts.example.com/hook?sig=SECRET",
        )
        .unwrap_err();
        assert!(
            e.contains("plain http to alerts.example.com is refused"),
            "{e}"
        );
        assert!(!e.contains("SECRET"), "{e}");
        assert!(webhook_url(ChannelKind::Webhook, "http://127.0.0.1:9/hook").is_ok());
        assert!(webhook_url(ChannelKind::Webhook, "http://localhost:9/hook").is_ok());
        let e = webhook_url(ChannelKind::Webhook, "ftp://example.com/x").unwrap_err();
        assert!(e.contains("`ftp:`"), "{e}");
        let e = webhook_url(ChannelKind::Webhook, "not a url at all").unwrap_err();
        assert!(e.contains("not a URL"), "{e}");
        let e = webhook_url(ChannelKind::Webhook, "https://u:p@example.com/x").unwrap_err();
        assert!(e.contains("user name or password"), "{e}");
    }

    #[test]
    fn the_wrong_kind_of_url_is_named() {
        let e = webhook_url(
            ChannelKind::Teams,
            "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x/y",
        )
        .unwrap_err();
        assert!(e.contains("Office 365 connector"), "{e}");
        let e =
            webhook_url(ChannelKind::Teams, "https://hooks.slack.com/services/T/B/x").unwrap_err();
        assert!(e.contains("choose Slack"), "{e}");
        let e = webhook_url(
            ChannelKind::Slack,
            "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
        )
        .unwrap_err();
        assert!(e.contains("choose Teams"), "{e}");
        let e = webhook_url(ChannelKind::Slack, "https://hooks.slack.com/foo").unwrap_err();
        assert!(e.contains("looks like"), "{e}");
        let ok = webhook_url(
            ChannelKind::Teams,
            "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x",
        )
        .unwrap();
        assert_eq!(
            display(&ok.url),
            "https://prod-12.westeurope.logic.azure.com/…"
        );
    }

    #[test]
    fn email_settings_are_checked() {
        let good = EmailSettings {
            host: " smtp.example.com ".into(),
            port: 587,
            username: Some("  ".into()),
            from: "scimwatch@example.com".into(),
            to: vec!["ops@example.com".into()],
        };
        let c = email(&good).unwrap();
        assert_eq!(c.host, "smtp.example.com");
        assert_eq!(c.username, None);
        let bad_to = EmailSettings {
            to: vec!["ops@example.com\r\nRCPT TO:<x@y.z>".into()],
            ..good.clone()
        };
        assert!(email(&bad_to)
            .unwrap_err()
            .contains("not an e-mail address"));
        let no_to = EmailSettings {
            to: vec![],
            ..good.clone()
        };
        assert!(email(&no_to).unwrap_err().contains("at least one"));
        let port = EmailSettings {
            host: "smtp.example.com:587".into(),
            ..good.clone()
        };
        assert!(email(&port).unwrap_err().contains("port separately"));
        let smtps = EmailSettings { port: 465, ..good };
        assert!(email(&smtps).unwrap_err().contains("STARTTLS"));
        assert!(smtp_host_is_loopback("127.0.0.1"));
        assert!(smtp_host_is_loopback("localhost"));
        assert!(!smtp_host_is_loopback("smtp.example.com"));
    }
}
