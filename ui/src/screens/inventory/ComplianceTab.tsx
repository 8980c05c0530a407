// The Inventory's SCIM compliance tab: the stored compliance (the latest
// discovery with its report, and the last crawl) — the same record the
// Mappings screen reads — refreshed by "Re-examine", which runs a discovery
// and records it. Never "No deviation found" unless a discovery examined
// everything and nothing is recorded (see complianceVerdict.ts).
import { useState, type ReactNode } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { ComplianceReport } from "../../bindings/ComplianceReport";
import type { Connection } from "../../bindings/Connection";
import type { DeviationSeverity } from "../../bindings/DeviationSeverity";
import type { ScimEvidence } from "../../bindings/ScimEvidence";
import type { Severity } from "../../bindings/Severity";
import type { StoredCompliance } from "../../bindings/StoredCompliance";
import { CodeDisclosure } from "../../components/CodeDisclosure";
import { CopyButton } from "../../components/CopyButton";
import { DataTable } from "../../components/DataTable";
import { ErrorAlert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { RichText } from "../../components/RichText";
import { SeverityBadge } from "../../components/Severity";
import { LocalTime } from "../../components/Time";
import { verdictLabel, VerdictBadge } from "../../components/Verdict";
import { scimCompliance, toCommandError } from "../../lib/ipc";
import { useCommand } from "../../lib/useCommand";
import { SOURCE_LABEL, verdictText } from "./complianceVerdict";
import { ProbeSection } from "./ProbeSection";

const SEVERITY_ORDER: Record<DeviationSeverity, number> = { error: 0, warning: 1, info: 2 };
/** A deviation's severity as the shared badge shows it (an error breaks provisioning: critical). */
const BADGE: Record<DeviationSeverity, Severity> = { error: "critical", warning: "warning", info: "info" };

/** What was sent and what came back, token scrubbed by the engine. */
function evidenceText(e: ScimEvidence): string {
  return `${e.status != null ? `HTTP ${e.status}` : "no response"}\n${e.response_excerpt}`;
}

export function complianceMarkdown(r: ComplianceReport, connectionName: string): string {
  const out: string[] = [];
  out.push(`# SCIM compliance report: ${connectionName}`, "");
  out.push(`- Tenant URL: ${r.url}`);
  out.push(`- Checked: ${r.checked_at}`);
  const t = r.test_connection;
  out.push(
    `- Entra Test Connection: ${verdictLabel(t.verdict)}${t.http_status != null ? ` (HTTP ${t.http_status})` : ""}: ${t.message}`,
  );
  out.push(`- Features declared: ${r.features.length ? r.features.join(", ") : "none"}`, "");
  out.push("## Discovery", "");
  for (const d of r.discovery) out.push(`- ${d.path}: ${d.status ?? "no response"}${d.ok ? "" : " (failed)"}: ${d.summary}`);
  out.push("", `## Findings (${r.findings.length})`, "");
  const notExamined = r.not_examined ?? [];
  if (r.could_not_examine) out.push(`Could not examine the endpoint: ${r.could_not_examine}. Nothing is claimed about its compliance.`, "");
  else if (!r.findings.length) out.push(notExamined.length ? "No deviation in what could be examined." : "No deviation found.");
  if (notExamined.length) out.push("", "Not examined (nothing to look at):", ...notExamined.map((n) => `- ${n}`), "");
  const sorted = [...r.findings].sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity]);
  sorted.forEach((f, i) => {
    out.push(`### ${i + 1}. [${f.severity}] ${f.code}`, "", f.message, "");
    if (f.evidence) out.push(`${f.evidence.request}:`, "", "```", evidenceText(f.evidence), "```", "");
  });
  return out.join("\n").trimEnd() + "\n";
}

/** The stored verdict, worded once for both screens, with its time. */
export function VerdictLine({ stored }: { stored: StoredCompliance }) {
  const v = verdictText(stored);
  const cls = v.tone === "ok" ? "ok-text" : v.tone === "warn" ? "warn-text" : "muted";
  return (
    <span className={cls} data-testid="compliance-verdict">
      <Icon name={v.tone === "ok" ? "check" : v.tone === "warn" ? "alert" : "info"} size={14} /> <RichText text={v.text} />
      {v.at != null ? (
        <span className="muted small">
          {" "}
          (<LocalTime iso={new Date(v.at).toISOString()} />)
        </span>
      ) : null}
    </span>
  );
}

