//! What a "poll now" asks for: every connection, or one connection (by
//! uuid or name; naming an all-apps tenant covers its apps). The poller and
//! the monitor loop both honour it, and two requests that arrive during
//! one round merge into one target.

use crate::store::connections::ConnectionRow;

/// The connections a "poll now" covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollTarget {
    /// Every connection.
    Every,
    /// One connection, by uuid or name (a tenant's name covers its apps).
    Connection(String),
}

impl PollTarget {
    /// The target of a request naming `connection` (none: every one).
    pub fn from_request(connection: Option<String>) -> Self {
        match connection {
            Some(c) if !c.trim().is_empty() => Self::Connection(c),
            _ => Self::Every,
        }
    }

    /// One target for two requests: the same connection stays that
    /// connection, anything else widens to every connection.
    pub fn merge(self, other: Self) -> Self {
        match (self, other) {
            (Self::Connection(a), Self::Connection(b)) if a == b => Self::Connection(a),
            _ => Self::Every,
        }
    }

    /// Merge `other` into a pending target (none pending: `other`).
    pub fn merge_into(pending: Option<Self>, other: Self) -> Option<Self> {
        Some(match pending {
            None => other,
            Some(p) => p.merge(other),
        })
    }

    /// Whether this target covers `row`: everything, the connection by uuid
    /// or name, or the all-apps tenant it belongs to.
    pub fn covers(&self, row: &ConnectionRow) -> bool {
        let names = |c: &str, uuid: &str, name: &str| c == uuid || c.eq_ignore_ascii_case(name);
        match self {
            Self::Every => true,
            Self::Connection(c) => {
                names(c, &row.uuid, &row.name)
                    || matches!(
                        (&row.tenant_uuid, &row.tenant_name),
                        (Some(u), Some(n)) if names(c, u, n)
                    )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PollTarget::{self, Connection, Every};
    use crate::store::connections::ConnectionRow;

    fn row(uuid: &str, name: &str, tenant: Option<(&str, &str)>) -> ConnectionRow {
        ConnectionRow {
            uuid: uuid.into(),
            name: name.into(),
            tenant_uuid: tenant.map(|t| t.0.into()),
            tenant_name: tenant.map(|t| t.1.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_request_names_one_connection_or_every_one() {
        assert_eq!(PollTarget::from_request(None), Every);
        assert_eq!(PollTarget::from_request(Some("  ".into())), Every);
        assert_eq!(
            PollTarget::from_request(Some("Contoso".into())),
            Connection("Contoso".into())
        );
    }

    #[test]
    fn requests_merge_to_the_same_connection_or_widen() {
        let a = || Connection("a".into());
        assert_eq!(a().merge(a()), a());
        assert_eq!(a().merge(Connection("b".into())), Every);
        assert_eq!(a().merge(Every), Every);
        assert_eq!(Every.merge(a()), Every);
        assert_eq!(PollTarget::merge_into(None, a()), Some(a()));
        assert_eq!(PollTarget::merge_into(Some(Every), a()), Some(Every));
    }

    #[test]
    fn a_target_covers_its_connection_by_uuid_or_name_and_a_tenant_its_apps() {
        let plain = row("u-1", "Acme", None);
        let app = row("u-2", "Contoso / HR", Some(("u-t", "Contoso")));
        assert!(Every.covers(&plain) && Every.covers(&app));
        assert!(Connection("u-1".into()).covers(&plain));
        assert!(
            Connection("acme".into()).covers(&plain),
            "names ignore case"
        );
        assert!(!Connection("u-1".into()).covers(&app));
        assert!(
            Connection("Contoso".into()).covers(&app),
            "the tenant covers its apps"
        );
        assert!(Connection("u-t".into()).covers(&app));
        assert!(!Connection("Contoso".into()).covers(&plain));
    }
}
