use super::*;
use crate::secrets::MemoryStore;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

fn scim_input(name: &str) -> ConnectionInput {
    ConnectionInput {
        name: name.into(),
        scim_url: Some("https://acme.example.com/scim/v2/".into()),
        ..Default::default()
    }
}

fn token(t: &str) -> SecretsInput {
    SecretsInput {
        scim_token: Some(Sensitive::new(t.into())),
        client_secret: None,
        client_certificate: None,
    }
}

#[tokio::test]
async fn add_list_update_remove_round_trip() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let saved = add(
        &store,
        &secrets,
        &scim_input("Acme"),
        &token("tok-123\n"),
        now(),
    )
    .await
    .unwrap();
    let c = &saved.connection;
    assert_eq!(
        c.scim.as_ref().unwrap().url,
        "https://acme.example.com/scim/v2"
    );
    assert!(c.has_scim_token);
    assert!(saved.notes.iter().any(|n| n.contains("line break")));
    assert_eq!(
        secrets
            .get(&SecretKey::new(&c.id, SecretKind::ScimToken))
            .unwrap()
            .unwrap()
            .expose(),
        "tok-123"
    );
    assert_eq!(list(&store).await.unwrap().len(), 1);
    assert_eq!(get(&store, "acme").await.unwrap().id, c.id);

    // Edit without re-entering the token keeps it.
    let mut edit = scim_input("Acme prod");
    edit.tenant_id = Some("contoso.onmicrosoft.com".into());
    let upd = update(
        &store,
        &secrets,
        &c.id,
        &edit,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(upd.connection.name, "Acme prod");
    assert!(upd.connection.entra.is_some());
    assert!(upd.connection.has_scim_token);

    // Dropping the SCIM side drops its token.
    let entra_only = ConnectionInput {
        name: "Acme prod".into(),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        ..Default::default()
    };
    let upd = update(
        &store,
        &secrets,
        &c.id,
        &entra_only,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
    assert!(!upd.connection.has_scim_token);
    assert!(secrets
        .get(&SecretKey::new(&c.id, SecretKind::ScimToken))
        .unwrap()
        .is_none());

    remove(&store, &secrets, "Acme prod").await.unwrap();
    assert!(list(&store).await.unwrap().is_empty());
    assert!(matches!(
        remove(&store, &secrets, "Acme prod").await,
        Err(EngineError::NotFound(_))
    ));
}

#[tokio::test]
async fn moving_the_tenant_url_keeps_the_token_only_when_confirmed() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let c = add(
        &store,
        &secrets,
        &scim_input("Acme"),
        &token("tok-old"),
        now(),
    )
    .await
    .unwrap()
    .connection;
    let key = SecretKey::new(&c.id, SecretKind::ScimToken);
    let mut moved = scim_input("Acme");
    moved.scim_url = Some("https://evil.example.net/scim/v2".into());

    // Refused without a confirmation, naming the secret and both endpoints.
    let e = update(
        &store,
        &secrets,
        &c.id,
        &moved,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap_err();
    let EngineError::Validation(v) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(v.fields.len(), 1, "{v:?}");
    assert_eq!(v.fields[0].field, "scim_token");
    let m = &v.fields[0].message;
    assert!(m.contains("stored Secret Token"), "{m}");
    assert!(
        m.contains("https://acme.example.com/scim/v2 \u{2192} https://evil.example.net/scim/v2"),
        "{m}"
    );
    assert!(!m.contains("tok-old"));
    let row = get(&store, &c.id).await.unwrap();
    assert_eq!(row.scim.unwrap().url, "https://acme.example.com/scim/v2");

    // Kept with the confirmation.
    moved.keep_secrets_for_new_endpoint = true;
    let upd = update(
        &store,
        &secrets,
        &c.id,
        &moved,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        upd.connection.scim.unwrap().url,
        "https://evil.example.net/scim/v2"
    );
    assert_eq!(secrets.get(&key).unwrap().unwrap().expose(), "tok-old");

    // Replaced by a new token given with the move, no confirmation needed.
    let mut back = scim_input("Acme");
    back.scim_url = Some("https://acme2.example.com/scim/v2".into());
    update(&store, &secrets, &c.id, &back, &token("tok-new"), now())
        .await
        .unwrap();
    assert_eq!(secrets.get(&key).unwrap().unwrap().expose(), "tok-new");

    // Same endpoint written differently (normalised equal): no question.
    back.scim_url = Some(" https://acme2.example.com/scim/v2/ ".into());
    update(
        &store,
        &secrets,
        &c.id,
        &back,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn moving_the_login_keeps_the_client_secret_only_when_confirmed() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let input = ConnectionInput {
        name: "Unattended".into(),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        client_id: Some("11111111-2222-3333-4444-555555555555".into()),
        auth_mode: AuthMode::ClientSecret,
        ..Default::default()
    };
    let s = SecretsInput {
        client_secret: Some(Sensitive::new("s3cr3t~value".into())),
        ..Default::default()
    };
    let c = add(&store, &secrets, &input, &s, now())
        .await
        .unwrap()
        .connection;
    let key = SecretKey::new(&c.id, SecretKind::ClientSecret);
    for (what, edit) in [
        (
            "tenant contoso.onmicrosoft.com \u{2192} fabrikam.onmicrosoft.com",
            ConnectionInput {
                tenant_id: Some("fabrikam.onmicrosoft.com".into()),
                ..input.clone()
            },
        ),
        (
            "client ID 11111111-2222-3333-4444-555555555555 \u{2192} 99999999-2222-3333-4444-555555555555",
            ConnectionInput {
                client_id: Some("99999999-2222-3333-4444-555555555555".into()),
                ..input.clone()
            },
        ),
        (
            "login host https://login.microsoftonline.com \u{2192} https://login.example.net",
            ConnectionInput {
                cloud: scimwatch_core::Cloud::Custom,
                login_url: Some("https://login.example.net".into()),
                graph_url: Some("https://graph.microsoft.com".into()),
                ..input.clone()
            },
        ),
        (
            "Graph URL https://graph.microsoft.com \u{2192} https://graph.example.net",
            ConnectionInput {
                cloud: scimwatch_core::Cloud::Custom,
                login_url: Some("https://login.microsoftonline.com".into()),
                graph_url: Some("https://graph.example.net".into()),
                ..input.clone()
            },
        ),
    ] {
        let e = update(&store, &secrets, &c.id, &edit, &SecretsInput::default(), now())
            .await
            .unwrap_err();
        let EngineError::Validation(v) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(v.fields[0].field, "client_secret", "{v:?}");
        assert!(v.fields[0].message.contains(what), "{what}: {v:?}");
        assert!(!v.fields[0].message.contains("s3cr3t"));
    }
    // Nothing moved and the secret is still there.
    assert_eq!(
        get(&store, &c.id).await.unwrap().entra.unwrap().tenant_id,
        "contoso.onmicrosoft.com"
    );
    assert!(secrets.get(&key).unwrap().is_some());

    let confirmed = ConnectionInput {
        tenant_id: Some("fabrikam.onmicrosoft.com".into()),
        keep_secrets_for_new_endpoint: true,
        ..input.clone()
    };
    update(
        &store,
        &secrets,
        &c.id,
        &confirmed,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(secrets.get(&key).unwrap().unwrap().expose(), "s3cr3t~value");
}

#[tokio::test]
async fn moving_a_delegated_login_signs_out() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let input = ConnectionInput {
        name: "Delegated".into(),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        ..Default::default()
    };
    let c = add(&store, &secrets, &input, &SecretsInput::default(), now())
        .await
        .unwrap()
        .connection;
    let key = SecretKey::new(&c.id, SecretKind::RefreshToken);
    secrets.set(&key, &Sensitive::new("rt".into())).unwrap();
    // A rename keeps the sign-in.
    let renamed = ConnectionInput {
        name: "Delegated 2".into(),
        ..input.clone()
    };
    let out = update(
        &store,
        &secrets,
        &c.id,
        &renamed,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
    assert!(secrets.get(&key).unwrap().is_some());
    assert!(!out.notes.iter().any(|n| n.contains("signed out")));
    // Another tenant: signed out, and told so.
    let moved = ConnectionInput {
        tenant_id: Some("fabrikam.onmicrosoft.com".into()),
        ..renamed.clone()
    };
    let out = update(
        &store,
        &secrets,
        &c.id,
        &moved,
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap();
    assert!(secrets.get(&key).unwrap().is_none());
    assert!(
        out.notes.iter().any(|n| n.contains("signed out")),
        "{:?}",
        out.notes
    );
}

#[tokio::test]
async fn token_never_reaches_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    let secrets = MemoryStore::new();
    add(
        &store,
        &secrets,
        &scim_input("Acme"),
        &token("SUPERSECRET-token-9f8e7d"),
        now(),
    )
    .await
    .unwrap();
    store.close().await;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains("SUPERSECRET"));
    }
}

#[tokio::test]
async fn refusals_store_nothing() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let e = add(
        &store,
        &secrets,
        &scim_input("Acme"),
        &SecretsInput::default(),
        now(),
    )
    .await
    .unwrap_err();
    let EngineError::Validation(v) = e else {
        panic!("{e:?}")
    };
    assert_eq!(v.fields[0].field, "scim_token");
    let e = add(&store, &secrets, &scim_input("Acme"), &token("a b"), now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("space"));
    assert!(!e.to_string().contains("a b"));
    assert!(list(&store).await.unwrap().is_empty());
}

