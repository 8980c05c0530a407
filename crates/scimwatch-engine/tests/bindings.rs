//! Exports the TypeScript bindings of every type that crosses the IPC
//! boundary into `ui/src/bindings/`, and fails when the committed files were
//! stale (they are rewritten, so committing the result fixes the failure).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use ts_rs::TS;

fn bindings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings")
}

/// Every IPC type, by file name. Add new ones here.
fn all_bindings() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    macro_rules! export {
        ($($t:ty),* $(,)?) => {$(
            out.insert(
                format!("{}.ts", <$t as TS>::ident()),
                <$t as TS>::export_to_string().expect("ts-rs export"),
            );
        )*};
    }
    {
        use scimwatch_core::*;
        export!(
            AuthMode,
            Cloud,
            CommandError,
            Connection,
            ConnectionInput,
            EntraSide,
            ErrorKind,
            FieldError,
            ScimSide,
        );
    }
    {
        use scimwatch_engine::connections::SaveOutcome;
        use scimwatch_engine::{AppInfo, SecretsPayload};
        export!(AppInfo, SaveOutcome, SecretsPayload);
    }
    out
}

#[test]
fn bindings_are_current() {
    let dir = bindings_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let wanted = all_bindings();
    let mut stale = Vec::new();
    for (name, content) in &wanted {
        let path = dir.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != *content {
            std::fs::write(&path, content).unwrap();
            stale.push(name.clone());
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".ts") && !wanted.contains_key(&name) {
            std::fs::remove_file(dir.join(&name)).unwrap();
            stale.push(format!("{name} (removed)"));
        }
    }
    assert!(
        stale.is_empty(),
        "ui/src/bindings was out of date and has been regenerated; commit these files: {stale:?}"
    );
}
