//! The sign-in service's pending and issued grants ([`AuthStore`]); served by
//! `crate::auth`.

use std::collections::HashMap;
use std::time::Instant;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Debug, Clone)]
pub(crate) struct PendingAuth {
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) challenge: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) used: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Refresh {
    pub(crate) scopes: Vec<String>,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) used: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct DeviceCode {
    pub(crate) user_code: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) decision: Option<bool>,
    pub(crate) last_poll: Option<Instant>,
    pub(crate) redeemed: bool,
}

/// Pending and issued grants.
#[derive(Debug, Default)]
pub struct AuthStore {
    pub(crate) pending: HashMap<String, PendingAuth>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) refresh: HashMap<String, Refresh>,
    pub(crate) devices: HashMap<String, DeviceCode>,
    pub(crate) counter: u64,
    /// Application permissions an admin granted at run time (admin consent, `crate::auth::admin_consent`).
    pub(crate) app_granted: Vec<String>,
}

impl AuthStore {
    pub(crate) fn next(&mut self) -> String {
        self.counter += 1;
        let mut h = Sha256::new();
        h.update(self.counter.to_le_bytes());
        h.update(Uuid::new_v4().as_bytes());
        B64.encode(h.finalize())
    }

    /// Whether this tenant issued the device code whose user code is
    /// `user_code` (in any state: the page then answers from this tenant).
    pub fn issued_user_code(&self, user_code: &str) -> bool {
        self.devices
            .values()
            .any(|d| d.user_code.eq_ignore_ascii_case(user_code))
    }

    /// Approve or decline a device code by its user code.
    pub fn decide_device_code(
        &mut self,
        user_code: &str,
        approve: bool,
        now: DateTime<Utc>,
    ) -> bool {
        for d in self.devices.values_mut() {
            if d.user_code.eq_ignore_ascii_case(user_code)
                && d.expires > now
                && d.decision.is_none()
            {
                d.decision = Some(approve);
                return true;
            }
        }
        false
    }
}
