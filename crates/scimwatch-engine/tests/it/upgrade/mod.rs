//! Upgrades: a database created by an earlier release's migrations opens with
//! the current ones and keeps its data. One committed fixture per schema
//! version (`tests/fixtures/db/schema-vN.db`, made by that version's
//! migrations); add one whenever a migration is added, with its test in the
//! file of its subject (`events`, `scim`, `connections`). Here: the copy of
//! a fixture they all open.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connections;
mod events;
mod scim;

/// A copy of the committed fixture `schema-v{version}.db` in a temporary
/// folder (kept while the returned guard lives).
fn fixture_copy(version: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scimwatch.db");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/db/schema-v{version}.db"));
    std::fs::copy(&fixture, &db).unwrap();
    (dir, db)
}
