//! Exports the TypeScript bindings of every type that crosses the IPC
//! boundary (and every type they use) into `ui/src/bindings/`, and fails when
//! the committed files were stale: they are rewritten, so committing the
//! result fixes the failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;

fn bindings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings")
}

/// Every Rust type behind each binding file, to catch two types (say two
/// `Evidence`s) silently writing the same file.
#[derive(Default)]
struct Owners {
    by_file: BTreeMap<PathBuf, String>,
    clashes: Vec<String>,
}

impl ts_rs::TypeVisitor for Owners {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        let Some(path) = T::output_path() else {
            return;
        };
        // Instances of one generic type share their declaration's file.
        let full = std::any::type_name::<T>();
        let name = full.split('<').next().unwrap_or(full).to_string();
        match self.by_file.get(path) {
            Some(owner) if *owner != name => self
                .clashes
                .push(format!("{owner} and {name} both write {}", path.display())),
            Some(_) => {}
            None => {
                self.by_file.insert(path.to_path_buf(), name);
                T::visit_dependencies(self);
            }
        }
    }
}

/// Every IPC root type. Their dependencies are exported with them.
fn export_all(dir: &Path) -> Owners {
    let mut owners = Owners::default();
    macro_rules! export {
        ($($t:ty),* $(,)?) => {$(
            <$t as TS>::export_all_to(dir).expect(stringify!($t));
            ts_rs::TypeVisitor::visit::<$t>(&mut owners);
        )*};
    }
    {
        use scimwatch_core::checklist::ChecklistRun;
        use scimwatch_core::health::Finding;
        use scimwatch_core::incident::IncidentState;
        use scimwatch_core::scim::SnapshotDiff;
        use scimwatch_core::settings::{Settings, Theme};
        use scimwatch_core::*;
        export!(
            Settings,
            Theme,
            SnapshotDiff,
            CommandError,
            Connection,
            ConnectionInput,
            Finding,
            IncidentState,
            ChecklistRun
        );
    }
    {
        use scimwatch_engine::read_models::fleet::{TenantApp, TenantSummary};
        export!(TenantApp, TenantSummary);
    }
    {
        use scimwatch_engine::api::demo::DemoStatus;
        use scimwatch_engine::api::incidents::{HistoryPage, IncidentView};
        use scimwatch_engine::api::inventory::{
            GroupMembers, ResourceHistory, SnapshotPage, SnapshotSummary,
        };
        use scimwatch_engine::api::logs::{CycleRow, EventFilter, EventRow, Page};
        use scimwatch_engine::api::overview::StatusReport;
        use scimwatch_engine::api::token::CheckSummary;
        use scimwatch_engine::connections::{SaveOutcome, TestResult};
        use scimwatch_engine::diagnose::DiagnosisOutcome;
        use scimwatch_engine::export::{ExportFormat, ExportResult};
        use scimwatch_engine::monitor::ChecklistView;
        use scimwatch_engine::notify::Notification;
        use scimwatch_engine::poller::Event as PollEvent;
        use scimwatch_engine::read_models::{MappingsView, StoredCompliance};
        use scimwatch_engine::scim::crawl::{CrawlOutcome, CrawlProgress};
        use scimwatch_engine::scim::discover::ComplianceReport;
        use scimwatch_engine::scim::drift::DriftResult;
        use scimwatch_engine::scim::probe::{ProbeExportFormat, ProbePlan, StoredProbe};
        use scimwatch_engine::scim::{CheckResult, TokenStatus};
        use scimwatch_engine::{AppInfo, SecretsPayload};
        export!(
            AppInfo,
            SaveOutcome,
            TestResult,
            SecretsPayload,
            DiagnosisOutcome,
            Notification,
            IncidentView,
            HistoryPage,
            CheckResult,
            CheckSummary,
            TokenStatus,
            CrawlProgress,
            CrawlOutcome,
            ComplianceReport,
            SnapshotSummary,
            DriftResult,
            StatusReport,
            ChecklistView,
            PollEvent,
            EventRow,
            CycleRow,
            EventFilter,
            Page<EventRow>,
            ExportFormat,
            ExportResult,
            MappingsView,
            StoredCompliance,
            StoredProbe,
            ProbePlan,
            ProbeExportFormat,
            DemoStatus,
            SnapshotPage,
            GroupMembers,
            ResourceHistory,
        );
    }
    {
        use scimwatch_engine::api::trace::UserTrace;
        export!(UserTrace);
    }
    {
        use scimwatch_engine::remediate::{
            AuditEntry, GraphCall, OnDemandOutcome, RemediationStatus, RestartOutcome,
        };
        export!(
            RemediationStatus,
            GraphCall,
            OnDemandOutcome,
            RestartOutcome,
            AuditEntry,
        );
    }
    {
        use scimwatch_engine::signin::{SignInMethod, SignInSession, SignInStatus};
        export!(SignInMethod, SignInSession, SignInStatus);
    }
    {
        use scimwatch_engine::alerts::{
            AddedChannel, AlertChannel, AlertChannelInput, AlertTestResult, DeadLetter,
        };
        export!(
            AlertChannel,
            AlertChannelInput,
            AddedChannel,
            AlertTestResult,
            DeadLetter,
        );
    }
    owners
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".ts") {
                out.insert(name, std::fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn bindings_are_current() {
    let fresh = tempfile::tempdir().unwrap();
    let owners = export_all(fresh.path());
    assert!(
        owners.clashes.is_empty(),
        "two Rust types write one binding file (give one a #[ts(rename)]): {:?}",
        owners.clashes
    );
    let wanted = read_dir(fresh.path());
    assert!(wanted.contains_key("Connection.ts"), "{:?}", wanted.keys());
    let dir = bindings_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let current = read_dir(&dir);
    let mut stale = Vec::new();
    for (name, content) in &wanted {
        if current.get(name) != Some(content) {
            std::fs::write(dir.join(name), content).unwrap();
            stale.push(name.clone());
        }
    }
    for name in current.keys() {
        if !wanted.contains_key(name) {
            std::fs::remove_file(dir.join(name)).unwrap();
            stale.push(format!("{name} (removed)"));
        }
    }
    assert!(
        stale.is_empty(),
        "ui/src/bindings was out of date and has been regenerated; commit these files: {stale:?}"
    );
}
