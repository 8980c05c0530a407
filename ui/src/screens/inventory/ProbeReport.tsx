// The stored report of "Test with Entra's requests": the overall "ready for
// Entra" verdict, when it ran, one row per Entra operation (pass / fail / not
// applicable / not run / not verified / not checked) and, for a failure, the
// request, the response, the read-back and what Entra would do. An operation
// *not checked* (Entra sends it only under a mapping scimwatch cannot see) is
// never a pass: it is named beside the verdict. Export as Markdown or JSON
// through the native save dialog, like the Logs export.
import type { EntraReaction } from "../../bindings/EntraReaction";
import type { ProbeExportFormat } from "../../bindings/ProbeExportFormat";
import type { ProbeReport } from "../../bindings/ProbeReport";
import type { ProbeStep } from "../../bindings/ProbeStep";
import type { ProbeVerdict } from "../../bindings/ProbeVerdict";
import type { StepOutcome } from "../../bindings/StepOutcome";
import { DataTable } from "../../components/DataTable";
import { ExchangeView } from "../../components/Exchanges";
import { Icon } from "../../components/Icon";
import { LocalTime } from "../../components/Time";
import { useFileExport } from "../../components/useFileExport";
import { exportProbe } from "../../lib/ipc";

export const VERDICT_LABEL: Record<ProbeVerdict, string> = {
  ready_for_entra: "Ready for Entra",
  problems: "Problems found",
  could_not_probe: "Could not probe",
};

export const OUTCOME_LABEL: Record<StepOutcome, string> = {
  pass: "Pass",
  fail: "Fail",
  not_applicable: "Not applicable",
  not_run: "Not run",
  unverified: "Not verified",
  not_checked: "Not checked",
};

const OUTCOME_TONE: Record<StepOutcome, string> = {
  pass: "badge badge-tone-ok",
  fail: "badge badge-tone-bad",
  not_applicable: "badge",
  not_run: "badge",
  unverified: "badge badge-tone-warn",
  not_checked: "badge badge-tone-warn",
};

export const REACTION_LABEL: Record<EntraReaction, string> = {
  retry: "Entra retries",
  escrow: "Entra escrows the object",
  quarantine: "Entra quarantines the job",
  duplicate: "Entra creates a duplicate",
  silent_drift: "Entra records a success; nothing changed",
};

/** The operations not sent because Entra sends them only under a mapping scimwatch cannot see. */
export function notChecked(r: ProbeReport): ProbeStep[] {
  return r.steps.filter((s) => s.outcome === "not_checked");
}

/** The verdict in a sentence, never "ready" without the write probe. */
export function verdictSentence(r: ProbeReport): string {
  if (r.verdict === "ready_for_entra") {
    const n = notChecked(r).length;
    if (!n) return "Every operation Entra sends passed and was read back: ready for Entra.";
    return `Every operation sent passed and was read back: ready for Entra. Not checked: ${n === 1 ? "one operation" : `${n} operations`} (below).`;
  }
  if (r.verdict === "problems") {
    const n = r.steps.filter((s) => s.outcome === "fail").length;
    const left = r.leftovers.length;
    if (n) return `${n} of Entra's operation${n === 1 ? "" : "s"} failed${left ? `, and ${left} throwaway object${left === 1 ? " was" : "s were"} left in the SaaS` : ""}.`;
    if (left) return `${left} throwaway object${left === 1 ? " was" : "s were"} left in the SaaS.`;
    return "The read side (Entra's lookups) deviates: see the findings above.";
  }
  if (!r.write_probe_run) return "Only the read side ran: nothing is claimed about how the SaaS handles Entra's writes.";
  return `Could not probe${r.could_not_probe ? `: ${r.could_not_probe}` : ""}.`;
}

function fileName(connection: string, ext: string): string {
  const safe = connection.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "connection";
  return `scimwatch-${safe}-entra-probe.${ext}`;
}

