//! Tests of the log store (`logs.rs`), and the `serde_json::Value`-building
//! renderer the typed one replaced, kept to prove both write the same JSON.

/// The `serde_json::Value`-building renderer the typed one replaced, kept to
/// prove that both produce the same JSON.
mod legacy {
    use serde_json::{json, Map, Value};

    use super::super::*;
    use crate::clock::graph_time;
    use crate::logs::render::{source_system_id, target_system_id};

    impl LogStore {
        /// The old `render`, building a `serde_json::Value` tree.
        pub(super) fn render_legacy(&self, pos: usize, ctx: &RenderCtx<'_>) -> Value {
            let Some(e) = self.events.get(pos) else {
                return Value::Null;
            };
            let t = ctx.tenant;
            let app = t.app();
            let (kind, src_id, display, ident, modified) = match e.object {
                Principal::User(i) => match t.users.get(i as usize) {
                    Some(u) => (
                        "User",
                        u.id.to_string(),
                        u.display_name.clone(),
                        u.user_principal_name.clone(),
                        vec![
                            ("objectId", u.id.to_string()),
                            (
                                "accountEnabled",
                                if u.account_enabled { "True" } else { "False" }.to_string(),
                            ),
                            ("displayName", u.display_name.clone()),
                            ("mailNickname", u.mail_nickname.clone()),
                            ("userPrincipalName", u.user_principal_name.clone()),
                            ("mail", u.mail.clone()),
                            ("givenName", u.given_name.clone()),
                            ("surname", u.surname.clone()),
                            ("jobTitle", u.job_title.clone()),
                            ("IsSoftDeleted", "False".to_string()),
                            ("appRoleAssignments", "User".to_string()),
                        ],
                    ),
                    None => ("User", String::new(), String::new(), String::new(), vec![]),
                },
                Principal::Group(i) => match t.groups.get(i as usize) {
                    Some(g) => (
                        "Group",
                        g.id.to_string(),
                        g.display_name.clone(),
                        g.display_name.clone(),
                        vec![
                            ("objectId", g.id.to_string()),
                            ("displayName", g.display_name.clone()),
                            ("mailEnabled", "False".to_string()),
                            ("mailNickname", g.mail_nickname.clone()),
                            ("securityEnabled", "True".to_string()),
                        ],
                    ),
                    None => ("Group", String::new(), String::new(), String::new(), vec![]),
                },
            };
            let detail = e.detail.as_deref();
            let display = detail
                .map(|d| d.display.clone())
                .filter(|d| !d.is_empty())
                .unwrap_or(display);
            let target_id = match detail {
                Some(d) => d.target_id.clone(),
                None if e.outcome == Outcome::Success => {
                    uuid_from_bits(mix64(e.seq ^ 0x7777), mix64(self.salt ^ e.seq)).to_string()
                }
                None => String::new(),
            };
            let modified: Vec<Value> = match detail {
                Some(d) => d
                    .modified
                    .iter()
                    .map(|(n, o, v)| json!({"displayName": n, "oldValue": o, "newValue": v}))
                    .collect(),
                None => match e.action {
                    Action::Create => modified
                        .iter()
                        .map(|(n, v)| json!({"displayName": n, "oldValue": null, "newValue": v}))
                        .collect(),
                    Action::Update => modified
                        .iter()
                        .take(1)
                        .chain(modified.iter().skip(8).take(1))
                        .map(|(n, v)| json!({"displayName": n, "oldValue": null, "newValue": v}))
                        .collect(),
                    Action::Disable => vec![
                        json!({"displayName": "IsSoftDeleted", "oldValue": "False", "newValue": "True"}),
                    ],
                    _ => modified
                        .iter()
                        .take(1)
                        .map(|(n, v)| json!({"displayName": n, "oldValue": null, "newValue": v}))
                        .collect(),
                },
            };
            let mut steps = steps(kind, &display, &ident, e, &app.display_name);
            if let (1.., Some(since)) = (e.retried, e.escrowed_at) {
                steps.retain(|s| s["provisioningStepType"] == "export");
                let modification = match e.action {
                    Action::Create => "Add",
                    Action::Delete => "Delete",
                    _ => "Update",
                };
                steps.insert(0, json!({
                    "name": "EntryEscrowRetry",
                    "provisioningStepType": "import",
                    "status": "success",
                    "description": format!("We are retrying an operation that previously failed.\r\nIdentifier: {ident}\r\nObject type: {kind}\r\nDirectory: Microsoft Entra ID"),
                    "details": {
                        "CountProcessed": "0",
                        "CreationTime": crate::logs::render::dotnet_time(since),
                        "Identifier": src_id,
                        "ModificationType": modification,
                        "NextAttempt": e.at.format("%-m/%-d/%Y %-I:%M:%S %p").to_string(),
                        "Origin": "Source",
                        "TypeName": "EscrowedEntryDefault",
                    },
                }));
            }
            let error_information = match e.error {
                Some(k) => {
                    let web = detail.and_then(|d| d.additional.clone());
                    let (reason, additional) = match (k.http_status(), web) {
                        (Some(status), Some(body)) => (
                            crate::logs::render::web_response_reason(
                                status, &body, e.at, e.retried,
                            ),
                            None,
                        ),
                        (_, web) => (k.reason().to_string(), web),
                    };
                    json!({
                        "errorCode": k.code(),
                        "reason": reason,
                        "additionalDetails": additional,
                        "errorCategory": k.category(),
                        "recommendedAction": null,
                    })
                }
                None => Value::Null,
            };
            let cycle_id = self.cycle_id(e.cycle).to_string();
            json!({
                "id": self.event_id(e).to_string(),
                "activityDateTime": graph_time(e.at),
                "tenantId": t.tenant_id.to_string(),
                "jobId": t.job_id(),
                "cycleId": cycle_id,
                "changeId": self.change_id(e).to_string(),
                "provisioningAction": e.action.as_str(),
                "durationInMilliseconds": e.duration_ms,
                "provisioningStatusInfo": {"status": e.outcome.as_str(), "errorInformation": error_information},
                "provisioningSteps": steps,
                "modifiedProperties": modified,
                "servicePrincipal": {"id": app.id.to_string(), "displayName": app.display_name},
                "sourceSystem": {"id": source_system_id(t).to_string(), "displayName": "Microsoft Entra ID", "details": {}},
                "targetSystem": {
                    "id": target_system_id(t).to_string(),
                    "displayName": app.display_name,
                    "details": {
                        "ApplicationId": app.app_id.to_string(),
                        "ServicePrincipalId": app.id.to_string(),
                        "ServicePrincipalDisplayName": app.display_name,
                    },
                },
                "initiatedBy": {"id": "", "displayName": "Azure AD Provisioning Service", "initiatorType": "system"},
                "sourceIdentity": {"id": src_id, "displayName": display, "identityType": kind, "details": {}},
                "targetIdentity": {"id": target_id, "displayName": if e.outcome == Outcome::Success { display.as_str() } else { "" }, "identityType": kind, "details": {}},
            })
        }
    }

