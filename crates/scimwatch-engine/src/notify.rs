//! Desktop notifications, sent from Rust (notify-rust: D-Bus on Linux). The
//! same notifier serves the desktop app and `scimwatch-cli watch`; where no
//! desktop session exists it says so instead of failing the monitor.

use std::fmt;
use std::sync::{Arc, Mutex};

use scimwatch_core::health::{FindingKind, Severity};
use serde::Serialize;
use ts_rs::TS;

/// Application name shown by the notification server.
pub const APP_NAME: &str = "scimwatch";

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Notification {
    pub summary: String,
    pub body: String,
    pub severity: Severity,
    /// Connection uuid and incident kind, so a click can open the app there.
    pub connection_id: Option<String>,
    pub incident_kind: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(
        "no desktop notification service is reachable ({0}); scimwatch keeps monitoring and \
         records incidents, but cannot show pop-ups in this session"
    )]
    Unavailable(String),
}

/// Something that shows notifications.
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Show `n`. Returns the server's notification id when it has one.
    fn send(&self, n: &Notification) -> Result<u32, NotifyError>;
}

/// Shared notifier handle.
pub type Notifiers = Arc<dyn Notifier>;

/// The notify-rust notification for `n`: app name, urgency by severity, an
/// "Open scimwatch" action when it belongs to a connection.
fn desktop_note(n: &Notification) -> notify_rust::Notification {
    let mut note = notify_rust::Notification::new();
    note.appname(APP_NAME)
        .summary(&n.summary)
        .body(&n.body)
        .icon("dialog-warning");
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.urgency(match n.severity {
            Severity::Critical => notify_rust::Urgency::Critical,
            Severity::Warning => notify_rust::Urgency::Normal,
            Severity::Info => notify_rust::Urgency::Low,
        });
        if n.connection_id.is_some() {
            note.action("default", "Open scimwatch");
        }
        note.hint(notify_rust::Hint::Category("network".into()));
    }
    note
}

/// Real desktop notifications over D-Bus (`org.freedesktop.Notifications`).
#[derive(Debug, Default, Clone)]
pub struct DesktopNotifier;

impl Notifier for DesktopNotifier {
    fn send(&self, n: &Notification) -> Result<u32, NotifyError> {
        let note = desktop_note(n);
        match note.show() {
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => Ok(handle.id()),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => Ok(0),
            Err(e) => Err(NotifyError::Unavailable(e.to_string())),
        }
    }
}

/// Called with the notification the admin clicked.
pub type ClickHandler = Arc<dyn Fn(&Notification) + Send + Sync>;

/// Desktop notifications that report a click (the desktop app opens itself
/// at the incident). A thread waits for the click per notification with a
/// connection; it ends when the notification is closed.
#[derive(Clone)]
pub struct ClickableNotifier {
    on_click: ClickHandler,
}

impl fmt::Debug for ClickableNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClickableNotifier")
    }
}

impl ClickableNotifier {
    pub fn new(on_click: ClickHandler) -> Self {
        Self { on_click }
    }
}

impl Notifier for ClickableNotifier {
    #[cfg(all(unix, not(target_os = "macos")))]
    fn send(&self, n: &Notification) -> Result<u32, NotifyError> {
        let note = desktop_note(n);
        let handle = note
            .show()
            .map_err(|e| NotifyError::Unavailable(e.to_string()))?;
        let id = handle.id();
        let on_click = self.on_click.clone();
        let clicked = n.clone();
        std::thread::spawn(move || {
            handle.wait_for_action(|action| {
                if action == "default" {
                    on_click(&clicked);
                }
            });
        });
        Ok(id)
    }

    #[cfg(not(all(unix, not(target_os = "macos"))))]
    fn send(&self, n: &Notification) -> Result<u32, NotifyError> {
        DesktopNotifier.send(n)
    }
}

/// Keeps what would have been shown (tests of the incident flow).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notification>>,
}

impl RecordingNotifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Notifier for RecordingNotifier {
    fn send(&self, n: &Notification) -> Result<u32, NotifyError> {
        let mut v = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        v.push(n.clone());
        Ok(v.len() as u32)
    }
}

/// Longest toast line, in characters (notification servers cut or wrap
/// longer bodies).
const TOAST_LINE_MAX: usize = 160;

/// Words a sentence that says what to do starts with.
const DO_WORDS: &[&str] = &[
    "open", "get", "create", "check", "set", "fix", "review", "wait", "restart", "grant", "copy",
    "assign", "read", "contact", "make", "paste", "update", "sign", "in", "if", "attach", "click",
];