export function ComplianceTab({ c }: { c: Connection }) {
  const stored = useCommand(`compliance:${c.id}`, () => scimCompliance(c.id));
  const [fresh, setFresh] = useState<StoredCompliance | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const s = fresh ?? stored.data;
  async function run() {
    setBusy(true);
    setError(null);
    try {
      setFresh(await scimCompliance(c.id, true));
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }
  const examined = s != null && s.verdict.state !== "not_examined";
  const runButton = (
    <button type="button" className={examined ? "button" : "button button-primary"} onClick={() => void run()} disabled={busy || !c.has_scim_token} aria-busy={busy || undefined}>
      {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="play" size={14} />}
      {busy ? "Examining…" : "Re-examine"}
    </button>
  );
  const crawlDeviations = s?.deviations.filter((d) => d.source === "crawl") ?? [];
  return (
    <div className="stack">
      {stored.error && !s ? <ErrorAlert error={stored.error} /> : null}
      {stored.loading && !s ? (
        <p className="muted" role="status">
          Reading the recorded SCIM compliance…
        </p>
      ) : null}
      {s && !s.report ? (
        <div className="card intro-card">
          <div>
            <h3 className="card-title">How closely does this endpoint follow SCIM?</h3>
            <p>
              <VerdictLine stored={s} />
            </p>
            <p className="muted">
              scimwatch replays Entra's Test Connection, reads the discovery endpoints (ServiceProviderConfig,
              ResourceTypes, Schemas) and records every deviation seen here and during crawls, with the request and
              response that show it: ready to send to the SaaS vendor. It only reads; nothing is changed in the SaaS.
            </p>
          </div>
          {runButton}
        </div>
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
      {s?.report ? <ComplianceView report={s.report} stored={s} name={c.name} action={runButton} /> : null}
      {/* The probe's read side records a discovery: show the fresh record after it. */}
      <ProbeSection c={c} onFinished={() => void scimCompliance(c.id).then(setFresh, () => undefined)} />
      {s && (crawlDeviations.length || s.crawl_could_not_examine) ? (
        <section className="card" aria-labelledby="crawl-deviations-title">
          <h3 id="crawl-deviations-title" className="card-title">
            Seen while crawling
          </h3>
          {s.crawl_ms != null ? (
            <p className="muted small">
              Last crawl <LocalTime iso={new Date(s.crawl_ms).toISOString()} />
            </p>
          ) : null}
          {s.crawl_could_not_examine ? (
            <p className="warn-text">
              Could not examine ({SOURCE_LABEL.crawl}): <RichText text={s.crawl_could_not_examine} />
            </p>
          ) : null}
          <ul className="findings">
            {crawlDeviations.map((d) => (
              <li key={d.code} className="finding">
                <code className="finding-code">{d.code}</code>
                <p className="finding-message">
                  <RichText text={d.message} capitalize />
                </p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

export function ComplianceView({ report, name, action, stored }: { report: ComplianceReport; name: string; action?: ReactNode; stored: StoredCompliance }) {
  // The report's findings and what the stored record derives from it (the mapped targets /Schemas does not declare).
  const derived = stored.deviations
    .filter((d) => d.source === "discover" && !report.findings.some((f) => f.code === d.code))
    .map((d) => ({ code: d.code, severity: d.severity ?? "warning", message: d.message, evidence: null }));
  const findings = [...report.findings, ...derived].sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity]);
  const counts = { error: 0, warning: 0, info: 0 } as Record<DeviationSeverity, number>;
  for (const f of findings) counts[f.severity]++;
  const t = report.test_connection;
  return (
    <div className="stack">
      <section className="card compliance-head" aria-label="Compliance summary">
        <div className="compliance-head-row">
          <div className="stack-sm">
            <p className="mono small selectable">{report.url}</p>
            <p className="muted small">
              Discovery recorded <LocalTime iso={report.checked_at} />
            </p>
          </div>
          <div className="card-actions">
            <CopyButton text={() => complianceMarkdown(report, name)} label="Copy report" className="button" />
            {action}
          </div>
        </div>
        <dl className="facts facts-wide compliance-facts">
          <dt>Test Connection</dt>
          <dd>
            <VerdictBadge verdict={t.verdict} status={t.http_status} />
            <span className="small">
              <RichText text={t.message} capitalize />
            </span>
          </dd>
          <dt>Findings</dt>
          <dd>
            <VerdictLine stored={stored} />
            {findings.length ? (
              <span className="inline-counts">
                {(["error", "warning", "info"] as DeviationSeverity[])
                  .filter((s) => counts[s])
                  .map((s) => (
                    <span key={s} className="inline-count">
                      <SeverityBadge severity={BADGE[s]} /> × {counts[s]}
                    </span>
                  ))}
              </span>
            ) : null}
          </dd>
          {report.not_examined?.length ? (
            <>
              <dt>Not examined</dt>
              <dd>
                {report.not_examined.map((n) => (
                  <span key={n} className="cell-sub muted small">
                    {n}
                  </span>
                ))}
              </dd>
            </>
          ) : null}
          <dt>Features</dt>
          <dd>
            {report.features.length ? (
              report.features.map((f) => (
                <code key={f} className="path">
                  {f}
                </code>
              ))
            ) : (
              <span className="muted">None declared</span>
            )}
          </dd>
        </dl>
      </section>

      {findings.length > 0 ? (
        <section className="card" aria-labelledby="findings-title">
          <h3 id="findings-title" className="card-title">
            Deviations
          </h3>
          <ol className="findings">
            {findings.map((f, i) => (
              <li key={i} className={`finding finding-${BADGE[f.severity]}`}>
                <div className="finding-head">
                  <SeverityBadge severity={BADGE[f.severity]} />
                  <code className="finding-code">{f.code}</code>
                </div>
                <p className="finding-message">
                  <RichText text={f.message} capitalize />
                </p>
                {f.evidence ? <CodeDisclosure summary={<>Evidence: {f.evidence.request}</>}>{evidenceText(f.evidence)}</CodeDisclosure> : null}
              </li>
            ))}
          </ol>
        </section>
      ) : null}

      <section className="card table-card" aria-labelledby="discovery-title">
        <header className="table-card-header">
          <h3 id="discovery-title" className="card-title">
            Discovery endpoints
          </h3>
        </header>
        <div className="table-scroll">
          <DataTable columns={["Endpoint", "Status", "Found"]}>
            {report.discovery.map((d) => (
              <tr key={d.path}>
                <th scope="row" className="mono">
                  {d.path}
                </th>
                <td>
                  <span className={d.ok ? "badge badge-tone-ok" : "badge badge-tone-bad"}>
                    <Icon name={d.ok ? "check" : "alert"} size={12} />
                    {d.status ?? "no response"}
                  </span>
                </td>
                <td className="small">{d.summary}</td>
              </tr>
            ))}
          </DataTable>
        </div>
      </section>
    </div>
  );
}