    fn step(
        name: &str,
        ty: &str,
        status: &str,
        description: String,
        details: Map<String, Value>,
    ) -> Value {
        json!({"name": name, "provisioningStepType": ty, "status": status, "description": description, "details": details})
    }

    fn steps(kind: &str, display: &str, ident: &str, e: &EventRecord, target: &str) -> Vec<Value> {
        let target = if target.is_empty() {
            "customappsso"
        } else {
            target
        };
        let mut out = Vec::with_capacity(4);
        let change = match e.action {
            Action::Create => "Add",
            Action::Delete => "Delete",
            _ => "Update",
        };
        out.push(step(
            &format!("EntryImport{change}"),
            "import",
            "success",
            format!(
                "Received {kind} '{ident}' change of type ({change}) from Azure Active Directory"
            ),
            Map::new(),
        ));
        let assigned = e.error != Some(ErrorKind::NotEffectivelyEntitled)
            && e.action != Action::Disable
            && e.action != Action::Delete;
        let mut scoping = Map::new();
        scoping.insert("Active in the source system".into(), json!("True"));
        scoping.insert(
            "Assigned to the application".into(),
            json!(if assigned { "True" } else { "False" }),
        );
        scoping.insert(
            format!("{kind} has the required role"),
            json!(if assigned { "True" } else { "False" }),
        );
        scoping.insert("Scoping filter evaluation passed".into(), json!("True"));
        out.push(step(
            "EntrySynchronizationScoping",
            "scoping",
            "success",
            format!("Determine if {kind} in scope by evaluating against each scoping filter"),
            scoping,
        ));
        let mut rid = Map::new();
        rid.insert("ReportableIdentifier".into(), json!(ident));
        if e.outcome == Outcome::Skipped {
            let mut d = Map::new();
            d.insert(
                "SkipReason".into(),
                json!(e.error.map_or("RedundantExport", ErrorKind::code)),
            );
            out.push(step(
                "EntrySynchronizationSkip",
                "export",
                "skipped",
                crate::logs::render::skip_description(kind, ident, e.error),
                d,
            ));
            return out;
        }
        let (sync_name, sync_desc, verb) = match e.action {
            Action::Create => ("EntrySynchronizationAdd", format!("{kind} '{display}' will be created in {target} ({kind} is active and assigned in Azure Active Directory, but no matching {kind} was found in {target})"), "create"),
            Action::Disable => ("EntrySynchronizationUpdate", format!("{kind} '{display}' will be disabled in {target} ({kind} is no longer assigned to the application in Azure Active Directory)"), "disable"),
            Action::Delete => ("EntrySynchronizationDelete", format!("{kind} '{display}' will be deleted from {target} ({kind} is no longer assigned to the application in Azure Active Directory)"), "delete"),
            _ => ("EntrySynchronizationUpdate", format!("{kind} '{display}' will be updated in {target} (a matching {kind} was found in {target})"), "update"),
        };
        out.push(step(
            sync_name,
            "matching",
            "success",
            sync_desc,
            Map::new(),
        ));
        let export_name = match e.action {
            Action::Create => "EntryExportAdd",
            Action::Delete => "EntryExportDelete",
            _ => "EntryExportUpdate",
        };
        if e.outcome == Outcome::Success {
            let past = match verb {
                "create" => "created in",
                "disable" => "disabled in",
                "delete" => "deleted from",
                _ => "updated in",
            };
            out.push(step(
                export_name,
                "export",
                "success",
                format!("{kind} '{display}' was {past} {target}"),
                rid,
            ));
        } else {
            let from = if verb == "delete" { "from" } else { "in" };
            out.push(step(
                export_name,
                "export",
                "failure",
                format!("Failed to {verb} {kind} '{display}' {from} {target}"),
                rid,
            ));
        }
        out
    }
}

