//! The one compliance source of the Inventory's SCIM compliance tab and the
//! Mappings screen: the latest verdicts recorded by discovery and by the
//! last crawl (`store::compliance`), with the latest discovery's full
//! report. Neither screen contacts the SaaS to show it; "Re-examine" runs a
//! discovery, records it and reads this again.

use chrono::{DateTime, Utc};
use scimwatch_core::scim::declared::DeclaredSchemas;
use scimwatch_core::scim::Severity;

use super::{annotate, row, MappingsView, SchemasCheck};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::scim::discover::{discover, ComplianceReport};
use crate::scim::ScimError;
use crate::store::compliance::{self, Recorded, Source};

/// Who recorded a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceSource {
    Discover,
    Crawl,
}

/// One recorded deviation and who found it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct RecordedDeviation {
    pub code: String,
    pub message: String,
    /// `None` when only the code and message were recorded.
    pub severity: Option<Severity>,
    pub source: ComplianceSource,
    #[ts(type = "number")]
    pub checked_ms: i64,
    /// It is about the SaaS's `/Schemas` (its evidence is a request to it).
    pub concerns_schemas: bool,
}

/// What the recorded verdicts allow the screens to say.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ComplianceVerdict {
    /// Nothing recorded: neither a discovery nor a crawl examined the server.
    NotExamined,
    /// The latest examination could not look at the server, and no
    /// deviation is recorded.
    CouldNotExamine {
        reason: String,
        source: ComplianceSource,
        #[ts(type = "number")]
        checked_ms: i64,
    },
    /// At least one deviation is recorded (`deviations`).
    Deviations { count: u32 },
    /// No deviation recorded, but not everything was examined: checks that
    /// had nothing to look at, no discovery yet, or no full report kept.
    Partial {
        #[ts(type = "number")]
        checked_ms: i64,
        reason: String,
        not_examined: Vec<String>,
    },
    /// A discovery examined everything, and no source recorded a deviation.
    NoDeviation {
        #[ts(type = "number")]
        checked_ms: i64,
    },
}

/// The stored compliance of a connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct StoredCompliance {
    pub verdict: ComplianceVerdict,
    /// Every recorded deviation: the latest discovery's findings (from its
    /// report, or its recorded warnings and errors), the last crawl's, and
    /// the mapped target attributes the recorded `/Schemas` does not declare.
    pub deviations: Vec<RecordedDeviation>,
    /// The latest discovery's full report, when it was recorded with one.
    pub report: Option<ComplianceReport>,
    /// When each source last examined (or tried to), ms since the epoch.
    #[ts(type = "number | null")]
    pub discover_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub crawl_ms: Option<i64>,
    /// Why the last crawl could not examine the server, if it could not.
    pub crawl_could_not_examine: Option<String>,
}

/// A request to the `/Schemas` endpoint (`GET https://…/Schemas?…`).
fn is_schemas_request(request: &str) -> bool {
    let path = request.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').ends_with("/Schemas") || path.contains("/Schemas/")
}

fn from_report(report: &ComplianceReport) -> Vec<RecordedDeviation> {
    report
        .findings
        .iter()
        .map(|f| RecordedDeviation {
            code: f.code.clone(),
            message: f.message.clone(),
            severity: Some(f.severity),
            source: ComplianceSource::Discover,
            checked_ms: report.checked_at.timestamp_millis(),
            concerns_schemas: f
                .evidence
                .as_ref()
                .is_some_and(|e| is_schemas_request(&e.request)),
        })
        .collect()
}

fn from_recorded(r: &Recorded, source: ComplianceSource) -> Vec<RecordedDeviation> {
    r.deviations
        .iter()
        .map(|d| RecordedDeviation {
            code: d.code.clone(),
            message: d.message.clone(),
            severity: None,
            source,
            checked_ms: r.checked_at.timestamp_millis(),
            concerns_schemas: d.message.contains("/Schemas"),
        })
        .collect()
}

