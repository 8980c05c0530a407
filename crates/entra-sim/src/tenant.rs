//! The directory model (users, groups, service principals, app role
//! assignments) and its fast deterministic generator.

use std::collections::HashMap;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// A small, fast, portable deterministic random number generator (SplitMix64).
/// Used instead of `rand` so that a seed means the same tenant forever.
#[derive(Debug, Clone)]
pub struct SimRng(u64);

impl SimRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }
    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    /// A random (version 4) UUID.
    pub fn uuid(&mut self) -> Uuid {
        let a = self.next_u64();
        let b = self.next_u64();
        uuid_from_bits(a, b)
    }
}

/// SplitMix64's finaliser: a good 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A version-4-shaped UUID from 128 bits.
pub fn uuid_from_bits(a: u64, b: u64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A user in the directory.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Object id.
    pub id: Uuid,
    /// `displayName`.
    pub display_name: String,
    /// `givenName`.
    pub given_name: String,
    /// `surname`.
    pub surname: String,
    /// `userPrincipalName` (the default matching attribute, flows to SCIM `userName`).
    pub user_principal_name: String,
    /// `mail`.
    pub mail: String,
    /// `mailNickname` (flows to SCIM `externalId`).
    pub mail_nickname: String,
    /// `jobTitle`.
    pub job_title: String,
    /// `department`.
    pub department: String,
    /// `accountEnabled`.
    pub account_enabled: bool,
    /// Bumped on every change; the provisioning service compares it with what it last exported.
    pub version: u64,
}

impl User {
    /// The `n`-th user, `first last`: nickname `first.lastn`, UPN and mail
    /// at `domain`; an enabled Engineer in Engineering.
    fn named(id: Uuid, first: &str, last: &str, n: usize, domain: &str, version: u64) -> User {
        let nick = format!(
            "{}.{}{n}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        );
        let upn = format!("{nick}@{domain}");
        User {
            id,
            display_name: format!("{first} {last}"),
            given_name: first.to_string(),
            surname: last.to_string(),
            mail: upn.clone(),
            user_principal_name: upn,
            mail_nickname: nick,
            job_title: "Engineer".to_string(),
            department: "Engineering".to_string(),
            account_enabled: true,
            version,
        }
    }
}

/// A security group with direct members only.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Object id.
    pub id: Uuid,
    /// `displayName` (the groups matching attribute).
    pub display_name: String,
    /// `mailNickname`.
    pub mail_nickname: String,
    /// `securityEnabled` (only security groups are provisioned).
    pub security_enabled: bool,
    /// Direct members: indexes into [`Tenant::users`].
    pub members: Vec<u32>,
    /// Bumped on every change (including membership).
    pub version: u64,
}

/// A service principal (an enterprise app's instance in the tenant).
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePrincipal {
    /// Object id (the portal's "Object ID").
    pub id: Uuid,
    /// `appId` (the application/client id).
    pub app_id: Uuid,
    /// `displayName`.
    pub display_name: String,
    /// `appOwnerOrganizationId`.
    pub app_owner_organization_id: Uuid,
    /// `tags`.
    pub tags: Vec<String>,
    /// `appRoleAssignmentRequired`.
    pub app_role_assignment_required: bool,
    /// `publisherName`.
    pub publisher_name: String,
}

/// Who an app role assignment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A user, by index into [`Tenant::users`].
    User(u32),
    /// A group, by index into [`Tenant::groups`].
    Group(u32),
}

/// An app role assignment of a user or group to the provisioning app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRoleAssignment {
    /// Graph's assignment id (43 base64url characters).
    pub id: String,
    /// The assigned principal.
    pub principal: Principal,
    /// `appRoleId` (the app's "User" role).
    pub app_role_id: Uuid,
    /// `createdDateTime`.
    pub created: DateTime<Utc>,
}

/// The app registration clients sign in with (the monitor's own app).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientApp {
    /// `client_id`.
    pub client_id: Uuid,
    /// `client_secret` for the client-credentials grant.
    pub client_secret: String,
}