mod store_tests {
    use super::super::*;
    use crate::tenant::generate_tenant;

    #[test]
    fn filters_parse() {
        let c =
            parse_filter("jobId eq 'scim.1' and activityDateTime gt 2025-01-01T00:00:00Z").unwrap();
        assert_eq!(c.len(), 2);
        assert!(parse_filter("foo eq 'x'").is_err());
        assert!(parse_filter("jobId gt 'x'").is_err());
        assert!(parse_filter("activityDateTime gt yesterday").is_err());
        let c = parse_filter("provisioningStatusInfo/status eq 'failure'").unwrap();
        assert_eq!(
            c[0],
            Clause::Eq("provisioningStatusInfo/status".into(), "failure".into())
        );
    }

    #[test]
    fn paging_covers_everything_once_both_ways() {
        let t = generate_tenant(3, 50, 5);
        let mut s = LogStore::new(9);
        let now = crate::clock::default_start();
        s.seed(1234, now, &t, 1);
        assert_eq!(s.len(), 1234);
        let from = now - Duration::days(30);
        for desc in [false, true] {
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let p = s.query(&[], desc, 100, cursor, from, &[]);
                seen.extend(p.items);
                match p.next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 1234);
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 1234);
        }
        let failures = s.query(
            &[Clause::Eq(
                "provisioningStatusInfo/status".into(),
                "failure".into(),
            )],
            false,
            1000,
            None,
            from,
            &[],
        );
        assert!(failures
            .items
            .iter()
            .all(|&i| s.get(i).unwrap().outcome == Outcome::Failure));
        let v = s.render(0, &RenderCtx { tenant: &t });
        assert_eq!(v["tenantId"], t.tenant_id.to_string());
    }

    /// Every kind of event: seeded ones, then cycle events with and without
    /// details (faults, quirks) for every action, outcome and error, of users,
    /// groups and objects the tenant no longer has, with text needing escapes.
    fn varied_store(t: &Tenant) -> LogStore {
        let mut s = LogStore::new(77);
        let now = crate::clock::default_start();
        s.seed(1000, now - Duration::days(2), t, 5);
        let cycle = s.begin_cycle(Uuid::from_u128(42));
        let details = [
            None,
            Some(EventDetail::default()),
            Some(EventDetail {
                target_id: "scim-7".into(),
                display: "Zoë \"Q\" O'Brien \\ \u{1}\n\t😀".into(),
                modified: vec![
                    ("active".into(), Some("True".into()), Some("False".into())),
                    ("title".into(), None, Some("</script>".into())),
                    ("manager".into(), Some("x".into()), None),
                    ("gone".into(), None, None),
                ],
                additional: Some("{\"status\":\"409\",\"detail\":\"dup\"}".into()),
                code_prefix: None,
            }),
            Some(EventDetail {
                target_id: String::new(),
                display: String::new(),
                modified: vec![],
                additional: None,
                code_prefix: None,
            }),
        ];
        let objects = [
            Principal::User(0),
            Principal::User(7),
            Principal::Group(0),
            Principal::Group(2),
            Principal::User(u32::MAX),
            Principal::Group(u32::MAX),
        ];
        let errors = [
            None,
            Some(ErrorKind::NotEffectivelyEntitled),
            Some(ErrorKind::CredentialValidationFailure),
            Some(ErrorKind::EntryConflict),
            Some(ErrorKind::DuplicateTargetEntries),
            Some(ErrorKind::InternalServerError),
            Some(ErrorKind::Timeout),
            Some(ErrorKind::ServiceIncompatible),
            Some(ErrorKind::Unauthorized),
            Some(ErrorKind::TooManyRequests),
        ];
        let mut at = now - Duration::days(1);
        for action in [
            Action::Other,
            Action::Create,
            Action::Delete,
            Action::Disable,
            Action::Update,
        ] {
            for outcome in [Outcome::Success, Outcome::Failure, Outcome::Skipped] {
                for error in errors {
                    for object in objects {
                        for detail in &details {
                            at += Duration::milliseconds(1500);
                            s.push(
                                cycle,
                                at,
                                object,
                                action,
                                outcome,
                                error,
                                321,
                                detail.clone(),
                            );
                        }
                    }
                }
            }
        }
        // an event of a cycle the store does not know
        s.push(
            u32::MAX,
            at,
            objects[0],
            Action::Update,
            Outcome::Success,
            None,
            1,
            None,
        );
        s
    }

    #[test]
    fn typed_rendering_matches_the_value_tree_rendering() {
        let mut tenants = vec![generate_tenant(3, 50, 5), generate_tenant(4, 20, 3)];
        // an app without a name renders "customappsso"; another needs escapes
        tenants[1].service_principals[0].display_name = String::new();
        let mut odd = generate_tenant(5, 20, 3);
        odd.service_principals[0].display_name = "Acme \"SCIM\" \\ Zoë".into();
        tenants.push(odd);
        for t in &tenants {
            let s = varied_store(t);
            let ctx = RenderCtx { tenant: t };
            // two positions past the end render null
            let legacy: Vec<Value> = (0..s.len() + 2)
                .map(|pos| s.render_legacy(pos, &ctx))
                .collect();
            for (pos, want) in legacy.iter().enumerate() {
                assert_eq!(&s.render(pos, &ctx), want, "event {pos}");
            }
            let items: Vec<usize> = (0..legacy.len()).rev().collect();
            let page = serde_json::to_string(&s.events_json(&items, &ctx)).unwrap();
            let want: Vec<Value> = items.iter().map(|&i| legacy[i].clone()).collect();
            assert_eq!(
                serde_json::from_str::<Value>(&page).unwrap(),
                Value::Array(want)
            );
        }
    }
    /// A page of every event equals each event rendered on its own.
    fn assert_pages_as_rendered(s: &LogStore, ctx: &RenderCtx<'_>) {
        let items: Vec<usize> = (0..s.len()).collect();
        let want: Vec<Value> = items.iter().map(|&i| s.render(i, ctx)).collect();
        let got: Value =
            serde_json::from_str(&serde_json::to_string(&s.events_json(&items, ctx)).unwrap())
                .unwrap();
        assert_eq!(got, Value::Array(want));
    }

    #[test]
    fn stored_json_serves_the_same_pages_and_new_events_render_live() {
        let t = generate_tenant(3, 50, 5);
        let ctx = RenderCtx { tenant: &t };
        let mut s = varied_store(&t);
        let items: Vec<usize> = (0..s.len() + 2).rev().collect();
        let page = |s: &LogStore| serde_json::to_string(&s.events_json(&items, &ctx)).unwrap();
        let live = page(&s);
        assert_eq!(s.store_json(&ctx).unwrap(), s.len());
        assert_eq!(
            page(&s),
            live,
            "stored text is byte for byte the rendered page"
        );
        // an event pushed later renders on demand beside the stored ones
        let at = s.get(s.len() - 1).unwrap().at;
        let object = s.get(0).unwrap().object;
        s.push(
            0,
            at,
            object,
            Action::Create,
            Outcome::Success,
            None,
            7,
            None,
        );
        assert_pages_as_rendered(&s, &ctx);
        // seeding older events shifts every position: the stored text goes
        let mut s = LogStore::new(4);
        s.seed(20, crate::clock::default_start(), &t, 1);
        s.store_json(&ctx).unwrap();
        s.seed(10, crate::clock::default_start(), &t, 2);
        assert_eq!(s.store_json(&ctx).unwrap(), s.len());
        assert_pages_as_rendered(&s, &ctx);
    }
}