/// The verdict, pure: the latest discovery (with its report, if kept), the
/// last crawl and every deviation they recorded.
pub fn verdict(
    discover: Option<(&Recorded, Option<&ComplianceReport>)>,
    crawl: Option<&Recorded>,
    deviations: &[RecordedDeviation],
) -> ComplianceVerdict {
    if !deviations.is_empty() {
        return ComplianceVerdict::Deviations {
            count: u32::try_from(deviations.len()).unwrap_or(u32::MAX),
        };
    }
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let Some((d, report)) = discover else {
        return match crawl {
            None => ComplianceVerdict::NotExamined,
            Some(c) => match &c.could_not_examine {
                Some(why) => ComplianceVerdict::CouldNotExamine {
                    reason: why.clone(),
                    source: ComplianceSource::Crawl,
                    checked_ms: ms(c.checked_at),
                },
                None => ComplianceVerdict::Partial {
                    checked_ms: ms(c.checked_at),
                    reason: "only a crawl has examined the server; discovery has not run yet"
                        .into(),
                    not_examined: Vec::new(),
                },
            },
        };
    };
    if let Some(why) = &d.could_not_examine {
        return ComplianceVerdict::CouldNotExamine {
            reason: why.clone(),
            source: ComplianceSource::Discover,
            checked_ms: ms(d.checked_at),
        };
    }
    match report {
        None => ComplianceVerdict::Partial {
            checked_ms: ms(d.checked_at),
            reason: "the latest discovery was recorded without its full report, so it is not \
                     known whether every check ran"
                .into(),
            not_examined: Vec::new(),
        },
        Some(r) if r.could_not_examine.is_some() || !r.not_examined().is_empty() => {
            ComplianceVerdict::Partial {
                checked_ms: ms(d.checked_at),
                reason: "some checks had nothing to look at".into(),
                not_examined: r.not_examined().to_vec(),
            }
        }
        Some(_) => ComplianceVerdict::NoDeviation {
            checked_ms: ms(d.checked_at),
        },
    }
}

/// The mapped target attributes the recorded `/Schemas` does not declare,
/// as one deviation (evidence: the discovery's `GET …/Schemas`).
fn undeclared_targets(view: &MappingsView, report: &ComplianceReport) -> Option<RecordedDeviation> {
    let targets: Vec<&str> = view
        .attributes
        .iter()
        .flatten()
        .filter(|a| a.declared == Some(false))
        .map(|a| a.target.as_str())
        .collect();
    if targets.is_empty() {
        return None;
    }
    Some(RecordedDeviation {
        code: "mapping_target_undeclared".into(),
        message: format!(
            "{} target attribute{} Entra maps {} not declared in the SaaS's /Schemas: {}",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            if targets.len() == 1 { "is" } else { "are" },
            targets.join(", ")
        ),
        severity: Some(Severity::Info),
        source: ComplianceSource::Discover,
        checked_ms: report.checked_at.timestamp_millis(),
        concerns_schemas: true,
    })
}

/// Compare the mappings' targets with the recorded `/Schemas` of `report`.
pub(super) fn schemas_check(
    view: &mut MappingsView,
    discover: Option<(&Recorded, Option<&ComplianceReport>)>,
) {
    let Some((d, report)) = discover else {
        view.schemas = SchemasCheck::NotChecked;
        return;
    };
    let checked_ms = d.checked_at.timestamp_millis();
    let failed = |message: String| SchemasCheck::Failed {
        checked_ms,
        message,
    };
    // What /Schemas answered is evidence even when the Users list was not.
    if let Some(declared) = report
        .and_then(|r| r.schemas.as_ref())
        .and_then(DeclaredSchemas::from_json)
    {
        annotate(view, &declared, checked_ms);
        return;
    }
    let schemas_endpoint = report.and_then(|r| r.discovery.iter().find(|e| e.path == "/Schemas"));
    view.schemas = match (schemas_endpoint, &d.could_not_examine, report) {
        (Some(e), _, _) if e.ok => failed("/Schemas answered without any schema".into()),
        (Some(e), _, _) => failed(format!("/Schemas answered {}", e.summary)),
        (None, Some(why), _) => failed(why.clone()),
        (None, None, None) => SchemasCheck::NotChecked,
        (None, None, Some(_)) => failed("/Schemas was not read".into()),
    };
}

/// The recorded discovery and crawl of connection `id`, with the report.
async fn recorded(
    engine: &Engine,
    id: i64,
) -> Result<
    (
        Option<(Recorded, Option<ComplianceReport>)>,
        Option<Recorded>,
    ),
    EngineError,
> {
    let pool = engine.store.pool();
    let discover = match compliance::latest(pool, id, Source::Discover).await? {
        Some(d) => {
            // A report that no longer reads (an older shape) counts as not kept.
            let report = compliance::latest_report(pool, id, Source::Discover)
                .await?
                .and_then(|j| serde_json::from_str::<ComplianceReport>(&j).ok());
            Some((d, report))
        }
        None => None,
    };
    let crawl = compliance::latest(pool, id, Source::Crawl).await?;
    Ok((discover, crawl))
}

