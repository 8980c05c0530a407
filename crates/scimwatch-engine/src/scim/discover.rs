//! Discovery (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`) and the
//! compliance report: every way the SaaS's SCIM server departs from the RFCs
//! in a way that matters to Entra, each with the evidence (request and an
//! excerpt of the response) the admin can forward to the vendor.

use chrono::{DateTime, Utc};
use scimwatch_core::health::ComplianceDeviation;
use scimwatch_core::scim::{
    check_content_type, classify_body, parse_list_response_for, parse_scim_error, BodyKind,
    Deviation, ListRequest, ScimUser, Severity,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::client::{ScimClient, ScimResponse};
use super::error::ScimError;
use super::test_connection::{
    check_client_config, connection_client, random_guid, run_check, CheckResult, Verdict,
};
use crate::engine::Engine;
use crate::store::compliance;

mod probes;
mod report;
pub mod tls;

pub use report::{ComplianceFinding, ComplianceReport, DiscoveryEndpoint, Evidence};

struct Probe {
    url: String,
    resp: Option<ScimResponse>,
    excerpt: String,
}

impl Probe {
    fn status(&self) -> Option<u16> {
        self.resp.as_ref().map(|r| r.status)
    }
    fn evidence(&self) -> Evidence {
        Evidence {
            request: format!("GET {}", self.url),
            status: self.status(),
            response_excerpt: self.excerpt.clone(),
        }
    }
    fn body(&self) -> &[u8] {
        self.resp.as_ref().map(|r| r.body.as_slice()).unwrap_or(&[])
    }
    fn ok_json(&self) -> bool {
        self.resp.as_ref().is_some_and(|r| {
            r.status == 200 && classify_body(r.content_type.as_deref(), &r.body) == BodyKind::Json
        })
    }
}

async fn probe(client: &ScimClient, path: &str, query: &[(&str, &str)]) -> Probe {
    let url = client.url_for(path, query);
    match client.get_url(&url).await {
        Ok(r) => {
            let (excerpt, _) = client.excerpt(&r.body[..r.body.len().min(1500)]);
            Probe {
                url,
                resp: Some(r),
                excerpt,
            }
        }
        Err(e) => Probe {
            url,
            resp: None,
            excerpt: client.scrub(e.message()),
        },
    }
}

/// Findings, and the checks that had nothing to look at.
#[derive(Default)]
struct Findings(Vec<ComplianceFinding>, Vec<String>);

impl Findings {
    fn not_examined(&mut self, what: impl Into<String>) {
        self.1.push(what.into());
    }
    fn not_examined_list(&mut self) -> Option<Vec<String>> {
        let v = std::mem::take(&mut self.1);
        (!v.is_empty()).then_some(v)
    }
    /// The findings, most severe first.
    fn sorted(self) -> Vec<ComplianceFinding> {
        let mut v = self.0;
        v.sort_by_key(|f| std::cmp::Reverse(f.severity));
        v
    }
    fn add(&mut self, f: ComplianceFinding) {
        if !self.0.iter().any(|x| x.code == f.code) {
            self.0.push(f);
        }
    }
    fn deviation(&mut self, d: &Deviation, p: &Probe) {
        self.add(ComplianceFinding::from_deviation(d, Some(p.evidence())));
    }
    fn content_type(&mut self, p: &Probe) {
        if let Some(r) = &p.resp {
            if r.status == 200 {
                if let Some(d) = check_content_type(r.content_type.as_deref()).deviation() {
                    self.deviation(&d, p);
                }
            }
        }
    }
}

fn ids(v: &[Value]) -> Vec<String> {
    v.iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Why nothing can be examined after Entra's Test Connection replay: no
/// answer, or the token refused (every other request would be refused too).
fn check_blocks(check: &CheckResult) -> Option<String> {
    let what = match check.verdict {
        Verdict::Unreachable => "the endpoint could not be reached",
        Verdict::Timeout => "the endpoint did not answer in time",
        Verdict::Unauthorized => "the SCIM token was refused (HTTP 401)",
        Verdict::Forbidden => "the SCIM token may not read users (HTTP 403)",
        _ => return None,
    };
    Some(format!("{what}: {}", check.message))
}

/// Why nothing past discovery can be examined when the plain Users list
/// (no filter) is not a SCIM list.
fn users_block(p: &Probe) -> Option<String> {
    if p.ok_json() {
        return None;
    }
    Some(match p.status() {
        None => format!("GET {} got no answer ({})", p.url, p.excerpt),
        Some(200) => format!(
            "GET {} answered 200 but not with SCIM JSON, so paging, filtering and errors \
             were not examined",
            p.url
        ),
        Some(404) => format!(
            "GET {} answered 404: the Tenant URL does not lead to the Users endpoint, so \
             paging, filtering and errors were not examined",
            p.url
        ),
        Some(s) => format!(
            "GET {} answered HTTP {s}, so paging, filtering and errors were not examined",
            p.url
        ),
    })
}

/// Discovery + compliance against a client, with the TLS checks.
pub async fn discover_client(client: &ScimClient, now: DateTime<Utc>) -> ComplianceReport {
    let checks = tls::examine(client.base()).await;
    let mut report = discover_scim(client, now).await;
    tls::attach(client.base(), &mut report, checks);
    report
}

/// Discovery + compliance of the SCIM behaviour.
async fn discover_scim(client: &ScimClient, now: DateTime<Utc>) -> ComplianceReport {
    let check = run_check(client, now).await;
    if let Some(why) = check_blocks(&check) {
        return ComplianceReport {
            could_not_examine: Some(why),
            ..ComplianceReport::empty(client, now, check)
        };
    }
    let mut f = Findings::default();
    let mut discovery = Vec::new();
    let mut features = Vec::new();
    let mut spc: Option<(Probe, Option<bool>)> = None;
    let mut declared_filter = None;
    let mut schemas = None;

    // Discovery endpoints.
    for path in ["ServiceProviderConfig", "ResourceTypes", "Schemas"] {
        let p = probe(client, path, &[]).await;
        f.content_type(&p);
        let mut summary = match p.status() {
            None => p.excerpt.clone(),
            Some(200) if p.ok_json() => "ok".to_string(),
            Some(200) => "not JSON".to_string(),
            Some(s) => format!("HTTP {s}"),
        };
        if p.ok_json() {
            let v: Value = serde_json::from_slice(p.body()).unwrap_or(Value::Null);
            if path == "ServiceProviderConfig" {
                for feat in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
                    if v.get(feat)
                        .and_then(|x| x.get("supported"))
                        .and_then(Value::as_bool)
                        == Some(true)
                    {
                        features.push(feat.to_string());
                    }
                }
                summary = format!("features: {}", features.join(", "));
                declared_filter = probes::declared_filter(&v);
            } else {
                probes::discovery_list(path, &v, client.base().path(), &p, &mut f);
                if path == "Schemas" {
                    schemas = Some(v.clone());
                }
                let items = match &v {
                    Value::Array(a) => a.clone(),
                    _ => parse_list_response_for(p.body(), ListRequest::default())
                        .map(|l| l.resources)
                        .unwrap_or_default(),
                };
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|r| {
                        r.get("name")
                            .or_else(|| r.get("id"))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .collect();
                summary = names.join(", ");
            }
        } else if p.resp.is_some() {
            f.add(ComplianceFinding::engine(
                "discovery_missing",
                Severity::Info,
                format!(
                    "/{path} does not answer with JSON (RFC 7644 §4); Entra does not need it, \
                     but clients use it to learn what the server supports"
                ),
                Some(p.evidence()),
            ));
        }
        discovery.push(DiscoveryEndpoint {
            path: format!("/{path}"),
            status: p.status(),
            ok: p.ok_json(),
            summary,
        });
        if path == "ServiceProviderConfig" {
            spc = Some((p, declared_filter));
        }
    }

    // Test Connection findings.
    let users_exchange = check.exchanges.first();
    if check.verdict == super::test_connection::Verdict::NonEmptyResult {
        if let Some(x) = users_exchange {
            f.add(ComplianceFinding::engine(
                "filter_not_honoured",
                Severity::Error,
                "`filter=userName eq \"<random guid>\"` returned users: the server ignores the \
                 filter, so Entra cannot find existing users and creates duplicates"
                    .to_string(),
                Some(Evidence {
                    request: format!("GET {}", x.url),
                    status: x.status,
                    response_excerpt: x.body_excerpt.chars().take(1500).collect(),
                }),
            ));
        }
    }

    // Paging: default page, startIndex 1, startIndex 3, startIndex 0.
    let unpaged = probe(client, "Users", &[("count", "2")]).await;
    let p1 = probe(client, "Users", &[("startIndex", "1"), ("count", "2")]).await;
    f.content_type(&p1);
    if let Some(why) = users_block(&p1) {
        if let Some(d) = p1.resp.as_ref().and_then(|r| {
            classify_body(r.content_type.as_deref(), &r.body)
                .deviation()
                .filter(|_| r.status == 200)
        }) {
            f.deviation(&d, &p1);
        }
        return ComplianceReport {
            discovery,
            features,
            schemas,
            findings: f.sorted(),
            could_not_examine: Some(why),
            ..ComplianceReport::empty(client, now, check)
        };
    }
    let mut page1: Vec<Value> = Vec::new();
    if p1.status() == Some(200) {
        match parse_list_response_for(
            p1.body(),
            ListRequest {
                start_index: Some(1),
                count: Some(2),
            },
        ) {
            Ok(list) => {
                for d in &list.deviations {
                    f.deviation(d, &p1);
                }
                let (_, devs) = ScimUser::from_values(&list.resources);
                for d in &devs {
                    f.deviation(d, &p1);
                }
                page1 = list.resources;
            }
            Err(_) => {
                if let Some(d) = classify_body(
                    p1.resp.as_ref().and_then(|r| r.content_type.as_deref()),
                    p1.body(),
                )
                .deviation()
                {
                    f.deviation(&d, &p1);
                }
            }
        }
    }
    // 404 instead of an empty list.
    if let Some(x) = users_exchange {
        if x.status == Some(404) && p1.status() == Some(200) {
            f.deviation(
                &Deviation::NotFoundForEmptyFilter,
                &Probe {
                    url: x.url.clone(),
                    resp: None,
                    excerpt: x.body_excerpt.chars().take(1500).collect(),
                },
            );
            if let Some(last) = f.0.last_mut() {
                if let Some(e) = last.evidence.as_mut() {
                    e.status = Some(404);
                }
            }
        }
    }
    let ids1 = ids(&page1);
    // The next page starts after what page 1 really held: a server that
    // also ignores `count` returns more than the 2 asked for.
    if ids1.len() >= 2 {
        let next = ids1.len() + 1;
        let next_s = next.to_string();
        let p3 = probe(client, "Users", &[("startIndex", &next_s), ("count", "2")]).await;
        if let Ok(list) = parse_list_response_for(
            p3.body(),
            ListRequest {
                start_index: u64::try_from(next).ok(),
                count: Some(2),
            },
        ) {
            let ids3 = ids(&list.resources);
            let repeats_page1 = !ids3.is_empty()
                && ids3.first() == ids1.first()
                && ids3.iter().all(|i| ids1.contains(i));
            if repeats_page1 {
                f.add(ComplianceFinding::engine(
                    "ignores_start_index",
                    Severity::Error,
                    format!(
                        "the server ignores startIndex: startIndex={next} returned the first page \
                         again (the users of startIndex=1); Entra and any client paging through \
                         users only see the first page"
                    ),
                    Some(p3.evidence()),
                ));
            } else {
                for d in &list.deviations {
                    if !matches!(d, Deviation::StartIndexMismatch { .. }) {
                        f.deviation(d, &p3);
                    }
                }
            }
            if let Some(first3) = ids3.first() {
                if ids1.contains(first3) && !repeats_page1 {
                    f.add(ComplianceFinding::engine(
                        "duplicate_ids_across_pages",
                        Severity::Warning,
                        format!(
                            "user {first3} appears on overlapping pages (startIndex 1 and {next})"
                        ),
                        Some(p3.evidence()),
                    ));
                }
            }
        }
        // 0-based paging: the default page starts one resource before startIndex=1.
        if let Ok(list) = parse_list_response_for(unpaged.body(), ListRequest::default()) {
            let ids0 = ids(&list.resources);
            if ids0.len() >= 2 && ids0[0] != ids1[0] && ids0[1] == ids1[0] {
                f.add(ComplianceFinding::engine(
                    "zero_based_paging",
                    Severity::Warning,
                    "paging is 0-based: startIndex=1 skips the first user (SCIM indexes start \
                     at 1), so Entra never sees it"
                        .to_string(),
                    Some(p1.evidence()),
                ));
            }
        }
    } else {
        f.not_examined(
            "paging (startIndex, count, 0- or 1-based): fewer than 2 users to page through",
        );
    }

    // Entra's lookups replayed on objects that exist, and the rest of the
    // read side (probes.rs).
    let mut outcome = probes::users(client, &page1, &mut f).await;
    if check.verdict == super::test_connection::Verdict::NonEmptyResult {
        outcome.works = Some(false);
    }
    probes::groups(client, &mut f).await;
    probes::start_index_zero(client, &mut f).await;
    probes::wrong_token(client, &mut f).await;
    if let Some((p, declared)) = &spc {
        probes::filter_declared(*declared, outcome.works, p, &mut f);
    }

    // Error format: a resource that does not exist.
    let missing = format!("Users/{}", random_guid());
    let pe = probe(client, &missing, &[]).await;
    match pe.status() {
        Some(s) if s >= 400 && s != 401 && s != 403 => match parse_scim_error(pe.body()) {
            Some(e) => {
                for d in &e.deviations {
                    f.deviation(d, &pe);
                }
            }
            None => f.add(ComplianceFinding::engine(
                "non_scim_error_body",
                Severity::Warning,
                format!(
                    "errors are not SCIM errors: HTTP {s} for an unknown user came without the \
                     urn:ietf:params:scim:api:messages:2.0:Error body (RFC 7644 §3.12), so Entra's \
                     provisioning logs show no useful reason"
                ),
                Some(pe.evidence()),
            )),
        },
        Some(200) => f.add(ComplianceFinding::engine(
            "unknown_resource_found",
            Severity::Warning,
            "GET of a user id that does not exist answered 200 (expected 404)".to_string(),
            Some(pe.evidence()),
        )),
        _ => {}
    }

    ComplianceReport {
        discovery,
        features,
        schemas,
        not_examined: f.not_examined_list(),
        findings: f.sorted(),
        ..ComplianceReport::empty(client, now, check)
    }
}

/// Discovery and compliance report for a saved connection (uuid or name).
pub async fn discover(
    engine: &Engine,
    connection: &str,
    now: DateTime<Utc>,
) -> Result<ComplianceReport, ScimError> {
    let (row, client) = connection_client(engine, connection, check_client_config()).await?;
    let report = discover_client(&client, now).await;
    record(engine, row.id, &report).await?;
    Ok(report)
}

/// Record `report` as the connection's latest discover verdict, with the
/// full report that the Inventory and Mappings screens read back.
pub(crate) async fn record(
    engine: &Engine,
    connection_id: i64,
    report: &ComplianceReport,
) -> Result<(), ScimError> {
    let json = serde_json::to_string(report).map_err(|e| {
        ScimError::Engine(crate::error::EngineError::Io(format!(
            "cannot encode the compliance report: {e}"
        )))
    })?;
    compliance::record_with_report(
        engine.store.pool(),
        connection_id,
        compliance::Source::Discover,
        report.checked_at,
        report.could_not_examine.as_deref(),
        &deviations(&report.findings),
        Some(&json),
    )
    .await?;
    Ok(())
}

/// The findings the health rules count: warnings and errors.
pub(crate) fn deviations(findings: &[ComplianceFinding]) -> Vec<ComplianceDeviation> {
    findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(ComplianceFinding::to_observation)
        .collect()
}
