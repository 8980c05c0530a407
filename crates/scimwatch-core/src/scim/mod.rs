//! SCIM 2.0 (RFC 7643/7644): lenient parsing that records deviations, typed
//! views, content hashing, snapshot diff, JWT expiry and drift — all pure.
//!
//! - [`aimd`] — the crawl's adaptive concurrency limit ([`aimd::Aimd`]).
//! - [`deviation`] — [`Deviation`], one departure from the RFCs, for the compliance report.
//! - [`list`] — `ListResponse` parsing ([`parse_list_response`]).
//! - [`page`] — the crawl's fast page reader ([`parse_list_page`]): texts, ids, hashes.
//! - [`body`] — [`classify_body`] (JSON / HTML login page / text / empty),
//!   [`check_content_type`], SCIM error bodies ([`parse_scim_error`]).
//! - [`resource`] — [`ScimUser`], [`ScimGroup`].
//! - [`hash`] — canonical JSON and [`content_hash`].
//! - [`diff`] — [`diff_snapshots`] between two inventories.
//! - [`jwt`] — [`jwt_expiry`].
//! - [`verdict`] — [`Verdict`], what a Test Connection replay concluded (one vocabulary for
//!   the engine, the store, the rules and the checklist).
//! - [`drift`] — [`compute_drift`] between Entra's assignments and the SaaS.
//! - [`write_probe`] — the Entra write probe's outcomes, Entra's reactions and verdict.

pub mod aimd;
pub mod body;
pub mod declared;
pub mod deviation;
pub mod diff;
pub mod drift;
pub mod hash;
pub mod jwt;
pub mod list;
pub mod page;
pub mod resource;
pub mod tls;
pub mod tls_hello;
pub mod verdict;
pub mod write_probe;

pub use crate::graph::ParseError;
pub use body::{
    check_content_type, classify_body, parse_scim_error, BodyKind, ContentTypeCheck, ScimError,
    ERROR_SCHEMA,
};
pub use deviation::{Deviation, Severity};
pub use diff::{
    changed_paths, diff_groups, diff_snapshots, diff_users, DiffCounts, GroupChange, GroupDiff,
    HashedResource, ResourceChange, ResourceDiff, ResourceMap, ResourceRef, Snapshot, SnapshotDiff,
};
pub use drift::{
    compute_drift, ActiveMismatch, AssignedUser, DriftConfig, DriftCounts, DriftReport,
    DuplicateUsers, MatchingAttribute, SaasUserRef,
};
pub use hash::{canonical_json, content_hash, content_hash_hex, ContentHash};
pub use jwt::{jwt_claims, jwt_expiry};
pub use list::{
    parse_list_response, parse_list_response_for, ListRequest, ListResponse, LIST_RESPONSE_SCHEMA,
};
pub use page::{parse_list_page, ListPage, PageResource};
pub use resource::{GroupMember, ScimGroup, ScimMeta, ScimMultiValue, ScimName, ScimUser};
pub use verdict::Verdict;