/// A whole simulated tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The directory (tenant) id.
    pub tenant_id: Uuid,
    /// The initial domain, `something.onmicrosoft.com`.
    pub domain: String,
    /// All users.
    pub users: Vec<User>,
    /// All groups.
    pub groups: Vec<Group>,
    /// Service principals; index 0 is the provisioning app.
    pub service_principals: Vec<ServicePrincipal>,
    /// Assignments to the provisioning app (index 0 of `service_principals`).
    pub assignments: Vec<AppRoleAssignment>,
    /// The monitor's app registration.
    pub client: ClientApp,
    /// The app role assignments use (the app's "User" role).
    pub user_role_id: Uuid,
    /// Hex id the provisioning job's id is built from (`scim.<hex>`).
    pub job_hex: String,
    /// Ever-increasing counter for `User::version` / `Group::version`.
    pub version_counter: u64,
    /// More provisioning apps (`SimConfig::extra_apps`, see `crate::apps`).
    pub extra_apps: Vec<crate::apps::ExtraApp>,
    user_index: HashMap<Uuid, u32>,
    group_index: HashMap<Uuid, u32>,
}

const FIRST: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Bianca",
    "Brian",
    "Carlos",
    "Chen",
    "Christie",
    "Debra",
    "Diego",
    "Emily",
    "Enrico",
    "Fatima",
    "Grady",
    "Hana",
    "Henrietta",
    "Isaiah",
    "Ivan",
    "Johanna",
    "Joni",
    "Kenji",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Olga",
    "Patti",
    "Pradeep",
    "Quinn",
    "Raul",
    "Sakura",
    "Sven",
    "Tariq",
    "Uma",
    "Valentina",
    "Wei",
    "Yara",
    "Zoe",
];
const LAST: &[&str] = &[
    "Adams",
    "Braun",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Gonzalez",
    "Holt",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Sato",
    "Tanaka",
    "Umarov",
    "Vargas",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zhang",
];
const TITLES: &[&str] = &[
    "Engineer",
    "Designer",
    "Accountant",
    "Sales Manager",
    "Support Specialist",
    "Analyst",
    "Recruiter",
    "Product Manager",
    "Administrator",
    "Consultant",
];
const DEPTS: &[&str] = &[
    "Engineering",
    "Design",
    "Finance",
    "Sales",
    "Support",
    "Marketing",
    "HR",
    "Product",
    "IT",
    "Legal",
];
const TEAMS: &[&str] = &[
    "Sales",
    "Marketing",
    "Engineering",
    "Finance",
    "Support",
    "Design",
    "Legal",
    "Operations",
    "Research",
    "Security",
    "Platform",
    "Data",
];

