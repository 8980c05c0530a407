//! Desktop notifications, sent from Rust (notify-rust: D-Bus on Linux). The
//! same notifier serves the desktop app and `scimwatch-cli watch`; where no
//! desktop session exists it says so instead of failing the monitor.

use std::fmt;
use std::sync::{Arc, Mutex};

use scimwatch_core::health::Severity;
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