#[tokio::test]
async fn duplicate_names_conflict() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    add(&store, &secrets, &scim_input("Acme"), &token("t1"), now())
        .await
        .unwrap();
    let e = add(&store, &secrets, &scim_input("ACME"), &token("t2"), now())
        .await
        .unwrap_err();
    assert!(matches!(e, EngineError::Conflict(_)), "{e:?}");
    // The failed add left no stray secret behind.
    assert_eq!(list(&store).await.unwrap().len(), 1);
}

#[tokio::test]
async fn client_secret_rules() {
    let store = Store::open_memory().await.unwrap();
    let secrets = MemoryStore::new();
    let input = ConnectionInput {
        name: "Unattended".into(),
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        client_id: Some("11111111-2222-3333-4444-555555555555".into()),
        auth_mode: AuthMode::ClientSecret,
        ..Default::default()
    };
    let e = add(&store, &secrets, &input, &SecretsInput::default(), now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("client_secret"));
    let s = SecretsInput {
        scim_token: None,
        client_secret: Some(Sensitive::new("s3cr3t~value".into())),
        client_certificate: None,
    };
    let saved = add(&store, &secrets, &input, &s, now()).await.unwrap();
    assert!(saved.connection.has_client_secret);
}

#[tokio::test]
async fn failing_keychain_leaves_nothing() {
    #[derive(Debug)]
    struct Broken;
    impl SecretStore for Broken {
        fn get(
            &self,
            _: &SecretKey,
        ) -> Result<Option<Sensitive<String>>, crate::secrets::SecretError> {
            Ok(None)
        }
        fn set(
            &self,
            _: &SecretKey,
            _: &Sensitive<String>,
        ) -> Result<(), crate::secrets::SecretError> {
            Err(crate::secrets::SecretError::Unavailable {
                detail: "no bus".into(),
            })
        }
        fn delete(&self, _: &SecretKey) -> Result<(), crate::secrets::SecretError> {
            Ok(())
        }
        fn name(&self) -> &'static str {
            "broken"
        }
    }
    let store = Store::open_memory().await.unwrap();
    let e = add(&store, &Broken, &scim_input("Acme"), &token("t"), now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("SCIMWATCH_SECRET_STORE=file"));
    assert!(list(&store).await.unwrap().is_empty());
}
