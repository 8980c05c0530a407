// The Logs screen's detail drawer: one event's raw Graph object, read back.
import { Fragment, type ReactNode } from "react";
import type { Connection } from "../../bindings/Connection";
import type { EventRow } from "../../bindings/EventRow";
import { DataTable } from "../../components/DataTable";
import { Dialog } from "../../components/Dialog";
import { Alert, ErrorAlert, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { RichText } from "../../components/RichText";
import { LocalTime } from "../../components/Time";
import { ProvisionOnDemandButton } from "../../components/RemediationActions";
import { eventDetail } from "../../lib/ipc";
import { hrefWithQuery } from "../../lib/router";
import { useCommand } from "../../lib/useCommand";

// ---------- detail drawer ----------

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null);

export function EventDrawer({ c, row, onClose }: { c: Connection; row: EventRow; onClose: () => void }) {
  const detail = useCommand(`event:${c.id}:${row.event_id}`, () => eventDetail(c.id, row.event_id, row.activity_ms));
  const d = obj(detail.data);
  const info = obj(d?.provisioningStatusInfo);
  const err = obj(info?.errorInformation);
  const steps = arr(d?.provisioningSteps).map(obj).filter((x): x is Json => !!x);
  const props = arr(d?.modifiedProperties).map(obj).filter((x): x is Json => !!x);
  const title = `${row.action.charAt(0).toUpperCase()}${row.action.slice(1)} · ${row.target_name ?? row.source_name ?? row.event_id}`;
  return (
    <Dialog title={title} description={<LocalTime iso={new Date(row.activity_ms).toISOString()} />} onClose={onClose} size="drawer">
      {detail.error ? <ErrorAlert error={detail.error} /> : null}
      {detail.loading && !d ? (
        <div className="stack-sm" role="status" aria-label="Loading event details">
          <Skeleton width="60%" />
          <Skeleton width="80%" />
          <Skeleton width="70%" />
        </div>
      ) : null}
      {d ? (
        <div className="stack drawer-body">
          {err && (str(err.errorCode) || str(err.reason)) ? (
            <Alert title={str(err.errorCode) ?? "Error"}>
              {str(err.reason) ? (
                <p>
                  <RichText text={str(err.reason)!} />
                </p>
              ) : null}
              {str(err.additionalDetails) ? <p className="muted">{str(err.additionalDetails)}</p> : null}
              {str(err.recommendedAction) ? (
                <p>
                  <strong>Recommended action:</strong> {str(err.recommendedAction)}
                </p>
              ) : null}
              {str(err.errorCategory) ? <p className="small muted">Category: {str(err.errorCategory)}</p> : null}
            </Alert>
          ) : null}
          <DrawerSection id="drawer-ids" title="Identities">
            <div className="identity-pair">
              <Identity label={str(obj(d.sourceSystem)?.displayName) ?? "Source"} v={obj(d.sourceIdentity)} />
              <Icon name="arrowRight" size={16} className="identity-arrow" />
              <Identity label={str(obj(d.targetSystem)?.displayName) ?? "Target"} v={obj(d.targetIdentity)} />
            </div>
            {row.source_id && !(row.identity_type ?? "").toLowerCase().includes("group") ? (
              <ProvisionOnDemandButton connectionId={c.id} user={row.source_id} name={row.source_name} />
            ) : null}
            <dl className="facts facts-compact">
              <dt>Status</dt>
              <dd>{str(info?.status) ?? row.status}</dd>
              <dt>Action</dt>
              <dd>{str(d.provisioningAction) ?? row.action}</dd>
              {str(d.cycleId) ?? row.cycle_id ? (
                <>
                  <dt>Cycle</dt>
                  <dd className="mono selectable">{str(d.cycleId) ?? row.cycle_id}</dd>
                </>
              ) : null}
              {str(d.changeId) ?? row.change_id ? (
                <>
                  <dt>Change</dt>
                  <dd className="mono selectable">{str(d.changeId) ?? row.change_id}</dd>
                </>
              ) : null}
              {row.duration_ms != null ? (
                <>
                  <dt>Duration</dt>
                  <dd>{row.duration_ms.toLocaleString()} ms</dd>
                </>
              ) : null}
            </dl>
          </DrawerSection>
          {row.source_id && !(row.identity_type ?? "").toLowerCase().includes("group") ? (
            <a className="button button-sm" href={hrefWithQuery("overview", [], { trace: row.source_id, c: c.id })}>
              Trace this user
            </a>
          ) : null}
          <DrawerSection id="drawer-steps" title="Steps">
            {steps.length === 0 ? (
              <p className="muted small">Entra recorded no step for this event.</p>
            ) : (
              <ol className="step-timeline">
                {steps.map((s, i) => {
                  const st = (str(s.status) ?? "").toLowerCase();
                  const tone = st === "success" ? "ok" : st === "failure" ? "bad" : st === "skipped" ? "off" : "warn";
                  const details = obj(s.details);
                  return (
                    <li key={i} className={`timeline-step timeline-${tone}`}>
                      <span className="timeline-dot" aria-hidden="true" />
                      <div>
                        <p className="timeline-title">
                          {str(s.name) ?? `Step ${i + 1}`}
                          <span className="muted small"> · {str(s.provisioningStepType) ?? "step"} · {str(s.status) ?? "unknown"}</span>
                        </p>
                        {str(s.description) ? (
                          <p className="small">
                            <RichText text={str(s.description)!} />
                          </p>
                        ) : null}
                        {details && Object.keys(details).length > 0 ? (
                          <dl className="facts facts-compact small">
                            {Object.entries(details).map(([k, v]) => (
                              <Fragment key={k}>
                                <dt>{k}</dt>
                                <dd className="selectable mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                              </Fragment>
                            ))}
                          </dl>
                        ) : null}
                      </div>
                    </li>
                  );
                })}
              </ol>
            )}
          </DrawerSection>
          <DrawerSection id="drawer-props" title="Modified properties">
            {props.length === 0 ? (
              <p className="muted small">No property changed.</p>
            ) : (
              <div className="table-scroll">
                <DataTable caption="Modified properties, old and new values" columns={["Property", "Old value", "New value"]}>
                  {props.map((p, i) => (
                    <tr key={i}>
                      <th scope="row" className="mono">
                        {str(p.displayName) ?? "—"}
                      </th>
                      <td className="mono selectable diff-old">{str(p.oldValue) ?? <span className="muted">empty</span>}</td>
                      <td className="mono selectable diff-new">{str(p.newValue) ?? <span className="muted">empty</span>}</td>
                    </tr>
                  ))}
                </DataTable>
              </div>
            )}
          </DrawerSection>
          <details className="disclosure disclosure-sm">
            <summary className="disclosure-summary">Raw JSON from Microsoft Graph</summary>
            <pre className="code-block code-block-sm selectable">{JSON.stringify(d, null, 2)}</pre>
          </details>
        </div>
      ) : null}
    </Dialog>
  );
}

/** A part of the drawer, named by its small heading. */
function DrawerSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <h3 id={id} className="section-kicker">
        {title}
      </h3>
      {children}
    </section>
  );
}

function Identity({ label, v }: { label: string; v: Json | null }) {
  return (
    <div className="identity">
      <p className="identity-system">{label}</p>
      <p className="identity-name">{str(v?.displayName) ?? <span className="muted">Not recorded</span>}</p>
      {str(v?.id) ? <p className="mono small muted selectable">{str(v?.id)}</p> : null}
      {str(v?.identityType) ? <p className="small muted">{str(v?.identityType)}</p> : null}
    </div>
  );
}
