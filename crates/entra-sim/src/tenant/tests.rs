use super::*;

#[test]
fn generation_is_deterministic() {
    let a = generate_tenant(7, 200, 10);
    let b = generate_tenant(7, 200, 10);
    assert_eq!(a.users, b.users);
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(a.tenant_id, b.tenant_id);
    let c = generate_tenant(8, 200, 10);
    assert_ne!(a.tenant_id, c.tenant_id);
    assert_eq!(a.users.len(), 200);
    assert_eq!(a.groups.len(), 10);
    assert!(a.job_id().starts_with("scim."));
    let in_scope = a.users_in_scope().iter().filter(|s| **s).count();
    assert!(in_scope > 0 && in_scope < 200, "{in_scope}");
    assert_eq!(a.assignments[0].id.len(), 43);
}

#[test]
fn large_tenant_is_fast() {
    let t0 = std::time::Instant::now();
    let t = generate_tenant(1, 100_000, 2_000);
    assert_eq!(t.users.len(), 100_000);
    assert!(t0.elapsed().as_secs() < 10);
}
