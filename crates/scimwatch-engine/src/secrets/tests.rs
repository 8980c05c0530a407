use super::*;

fn exercise(store: &dyn SecretStore) {
    let k = SecretKey::new("c1", SecretKind::ScimToken);
    let k2 = SecretKey::new("c1", SecretKind::ClientSecret);
    assert!(store.get(&k).unwrap().is_none());
    store.set(&k, &Sensitive::new("tok-1".into())).unwrap();
    store.set(&k2, &Sensitive::new("sec-1".into())).unwrap();
    assert_eq!(store.get(&k).unwrap().unwrap().expose(), "tok-1");
    store.set(&k, &Sensitive::new("tok-2".into())).unwrap();
    assert_eq!(store.get(&k).unwrap().unwrap().expose(), "tok-2");
    store.delete(&k).unwrap();
    store.delete(&k).unwrap();
    assert!(store.get(&k).unwrap().is_none());
    assert_eq!(store.get(&k2).unwrap().unwrap().expose(), "sec-1");
    store.delete(&k2).unwrap();
}

#[test]
fn memory_store_round_trip() {
    let s = MemoryStore::new();
    exercise(&s);
    s.set(
        &SecretKey::new("c", SecretKind::ScimToken),
        &Sensitive::new("zzz-secret".into()),
    )
    .unwrap();
    assert!(!format!("{s:?}").contains("zzz"));
}

#[test]
fn file_store_round_trip_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join(SECRETS_FILE);
    let s = FileStore::new(path.clone());
    exercise(&s);
    s.set(
        &SecretKey::new("c", SecretKind::RefreshToken),
        &Sensitive::new("r".into()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[cfg(unix)]
fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
#[test]
fn file_store_is_0600_under_a_permissive_umask_and_tightens_an_old_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SECRETS_FILE);
    std::fs::write(&path, b"{\"c/scim-token\":\"old\"}").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let s = FileStore::new(path.clone());
    // Reading alone tightens a file left world-readable by an older version.
    assert_eq!(
        s.get(&SecretKey::new("c", SecretKind::ScimToken))
            .unwrap()
            .unwrap()
            .expose(),
        "old"
    );
    assert_eq!(mode_of(&path), 0o600);
    s.set(
        &SecretKey::new("c", SecretKind::ScimToken),
        &Sensitive::new("new".into()),
    )
    .unwrap();
    assert_eq!(mode_of(&path), 0o600);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from(SECRETS_FILE)]);
    assert_eq!(s.kind(), SecretStoreKind::File);
    assert_eq!(s.location(), Some(path));
}

#[cfg(unix)]
#[test]
fn file_store_refuses_a_secrets_file_that_is_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"{}").unwrap();
    let path = dir.path().join(SECRETS_FILE);
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    let s = FileStore::new(path.clone());
    let k = SecretKey::new("c", SecretKind::ScimToken);
    let e = s
        .set(&k, &Sensitive::new("tok-secret".into()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("symbolic link") && e.contains(SECRETS_FILE),
        "{e}"
    );
    assert!(!e.contains("tok-secret"), "{e}");
    assert!(s.get(&k).unwrap_err().to_string().contains("symbolic link"));
    assert_eq!(std::fs::read(&victim).unwrap(), b"{}");
    assert!(std::fs::symlink_metadata(&path)
        .unwrap()
        .file_type()
        .is_symlink());
    // A dangling link too: nothing is created at its target.
    let gone = dir.path().join("gone");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&gone, &path).unwrap();
    assert!(s.set(&k, &Sensitive::new("t".into())).is_err());
    assert!(!gone.exists());
}

#[cfg(unix)]
#[test]
fn file_store_never_writes_through_a_planted_temporary_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"keep").unwrap();
    // Earlier versions wrote to the predictable `secrets.json.tmp`
    // (following a link there); plant one under that name.
    std::os::unix::fs::symlink(&victim, dir.path().join("secrets.json.tmp")).unwrap();
    let path = dir.path().join(SECRETS_FILE);
    let s = FileStore::new(path.clone());
    s.set(
        &SecretKey::new("c", SecretKind::ScimToken),
        &Sensitive::new("tok".into()),
    )
    .unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    assert_eq!(mode_of(&path), 0o600);
    assert!(!std::fs::symlink_metadata(&path)
        .unwrap()
        .file_type()
        .is_symlink());
    // The fresh-file helper itself refuses an existing name (O_EXCL): it
    // retries under another name rather than opening what is there.
    let tmp = write_fresh_private(dir.path(), b"x").unwrap();
    assert_eq!(mode_of(&tmp), 0o600);
    assert!(write_fresh_private(&dir.path().join("missing"), b"x").is_err());
}

#[test]
fn store_kinds_and_locations() {
    assert_eq!(MemoryStore::new().kind(), SecretStoreKind::Memory);
    assert_eq!(MemoryStore::new().location(), None);
    let k = KeychainStore::new("x");
    assert_eq!((k.kind().as_str(), k.location()), ("keychain", None));
    assert_eq!(SecretStoreKind::File.phrase(), "in secrets file");
}

#[test]
fn file_store_reports_a_corrupt_file_without_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SECRETS_FILE);
    std::fs::write(&path, b"{\"c/scim-token\": \"leak-me").unwrap();
    let err = FileStore::new(path)
        .get(&SecretKey::new("c", SecretKind::ScimToken))
        .unwrap_err()
        .to_string();
    assert!(err.contains("truncated"), "{err}");
    assert!(!err.contains("leak-me"), "{err}");
}

/// The real OS keychain. `make test` runs the tests inside a D-Bus session
/// with gnome-keyring unlocked and sets SCIMWATCH_TEST_KEYCHAIN=1, so this
/// must pass there; elsewhere it must fail with the actionable message.
#[test]
fn keychain_store_round_trip_or_actionable_error() {
    let store = KeychainStore::new(format!("scimwatch-test-{}", std::process::id()));
    let k = SecretKey::new("probe", SecretKind::ScimToken);
    let required = std::env::var("SCIMWATCH_TEST_KEYCHAIN").as_deref() == Ok("1");
    match store.set(&k, &Sensitive::new("probe-value".into())) {
        Ok(()) => exercise(&store),
        Err(e) => {
            assert!(!required, "keychain required but unavailable: {e}");
            let msg = e.to_string();
            assert!(msg.contains("SCIMWATCH_SECRET_STORE=file"), "{msg}");
        }
    }
}

#[test]
fn unknown_store_name_is_refused() {
    let e = SecretError::UnknownStore("vault".into()).to_string();
    assert!(e.contains("keychain") && e.contains("file"));
}