/// Generate a tenant with `users` users and `groups` groups from `seed`.
///
/// Deterministic (the same arguments always give the same tenant, ids
/// included) and fast: 100,000 users and 2,000 groups take well under a
/// second in a release build. Scope: roughly half the groups are assigned to
/// the provisioning app, and every tenth user is also assigned directly, so a
/// part of the directory is deliberately out of scope.
pub fn generate_tenant(seed: u64, users: usize, groups: usize) -> Tenant {
    let mut rng = SimRng::new(seed);
    let tenant_id = rng.uuid();
    let tenant_hex = format!("{:08x}", rng.next_u64() as u32);
    let domain = format!("contoso{tenant_hex}.onmicrosoft.com");
    let created = crate::clock::default_start() - Duration::days(90);

    let mut version: u64 = 0;
    let mut user_vec = Vec::with_capacity(users);
    let mut user_index = HashMap::with_capacity(users);
    for i in 0..users {
        let r = rng.next_u64();
        let first = FIRST[(r % FIRST.len() as u64) as usize];
        let last = LAST[((r >> 16) % LAST.len() as u64) as usize];
        version += 1;
        let id = uuid_from_bits(rng.next_u64(), r);
        user_index.insert(id, i as u32);
        user_vec.push(User {
            job_title: TITLES[((r >> 32) % TITLES.len() as u64) as usize].to_string(),
            department: DEPTS[((r >> 40) % DEPTS.len() as u64) as usize].to_string(),
            account_enabled: !(r >> 56).is_multiple_of(50),
            ..User::named(id, first, last, i + 1, &domain, version)
        });
    }

    let mut group_vec: Vec<Group> = Vec::with_capacity(groups);
    let mut group_index = HashMap::with_capacity(groups);
    for g in 0..groups {
        version += 1;
        let team = TEAMS[g % TEAMS.len()];
        let name = if g < TEAMS.len() {
            format!("{team} Team")
        } else {
            format!("{team} Team {}", g / TEAMS.len() + 1)
        };
        let id = rng.uuid();
        group_index.insert(id, g as u32);
        group_vec.push(Group {
            id,
            mail_nickname: name.to_ascii_lowercase().replace(' ', "-"),
            display_name: name,
            security_enabled: true,
            members: Vec::new(),
            version,
        });
    }
    if groups > 0 {
        for i in 0..users {
            let r = mix64(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let g1 = i % groups;
            group_vec[g1].members.push(i as u32);
            if r.is_multiple_of(3) {
                let g2 = (r >> 8) as usize % groups;
                if g2 != g1 {
                    group_vec[g2].members.push(i as u32);
                }
            }
        }
    }

    let client = ClientApp {
        client_id: rng.uuid(),
        client_secret: format!("sim~{}", hex(rng.next_u64()) + &hex(rng.next_u64())),
    };
    let app = ServicePrincipal {
        id: rng.uuid(),
        app_id: rng.uuid(),
        display_name: "Northwind SCIM Demo".to_string(),
        app_owner_organization_id: tenant_id,
        tags: vec![
            "WindowsAzureActiveDirectoryCustomSingleSignOnApplication".to_string(),
            "WindowsAzureActiveDirectoryIntegratedApp".to_string(),
        ],
        app_role_assignment_required: true,
        publisher_name: "Contoso".to_string(),
    };
    let microsoft = Uuid::from_u128(0xf8cdef31_a31e_4b4a_93e4_5f571e91255a);
    let others = vec![
        ServicePrincipal {
            id: rng.uuid(),
            app_id: Uuid::from_u128(0x00000003_0000_0000_c000_000000000000),
            display_name: "Microsoft Graph".to_string(),
            app_owner_organization_id: microsoft,
            tags: vec![],
            app_role_assignment_required: false,
            publisher_name: "Microsoft Services".to_string(),
        },
        ServicePrincipal {
            id: rng.uuid(),
            app_id: client.client_id,
            display_name: "scimwatch".to_string(),
            app_owner_organization_id: tenant_id,
            tags: vec!["WindowsAzureActiveDirectoryIntegratedApp".to_string()],
            app_role_assignment_required: false,
            publisher_name: "Contoso".to_string(),
        },
        ServicePrincipal {
            id: rng.uuid(),
            app_id: rng.uuid(),
            display_name: "Fabrikam Expenses".to_string(),
            app_owner_organization_id: tenant_id,
            tags: vec!["WindowsAzureActiveDirectoryCustomSingleSignOnApplication".to_string()],
            app_role_assignment_required: true,
            publisher_name: "Contoso".to_string(),
        },
    ];
    let user_role_id = rng.uuid();
    let job_hex = format!("{}{}", hex(rng.next_u64()), hex(rng.next_u64()));

    let mut tenant = Tenant {
        tenant_id,
        domain,
        users: user_vec,
        groups: group_vec,
        service_principals: std::iter::once(app).chain(others).collect(),
        assignments: Vec::new(),
        client,
        user_role_id,
        job_hex,
        version_counter: version,
        extra_apps: Vec::new(),
        user_index,
        group_index,
    };
    let assigned_groups = groups.div_ceil(2);
    for g in 0..assigned_groups {
        tenant.push_assignment(&mut rng, Principal::Group(g as u32), created);
    }
    for i in (0..users).step_by(10) {
        tenant.push_assignment(&mut rng, Principal::User(i as u32), created);
    }
    tenant
}

fn hex(v: u64) -> String {
    format!("{v:016x}")
}

impl Tenant {
    fn push_assignment(&mut self, rng: &mut SimRng, principal: Principal, created: DateTime<Utc>) {
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        self.assignments.push(AppRoleAssignment {
            id: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
            principal,
            app_role_id: self.user_role_id,
            created,
        });
    }

    /// The provisioning app's service principal.
    pub fn app(&self) -> &ServicePrincipal {
        &self.service_principals[0]
    }

    /// The provisioning job's id, `scim.<hex>`.
    pub fn job_id(&self) -> String {
        format!("scim.{}", self.job_hex)
    }

    /// Index of a user by object id.
    pub fn user_idx(&self, id: &Uuid) -> Option<u32> {
        self.user_index.get(id).copied()
    }

    /// Index of a group by object id.
    pub fn group_idx(&self, id: &Uuid) -> Option<u32> {
        self.group_index.get(id).copied()
    }

    /// Next value for an object's `version`.
    pub fn bump(&mut self) -> u64 {
        self.version_counter += 1;
        self.version_counter
    }

    /// Add a user (optionally assigned directly to the app); returns its index.
    pub fn add_user(&mut self, first: &str, last: &str, assign: bool, now: DateTime<Utc>) -> u32 {
        let i = self.users.len() as u32;
        let mut rng = SimRng::new(self.version_counter ^ u64::from(i) << 20);
        let version = self.bump();
        let id = rng.uuid();
        self.user_index.insert(id, i);
        let n = i as usize + 1;
        self.users
            .push(User::named(id, first, last, n, &self.domain, version));
        if assign {
            self.push_assignment(&mut rng, Principal::User(i), now);
        }
        i
    }

    /// Change a user's attributes through `f` and record the change.
    pub fn update_user(&mut self, idx: u32, f: impl FnOnce(&mut User)) -> bool {
        let version = self.bump();
        match self.users.get_mut(idx as usize) {
            Some(u) => {
                f(u);
                u.version = version;
                true
            }
            None => false,
        }
    }

    /// Assign a principal to the app (no-op if already assigned).
    pub fn assign(&mut self, principal: Principal, now: DateTime<Utc>) {
        if self.assignments.iter().any(|a| a.principal == principal) {
            return;
        }
        let mut rng = SimRng::new(self.bump());
        self.push_assignment(&mut rng, principal, now);
    }

    /// Remove a principal's assignments; returns the removed ones.
    pub fn unassign(&mut self, principal: Principal) -> Vec<AppRoleAssignment> {
        let (removed, kept) = std::mem::take(&mut self.assignments)
            .into_iter()
            .partition(|a| a.principal == principal);
        self.assignments = kept;
        removed
    }

    /// Users in provisioning scope: assigned directly, or direct members of an
    /// assigned security group (no nesting). Indexed by user index.
    pub fn users_in_scope(&self) -> Vec<bool> {
        let mut scope = vec![false; self.users.len()];
        for a in &self.assignments {
            match a.principal {
                Principal::User(u) => {
                    if let Some(s) = scope.get_mut(u as usize) {
                        *s = true;
                    }
                }
                Principal::Group(g) => {
                    if let Some(group) = self.groups.get(g as usize) {
                        if group.security_enabled {
                            for &m in &group.members {
                                if let Some(s) = scope.get_mut(m as usize) {
                                    *s = true;
                                }
                            }
                        }
                    }
                }
            }
        }
        scope
    }

    /// Groups in provisioning scope (assigned security groups). Indexed by group index.
    pub fn groups_in_scope(&self) -> Vec<bool> {
        let mut scope = vec![false; self.groups.len()];
        for a in &self.assignments {
            if let Principal::Group(g) = a.principal {
                if let Some(s) = scope.get_mut(g as usize) {
                    *s = self
                        .groups
                        .get(g as usize)
                        .is_some_and(|g| g.security_enabled);
                }
            }
        }
        scope
    }
}

#[cfg(test)]
mod tests;
