//! One alert, rendered for each kind of receiver. Pure: the same event
//! always renders the same bytes (a retry sends what the first try sent).

use scimwatch_core::health::Severity;
use serde_json::{json, Value};

use super::{AlertEvent, Transition};

fn when(e: &AlertEvent) -> String {
    e.occurred_at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn incident_ref(e: &AlertEvent) -> String {
    match e.incident_id {
        Some(id) => format!("incident #{id} · {}", e.transition.as_str()),
        None => e.transition.as_str().to_string(),
    }
}

/// Microsoft Teams: the message a Workflows webhook ("Post to a channel
/// when a webhook request is received") posts, with one Adaptive Card 1.4.
pub fn teams(e: &AlertEvent) -> Value {
    let color = match (e.transition, e.severity) {
        (Transition::Recovered | Transition::Test, _) => "Good",
        (_, Severity::Critical) => "Attention",
        (_, Severity::Warning) => "Warning",
        (_, Severity::Info) => "Default",
    };
    let mut facts = vec![json!({"title": "Severity", "value": e.severity.as_str()})];
    if let Some(c) = &e.connection_name {
        facts.insert(0, json!({"title": "Connection", "value": c}));
    }
    facts.push(json!({"title": "Incident", "value": incident_ref(e)}));
    facts.push(json!({"title": "When", "value": when(e)}));
    let mut body = vec![
        json!({"type": "TextBlock", "text": e.summary, "weight": "Bolder", "size": "Medium",
               "wrap": true, "color": color}),
        json!({"type": "TextBlock", "text": e.body, "wrap": true}),
        json!({"type": "FactSet", "facts": facts}),
    ];
    if !e.action.is_empty() && e.transition != Transition::Recovered {
        body.push(
            json!({"type": "TextBlock", "text": format!("What to do: {}", e.action),
                         "wrap": true, "isSubtle": true}),
        );
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
            }
        }]
    })
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped (else `<…>` is a link).
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Slack: an incoming webhook message in Block Kit, with `text` as the
/// notification fallback.
pub fn slack(e: &AlertEvent) -> Value {
    let mut fields = vec![json!({"type": "mrkdwn",
        "text": format!("*Severity*\n{}", e.severity.as_str())})];
    if let Some(c) = &e.connection_name {
        fields.insert(
            0,
            json!({"type": "mrkdwn", "text": format!("*Connection*\n{}", slack_escape(c))}),
        );
    }
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&e.summary, 150), "emoji": false}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&slack_escape(&e.body), 3000)}}),
        json!({"type": "section", "fields": fields}),
    ];
    if !e.action.is_empty() && e.transition != Transition::Recovered {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn",
            "text": cut(&format!("*What to do:* {}", slack_escape(&e.action)), 3000)}}));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
        "text": format!("scimwatch · {} · {}", incident_ref(e), when(e))}]}));
    json!({"text": cut(&e.summary, 3000), "blocks": blocks})
}

/// The generic webhook's JSON body (version 1; documented in README "For
/// teams"). `type` is `incident.<transition>`.
pub fn webhook(e: &AlertEvent) -> Value {
    json!({
        "version": 1,
        "type": format!("incident.{}", e.transition.as_str()),
        "idempotency_key": e.key,
        "occurred_at": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "summary": e.summary,
        "body": e.body,
        "incident": {
            "id": e.incident_id,
            "kind": e.kind,
            "severity": e.severity.as_str(),
            "title": e.title,
            "action": e.action,
        },
        "connection": {"id": e.connection_id, "name": e.connection_name},
    })
}

/// The e-mail: subject and plain-text body.
pub fn email(e: &AlertEvent) -> (String, String) {
    let subject = format!("[scimwatch] {}", e.summary);
    let mut text = format!("{}\n\n{}\n\n", e.summary, e.body);
    if let Some(c) = &e.connection_name {
        text.push_str(&format!("Connection: {c}\n"));
    }
    text.push_str(&format!("Severity:   {}\n", e.severity.as_str()));
    text.push_str(&format!("Incident:   {}\n", incident_ref(e)));
    text.push_str(&format!("When:       {}\n", when(e)));
    if !e.action.is_empty() && e.transition != Transition::Recovered {
        text.push_str(&format!("\nWhat to do:\n{}\n", e.action));
    }
    text.push_str(&format!("\n-- \nscimwatch · idempotency key {}\n", e.key));
    (subject, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn event() -> AlertEvent {
        AlertEvent {
            key: "incident-7-opened".into(),
            transition: Transition::Opened,
            incident_id: Some(7),
            connection_id: Some("c-uuid".into()),
            connection_name: Some("Acme <prod>".into()),
            kind: Some("quarantine".into()),
            severity: Severity::Critical,
            title: "The job is in quarantine".into(),
            summary: "Acme <prod> — The job is in quarantine".into(),
            body: "Get a new token from the SaaS & paste it.".into(),
            action: "Get a new token from the SaaS. Restart provisioning.".into(),
            occurred_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn teams_is_an_adaptive_card_in_the_workflows_envelope() {
        let v = teams(&event());
        assert_eq!(v["type"], "message");
        let a = &v["attachments"][0];
        assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
        assert_eq!(a["content"]["type"], "AdaptiveCard");
        assert_eq!(a["content"]["version"], "1.4");
        let body = a["content"]["body"].as_array().unwrap();
        assert_eq!(body[0]["color"], "Attention");
        assert_eq!(body[0]["text"], "Acme <prod> — The job is in quarantine");
        assert_eq!(body[2]["facts"][0]["value"], "Acme <prod>");
        assert!(body[3]["text"].as_str().unwrap().starts_with("What to do:"));
    }

    #[test]
    fn slack_is_block_kit_with_escaped_mrkdwn_and_a_fallback() {
        let v = slack(&event());
        assert_eq!(v["text"], "Acme <prod> — The job is in quarantine");
        let blocks = v["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        assert_eq!(
            blocks[1]["text"]["text"],
            "Get a new token from the SaaS &amp; paste it."
        );
        assert_eq!(
            blocks[2]["fields"][0]["text"],
            "*Connection*\nAcme &lt;prod&gt;"
        );
        let long = AlertEvent {
            summary: "x".repeat(400),
            ..event()
        };
        let h = slack(&long)["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(h.chars().count(), 150);
    }

    #[test]
    fn the_webhook_body_and_the_email_carry_the_key() {
        let v = webhook(&event());
        assert_eq!(v["type"], "incident.opened");
        assert_eq!(v["idempotency_key"], "incident-7-opened");
        assert_eq!(v["incident"]["severity"], "critical");
        assert_eq!(v["occurred_at"], "2026-11-28T12:00:00Z");
        let (subject, text) = email(&event());
        assert_eq!(
            subject,
            "[scimwatch] Acme <prod> — The job is in quarantine"
        );
        assert!(text.contains("Connection: Acme <prod>\n"), "{text}");
        assert!(text.contains("idempotency key incident-7-opened"), "{text}");
        let rec = AlertEvent {
            transition: Transition::Recovered,
            ..event()
        };
        assert!(!email(&rec).1.contains("What to do"));
        assert_eq!(
            teams(&rec)["attachments"][0]["content"]["body"][0]["color"],
            "Good"
        );
    }
}