/// One line of what to do, from a finding's recommended fix (a paragraph):
/// the first sentence that says what to do (else the first), without
/// parenthesised API details (`(Graph: POST …/restart …)`), on one line and
/// at most [`TOAST_LINE_MAX`] characters. The full text stays in the app.
pub fn toast_line(action: &str) -> String {
    // Parenthesised asides that name API calls or paths are for the app.
    let mut plain = String::new();
    let mut depth = 0usize;
    let mut aside = String::new();
    for ch in action.chars() {
        match ch {
            '(' => {
                depth += 1;
                aside.push(ch);
            }
            ')' if depth > 0 => {
                depth -= 1;
                aside.push(ch);
                if depth == 0 {
                    let technical = ["Graph", "POST", "GET ", "PATCH", "/", "{"]
                        .iter()
                        .any(|t| aside.contains(t));
                    if !technical {
                        plain.push_str(&aside);
                    }
                    aside.clear();
                }
            }
            _ if depth > 0 => aside.push(ch),
            _ => plain.push(ch),
        }
    }
    plain.push_str(&aside);
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let plain = plain.replace(" .", ".").replace(" ,", ",");
    let sentences: Vec<&str> = plain
        .split_inclusive(". ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let says_what_to_do = |s: &&str| {
        let first = s
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        DO_WORDS.contains(&first.as_str()) && !s.contains("…/") && !s.contains("POST")
    };
    let line = sentences
        .iter()
        .find(|s| says_what_to_do(s))
        .or(sentences.first())
        .copied()
        .unwrap_or_default();
    if line.chars().count() <= TOAST_LINE_MAX {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(TOAST_LINE_MAX - 1).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    format!("{}…", cut.trim_end_matches([',', ';', ':']))
}

/// The summary of a recovery: what is true again, not the old problem's
/// title (which reads like the problem is still there).
pub fn recovered_summary(kind: FindingKind, title: &str) -> String {
    use FindingKind as K;
    let now_true = match kind {
        K::Quarantine => "the job is out of quarantine",
        K::ProvisioningOff => "Provisioning Status is On again",
        K::NotConfigured => "provisioning is configured",
        K::NeverRun => "provisioning has run",
        K::Stalled => "cycles are completing again",
        K::InitialCycleRunning => "the initial cycle has ended",
        K::FailureSpike => "the last cycle had few failures",
        K::EscrowsRising => "escrowed entries are no longer rising",
        K::Conflicts => "the last cycle had no conflicts",
        K::ScimDown => "the SCIM endpoint answers again",
        K::ScimTestFailed => "Test Connection succeeds again",
        K::TokenExpiring => "the SCIM token is no longer about to expire",
        K::TokenExpired => "the SCIM token is no longer expired",
        K::UsersMappingDisabled => "the users mapping is enabled again",
        K::GroupsMappingDisabled => "the groups mapping is enabled again",
        K::NoGroupsAssigned => "groups are assigned to the app again",
        K::Drift => "Entra and the SaaS agree again",
        K::GraphBlind => "scimwatch reads Microsoft Graph again",
        K::ScimBlind => "scimwatch reaches the SCIM endpoint again",
        K::LogsUnavailable => "the provisioning logs can be read again",
        K::TenantUrlMismatch => "Entra's Tenant URL matches the one scimwatch checks again",
        K::ScimNonCompliant => "no deviation from the SCIM standard is seen any more",
    };
    let was = title.trim().trim_end_matches('.');
    format!("Recovered: {now_true} (was: {was})")
}

/// The notification sent by "Send a test notification" (Settings, CLI).
pub fn test_notification() -> Notification {
    Notification {
        summary: "scimwatch notifications work".into(),
        body: "This is how scimwatch will tell you when provisioning stalls.".into(),
        severity: Severity::Info,
        connection_id: None,
        incident_kind: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_notifier_keeps_order() {
        let r = RecordingNotifier::new();
        r.send(&test_notification()).unwrap();
        let mut second = test_notification();
        second.summary = "second".into();
        r.send(&second).unwrap();
        let sent = r.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].summary, "second");
    }

    /// Issue 17, defect 17: a toast gets one line of what to do, never the
    /// paragraph with a Graph POST path inside.
    #[test]
    fn a_toast_body_is_one_line_of_what_to_do() {
        let quarantine = "The SaaS refused Entra's credentials: the SCIM token has expired or was \
revoked, or the Tenant URL is wrong. Get a new token from the SaaS, paste it into Provisioning → \
Admin Credentials → Secret Token, check the Tenant URL, click Test Connection, Save. In the Entra \
admin center open the app's Provisioning page and click Restart provisioning (Graph: POST \
…/synchronization/jobs/{jobId}/restart with resetScope \"Watermark, Escrows, QuarantineState\").";
        let line = toast_line(quarantine);
        assert!(line.starts_with("Get a new token"), "{line}");
        assert!(
            !line.contains('\n') && !line.contains("POST") && !line.contains("…/"),
            "{line}"
        );
        assert!(line.chars().count() <= TOAST_LINE_MAX, "{line}");
        let restart = toast_line(
            "Entra stopped. In the Entra admin center click Restart provisioning (Graph: POST …/restart).",
        );
        assert_eq!(
            restart,
            "In the Entra admin center click Restart provisioning."
        );
        let long = toast_line(&format!("Check {}.", "the endpoint and ".repeat(30)));
        assert!(
            long.ends_with('…') && long.chars().count() <= TOAST_LINE_MAX,
            "{long}"
        );
    }

    /// Issue 17, defect 18: a recovery says what is true again; the old
    /// problem is clearly past.
    #[test]
    fn a_recovery_says_what_is_true_again() {
        let s = recovered_summary(
            FindingKind::GroupsMappingDisabled,
            "The groups mapping is disabled: no groups are provisioned",
        );
        assert!(
            s.starts_with("Recovered: the groups mapping is enabled again"),
            "{s}"
        );
        assert!(s.contains("(was: The groups mapping is disabled"), "{s}");
        for kind in FindingKind::ALL {
            assert!(recovered_summary(kind, "x").starts_with("Recovered: "));
        }
    }

    /// Without a session bus the error is the explanatory one, not a panic.
    /// (Delivery to a real notification server is proven end to end in
    /// `tests/e2e/notifications.test.mjs`, inside a D-Bus session with dunst.)
    #[test]
    fn no_session_bus_is_reported_clearly() {
        let saved = std::env::var_os("DBUS_SESSION_BUS_ADDRESS");
        match DesktopNotifier.send(&test_notification()) {
            // make test runs inside dbus-run-session: a server may answer.
            Ok(_) => assert!(saved.is_some(), "sent without any session bus?"),
            Err(e) => assert!(e.to_string().contains("keeps monitoring"), "{e}"),
        }
    }
}