function StepRow({ s, index }: { s: ProbeStep; index: number }) {
  return (
    <tr data-testid={`probe-step-${s.code}`}>
      <td className="muted small">{index + 1}</td>
      <th scope="row">
        <span className="small">{s.title}</span>
        <span className="cell-sub mono muted small">{s.code}</span>
      </th>
      <td>
        <span className={OUTCOME_TONE[s.outcome]}>
          {s.outcome === "pass" ? <Icon name="check" size={12} /> : s.outcome === "fail" ? <Icon name="alert" size={12} /> : null}
          {OUTCOME_LABEL[s.outcome]}
        </span>
      </td>
      <td className="small">
        <span>{s.message}</span>
        {s.entra_reaction ? (
          <span className="cell-sub warn-text">
            <strong>{REACTION_LABEL[s.entra_reaction]}:</strong> {s.entra_would}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

/** A failure's evidence, full width below the table: the request as sent, the response and the read-back. */
function StepEvidence({ s }: { s: ProbeStep }) {
  const status = s.response?.status;
  return (
    <li className="finding" data-testid={`probe-evidence-${s.code}`}>
      <p className="small">
        <strong>{s.title}</strong> — {OUTCOME_LABEL[s.outcome]}: {s.message}
      </p>
      <details className="disclosure disclosure-sm">
        <summary className="disclosure-summary">
          Evidence: {s.request ? `${s.request.method} ${s.request.url}` : s.code}
          {status != null ? ` → HTTP ${status}` : ""}
        </summary>
        <div className="disclosure-body stack-sm">
          {s.request?.body ? (
            <pre className="code-block code-block-sm" tabIndex={0}>
              {s.request.body}
            </pre>
          ) : null}
          {s.response ? <ExchangeView x={s.response} index={0} /> : null}
          {s.read_back ? (
            <>
              <p className="small">Read back:</p>
              <ExchangeView x={s.read_back} index={1} />
            </>
          ) : null}
        </div>
      </details>
    </li>
  );
}

export function ProbeReportView({ report, connectionId, connectionName }: { report: ProbeReport; connectionId: string; connectionName: string }) {
  const { exporting, exported, runExport, showInFolder } = useFileExport((format: ProbeExportFormat) => {
    const ext = format === "markdown" ? "md" : "json";
    return {
      dialog: {
        title: `Export the Entra probe report as ${format === "markdown" ? "Markdown" : "JSON"}`,
        defaultPath: fileName(connectionName, ext),
        filters: [{ name: format === "markdown" ? "Markdown" : "JSON", extensions: [ext] }],
      },
      write: (path) => exportProbe(connectionId, format, path),
      done: () => "Exported the probe report",
    };
  });
  const withEvidence = report.steps.filter((s) => (s.outcome === "fail" || s.outcome === "unverified") && (s.request != null || s.response != null));
  const unchecked = notChecked(report);
  const tone = report.verdict === "ready_for_entra" ? "ok-text" : report.verdict === "problems" ? "warn-text" : "muted";

  return (
    <div className="stack" data-testid="probe-report">
      <div className="compliance-head-row">
        <div className="stack-sm">
          <p className={tone} data-testid="probe-verdict">
            <Icon name={report.verdict === "ready_for_entra" ? "check" : report.verdict === "problems" ? "alert" : "info"} size={14} />{" "}
            <strong>{VERDICT_LABEL[report.verdict]}</strong> — {verdictSentence(report)}
          </p>
          <p className="muted small">
            {report.write_probe_run ? "Write probe" : "Read-only probe"} of <span className="mono">{report.url}</span>, run{" "}
            <LocalTime iso={report.checked_at} />
          </p>
        </div>
        <div className="card-actions">
          <button type="button" className="button" onClick={() => void runExport("markdown")} disabled={exporting !== null}>
            <Icon name="upload" size={14} />
            {exporting === "markdown" ? "Exporting…" : "Export Markdown"}
          </button>
          <button type="button" className="button" onClick={() => void runExport("json")} disabled={exporting !== null}>
            <Icon name="upload" size={14} />
            {exporting === "json" ? "Exporting…" : "Export JSON"}
          </button>
        </div>
      </div>
      {exported ? (
        <p className="small">
          Saved to <span className="mono selectable">{exported.path}</span>{" "}
          <button type="button" className="button button-sm" onClick={() => void showInFolder(exported.path)}>
            Show in folder
          </button>
        </p>
      ) : null}
      <div className="table-scroll">
        <DataTable label="Entra's operations" columns={["#", "Entra operation", "Result", "What was seen"]}>
          {report.steps.map((s, i) => (
            <StepRow key={s.code} s={s} index={i} />
          ))}
        </DataTable>
      </div>
      {unchecked.length ? (
        <div data-testid="probe-not-checked">
          <h4 className="section-kicker">Not checked</h4>
          <ul className="findings" aria-label="Operations not checked">
            {unchecked.map((s) => (
              <li key={s.code} className="finding">
                <p className="small">
                  <strong>{s.title}</strong> — {s.message}
                </p>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {withEvidence.length ? (
        <div>
          <h4 className="section-kicker">Evidence of each failure</h4>
          <ul className="findings" aria-label="Evidence of each failure">
            {withEvidence.map((s) => (
              <StepEvidence key={s.code} s={s} />
            ))}
          </ul>
        </div>
      ) : null}
      {report.cleaned_up.length ? (
        <div>
          <p className="small">Deleted by the clean-up:</p>
          <ul>
            {report.cleaned_up.map((c) => (
              <li key={c} className="mono small">
                {c}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
