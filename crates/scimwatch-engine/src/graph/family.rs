//! Which family of Graph endpoints a request belongs to. Below both the
//! client (which throttles and retries per family) and the errors (which
//! name the permission a family needs), so neither imports the other.

/// Which family of Graph endpoints a request belongs to (throttling and
/// permissions differ per family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// servicePrincipals, appRoleAssignedTo, groups/{id}/members.
    Directory,
    /// synchronization jobs, schema, secrets.
    Synchronization,
    /// auditLogs/provisioning.
    ProvisioningLogs,
}