/// The stored compliance of a connection, as both screens show it.
pub async fn stored_compliance(
    engine: &Engine,
    connection: &str,
) -> Result<StoredCompliance, EngineError> {
    let r = row(engine, connection).await?;
    let (discover, crawl) = recorded(engine, r.id).await?;
    let d = discover.as_ref().map(|(d, rep)| (d, rep.as_ref()));
    let mut deviations = match d {
        Some((_, Some(rep))) => from_report(rep),
        Some((rec, None)) => from_recorded(rec, ComplianceSource::Discover),
        None => Vec::new(),
    };
    if let Some((_, Some(rep))) = d {
        let mut view = super::mappings(engine, connection).await?;
        schemas_check(&mut view, d);
        deviations.extend(undeclared_targets(&view, rep));
    }
    if let Some(c) = &crawl {
        deviations.extend(from_recorded(c, ComplianceSource::Crawl));
    }
    Ok(StoredCompliance {
        verdict: verdict(d, crawl.as_ref(), &deviations),
        report: d.and_then(|(_, rep)| rep.cloned()),
        discover_ms: d.map(|(rec, _)| rec.checked_at.timestamp_millis()),
        crawl_ms: crawl.as_ref().map(|c| c.checked_at.timestamp_millis()),
        crawl_could_not_examine: crawl.as_ref().and_then(|c| c.could_not_examine.clone()),
        deviations,
    })
}

/// "Re-examine": run a discovery (recorded), then read the stored compliance.
pub async fn reexamine(
    engine: &Engine,
    connection: &str,
    now: DateTime<Utc>,
) -> Result<StoredCompliance, ScimError> {
    discover(engine, connection, now).await?;
    Ok(stored_compliance(engine, connection).await?)
}

/// The Mappings view's `/Schemas` comparison and compliance, from the store.
pub(crate) async fn with_stored(
    engine: &Engine,
    connection: &str,
    view: &mut MappingsView,
) -> Result<StoredCompliance, EngineError> {
    let r = row(engine, connection).await?;
    if r.scim_url.is_none() {
        view.schemas = SchemasCheck::NoScimSide;
    } else {
        let (discover, _) = recorded(engine, r.id).await?;
        schemas_check(view, discover.as_ref().map(|(d, rep)| (d, rep.as_ref())));
    }
    stored_compliance(engine, connection).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimwatch_core::health::ComplianceDeviation;

    fn rec(could_not: Option<&str>, devs: &[&str]) -> Recorded {
        Recorded {
            checked_at: DateTime::from_timestamp_millis(1_000).unwrap_or_default(),
            could_not_examine: could_not.map(str::to_string),
            deviations: devs
                .iter()
                .map(|c| ComplianceDeviation {
                    code: (*c).into(),
                    message: format!("{c} on GET /Schemas"),
                })
                .collect(),
        }
    }

    #[test]
    fn schemas_requests_are_recognised() {
        assert!(is_schemas_request("GET https://x/scim/v2/Schemas"));
        assert!(is_schemas_request("GET https://x/scim/v2/Schemas?count=1"));
        assert!(is_schemas_request("GET https://x/scim/v2/Schemas/urn:x"));
        assert!(!is_schemas_request("GET https://x/scim/v2/ResourceTypes"));
        assert!(!is_schemas_request(
            "GET https://x/scim/v2/Users?filter=Schemas"
        ));
    }

    #[test]
    fn no_deviation_needs_a_full_discovery() {
        assert_eq!(verdict(None, None, &[]), ComplianceVerdict::NotExamined);
        let crawl = rec(None, &[]);
        assert!(matches!(
            verdict(None, Some(&crawl), &[]),
            ComplianceVerdict::Partial { .. }
        ));
        let failed = rec(Some("unreachable"), &[]);
        assert!(matches!(
            verdict(Some((&failed, None)), Some(&crawl), &[]),
            ComplianceVerdict::CouldNotExamine {
                source: ComplianceSource::Discover,
                ..
            }
        ));
        let ok = rec(None, &[]);
        // Without the report it is not known whether every check ran.
        assert!(matches!(
            verdict(Some((&ok, None)), None, &[]),
            ComplianceVerdict::Partial { .. }
        ));
        let d = from_recorded(&rec(None, &["x"]), ComplianceSource::Crawl);
        assert_eq!(
            verdict(Some((&ok, None)), None, &d),
            ComplianceVerdict::Deviations { count: 1 }
        );
        assert!(d[0].concerns_schemas);
    }
}
