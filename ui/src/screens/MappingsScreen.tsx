// What Entra sends to the SaaS and for whom: object mappings on/off, the
// attribute mappings with the matching attribute, scope, Tenant URL,
// assignments and the recent configuration changes, as last read from Graph.
import { useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { MappingSummary } from "../bindings/MappingSummary";
import type { AttributeView } from "../bindings/AttributeView";
import type { MappingsView } from "../bindings/MappingsView";
import type { SchemasCheck } from "../bindings/SchemasCheck";
import { ConnectionScreen } from "../components/ConnectionScreen";
import { Alert, EmptyState, ErrorAlert } from "../components/Feedback";
import { RichText } from "../components/RichText";
import { StatsSkeleton } from "../components/Skeletons";
import { Icon } from "../components/Icon";
import { LocalTime, useNow } from "../components/Time";
import { mappingsView, pollNow, scimCompliance, toCommandError } from "../lib/ipc";
import { SchemasCompliance } from "./MappingsScreenCompliance";
import { href } from "../lib/router";
import { useCommand } from "../lib/useCommand";

export type AttributeRow = AttributeView;

/**
 * `target <- source` as the engine stores it (or `target ← source`), with `*`
 * marking a matching attribute (anywhere in the text). Only a fallback: the
 * view's `attributes` carry the parts.
 */
export function parseAttribute(text: string): AttributeRow {
  const matching = text.includes("*");
  const clean = text.replace(/\*/g, "").trim();
  const m = /\s*(?:<-|←)\s*/.exec(clean);
  const target = m ? clean.slice(0, m.index) : clean;
  const source = m ? clean.slice(m.index + m[0].length) : "";
  return { target: target.trim(), source: source.trim(), matching, declared: null };
}

/** How many target attributes the SaaS's `/Schemas` does not declare. */
export function undeclaredCount(v: MappingsView): number {
  return v.attributes.flat().filter((a) => a.declared === false).length;
}

/**
 * What the /Schemas comparison can claim when nothing is undeclared: every
 * attribute declared, some declared and some not checkable, or nothing
 * checkable at all — never "declared" for rows that are unknown.
 */
export function schemasSummary(v: MappingsView, withoutAttributes: string[], schemaIds: string[]): { tone: "ok" | "unknown"; text: string } {
  const rows = v.attributes.flat();
  const declared = rows.filter((a) => a.declared === true).length;
  const unknown = rows.filter((a) => a.declared === null).length;
  const why = withoutAttributes.length
    ? `the SaaS's /Schemas lists ${withoutAttributes.join(", ")} without their attributes`
    : schemaIds.length
      ? "the mapped attributes belong to schemas the SaaS's /Schemas does not list"
      : "the SaaS's /Schemas declares no schema";
  if (rows.length === 0) return { tone: "unknown", text: "Nothing could be checked: the mappings have no target attributes." };
  if (declared === 0) return { tone: "unknown", text: `Nothing could be checked: ${why}, so all ${unknown} target attribute${unknown === 1 ? " is" : "s are"} unknown.` };
  if (unknown > 0) {
    return {
      tone: "unknown",
      text: `${declared} target attribute${declared === 1 ? " is" : "s are"} declared in the SaaS's /Schemas; ${unknown} could not be checked: ${why}.`,
    };
  }
  return { tone: "ok", text: "Every target attribute is declared in the SaaS's /Schemas." };
}

export type ObjectKind = "users" | "groups" | "other";

export function mappingKind(m: MappingSummary): ObjectKind {
  const text = `${m.source ?? ""} ${m.target ?? ""} ${m.name ?? ""}`.toLowerCase();
  if (text.includes("group")) return "groups";
  if (text.includes("user")) return "users";
  return "other";
}

export function MappingsScreen({ rest }: { rest: string[] }) {
  return (
    <ConnectionScreen
      screen="mappings"
      side="entra"
      rest={rest}
      title="Mappings & assignments"
      subtitle="What Entra sends to the SaaS, and for whom."
      skeleton={<StatsSkeleton label="Loading mappings" />}
      empty={{
        icon: "mappings",
        title: "No Entra side to read mappings from",
        body: (
          <p>
            Attribute mappings, scope and assignments are read from the enterprise app's provisioning job in Microsoft
            Graph. Add the Entra side (tenant and enterprise app) to a connection to see them.
          </p>
        ),
        // The demo tenant has an Entra side: its mappings show at once.
        demoStaysHere: true,
      }}
    >
      {(c) => <MappingsBodyView c={c} />}
    </ConnectionScreen>
  );
}

const FIX_MAPPING =
  "In Entra: Enterprise applications → the app → Provisioning → Mappings → open the mapping → set Enabled to Yes → Save. The next cycle provisions them.";

function MappingsBodyView({ c }: { c: Connection }) {
  // The targets compared with the /Schemas of the latest recorded discovery,
  // and the stored compliance: the same record the Inventory shows.
  const view = useCommand(`mappings:${c.id}`, () => mappingsView(c.id));
  const [examining, setExamining] = useState(false);
  const [examineError, setExamineError] = useState<CommandError | null>(null);
  const [polling, setPolling] = useState(false);
  const [pollError, setPollError] = useState<CommandError | null>(null);
  const now = useNow();

  async function poll() {
    setPolling(true);
    setPollError(null);
    try {
      await pollNow(c.id);
      await view.reload();
    } catch (e) {
      setPollError(toCommandError(e));
    } finally {
      setPolling(false);
    }
  }

  /** "Re-examine": a discovery, recorded; then the view again. */
  async function reexamine() {
    setExamining(true);
    setExamineError(null);
    try {
      await scimCompliance(c.id, true);
    } catch (e) {
      setExamineError(toCommandError(e));
    } finally {
      await view.reload();
      setExamining(false);
    }
  }

  const v = view.data;
  const nothingRead = v && !v.mappings && !v.assignments && !v.settings;
  const schemas: SchemasState = !c.scim
    ? { state: "no_scim_side" }
    : examining
      ? { state: "checking" }
      : (v?.schemas ?? { state: "not_checked" });
  return (
    <>
      <div className="toolbar">
        <div className="toolbar-text">
          <span className="toolbar-title">{c.name}</span>
          <span className="muted small">
            {v?.mappings_seen_ms ? (
              <>
                Mappings read <LocalTime iso={new Date(v.mappings_seen_ms).toISOString()} now={now} />
              </>
            ) : (
              c.entra?.app_display_name ?? c.entra?.app ?? c.entra?.tenant_id
            )}
          </span>
        </div>
        <button type="button" className="button" onClick={() => void poll()} disabled={polling} aria-busy={polling || undefined}>
          {polling ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="refresh" size={14} />}
          {polling ? "Reading…" : "Read from Entra now"}
        </button>
      </div>
      {pollError ? <ErrorAlert error={pollError} /> : null}
      {examineError ? <ErrorAlert error={examineError} /> : null}
      {view.error ? (
        view.error.kind === "not_found" ? (
          <NothingRead onPoll={() => void poll()} polling={polling} />
        ) : (
          <ErrorAlert
            error={view.error}
            action={
              <button type="button" className="button button-sm" onClick={() => void view.reload()}>
                Try again
              </button>
            }
          />
        )
      ) : null}
      {view.loading && !v ? <StatsSkeleton label="Loading mappings" /> : null}
      {nothingRead ? <NothingRead onPoll={() => void poll()} polling={polling} /> : null}
      {v && !nothingRead ? (
        <MappingsContent c={c} v={v} now={now} schemas={schemas} onCheckSchemas={() => void reexamine()} />
      ) : null}
    </>
  );
}

function NothingRead({ onPoll, polling }: { onPoll: () => void; polling: boolean }) {
  return (
    <EmptyState
      icon="mappings"
      title="Nothing read from Entra yet"
      action={
        <button type="button" className="button button-primary" onClick={onPoll} disabled={polling}>
          Read from Entra now
        </button>
      }
    >
      <p>
        scimwatch reads the provisioning job's schema (attribute mappings), its settings (Tenant URL, scope) and the
        app's assignments on each poll. None of them has been read for this connection yet.
      </p>
      <p className="muted">
        If this persists, check the connection's Entra sign-in on <a href={href("troubleshooting")}>Troubleshooting</a>.
      </p>
    </EmptyState>
  );
}

function OnOff({ label, on }: { label: string; on: boolean | null }) {
  return (
    <span className={`mapping-state ${on === null ? "mapping-unknown" : on ? "mapping-on" : "mapping-off"}`}>
      <Icon name={on === null ? "info" : on ? "check" : "alert"} size={16} />
      <span>
        {label}: <strong>{on === null ? "not mapped" : on ? "On" : "Off"}</strong>
      </span>
    </span>
  );
}

type SchemasState = SchemasCheck | { state: "checking" };

const SCHEMAS_EXPLAIN_ID = "schemas-explain";

/** Whether the targets were compared with the SaaS's /Schemas, and what came of it. */
function SchemasStatus({
  c,
  v,
  schemas,
  now,
  onCheck,
}: {
  c: Connection;
  v: MappingsView;
  schemas: SchemasState;
  now: Date;
  onCheck: () => void;
}) {
  const discovery = (
    <a href={href("inventory", c.id, "compliance")}>Inventory → SCIM compliance</a>
  );
  const again = (
    <button type="button" className="button button-sm" onClick={onCheck}>
      <Icon name="refresh" size={14} /> Re-examine
    </button>
  );
  switch (schemas.state) {
    case "no_scim_side":
      return (
        <div className="card hint-card schemas-status">
          <Icon name="info" size={16} />
          <p>
            This connection has no SCIM side, so the target attributes are not compared with what the SaaS declares in
            its <span className="mono">/Schemas</span>. Add the Tenant URL and Secret Token to the connection to check them.
          </p>
        </div>
      );
    case "checking":
      return (
        <div className="card hint-card schemas-status" role="status">
          <span className="spinner spinner-sm" aria-hidden="true" />
          <p>
            Re-examining: reading the SaaS's discovery endpoints, then comparing the target attributes with its{" "}
            <span className="mono">/Schemas</span>…
          </p>
        </div>
      );
    case "not_checked":
      return (
        <div className="card hint-card schemas-status">
          <Icon name="info" size={16} />
          <p>
            Not examined yet: no discovery is recorded, so the target attributes are not compared with the SaaS's{" "}
            <span className="mono">/Schemas</span>. Re-examine here or on {discovery} to see what the SaaS declares.
          </p>
          {again}
        </div>
      );
    case "failed":
      return (
        <div className="card hint-card schemas-status" role="status">
          <Icon name="info" size={16} />
          <div className="stack-sm">
            <p>
              Could not compare the target attributes with the SaaS's <span className="mono">/Schemas</span>:{" "}
              <RichText text={schemas.message} />.
            </p>
            <p className="muted small">
              See {discovery} for what the SaaS answers on its discovery endpoints.
              Entra does not need <span className="mono">/Schemas</span>; without it, scimwatch cannot tell which
              attributes the SaaS accepts.
            </p>
          </div>
          {again}
        </div>
      );
    case "read": {
      const undeclared = undeclaredCount(v);
      const when = (
        <LocalTime iso={new Date(schemas.checked_ms).toISOString()} now={now} />
      );
      return (
        <>
          {undeclared > 0 ? (
            <Alert
              tone="warning"
              title={`${undeclared} target attribute${undeclared === 1 ? " is" : "s are"} not in the SaaS's /Schemas`}
              action={again}
            >
              <p id={SCHEMAS_EXPLAIN_ID}>
                Entra sends every mapped attribute, declared or not. A SaaS that does not know an attribute either ignores
                it — the value never arrives — or rejects the whole create or update, so the user fails to provision
                (often an HTTP 400 in the provisioning logs).
              </p>
              <p className="muted small">
                Remove or fix the mapping in Entra (Provisioning → Mappings), or ask the vendor whether it supports the
                attribute. Checked {when}.
              </p>
            </Alert>
          ) : (
            <SchemasSummaryCard summary={schemasSummary(v, schemas.without_attributes, schemas.schema_ids)} when={when} again={again} />
          )}
          {schemas.without_attributes.length > 0 ? (
            <div className="card hint-card schemas-status">
              <Icon name="info" size={16} />
              <p>
                The SaaS lists <span className="mono">{schemas.without_attributes.join(", ")}</span> without their
                attributes, so attributes of {schemas.without_attributes.length === 1 ? "that schema" : "those schemas"}{" "}
                show as unknown.
              </p>
            </div>
          ) : null}
        </>
      );
    }
  }
}

function MappingsContent({
  c,
  v,
  now,
  schemas,
  onCheckSchemas,
}: {
  c: Connection;
  v: MappingsView;
  now: Date;
  schemas: SchemasState;
  onCheckSchemas: () => void;
}) {
  const maps = v.mappings?.mappings ?? [];
  const users = maps.filter((m) => mappingKind(m) === "users");
  const groups = maps.filter((m) => mappingKind(m) === "groups");
  const usersOn = users.length ? users.some((m) => m.enabled) : null;
  const groupsOn = groups.length ? groups.some((m) => m.enabled) : null;
  const base = v.settings?.base_address ?? null;
  const mine = c.scim?.url ?? null;
  // The engine compares them in core's one form (`validate::same_tenant_url`).
  const mismatch = base && mine && v.tenant_url_matches === false;
  const a = v.assignments;

  return (
    <>
      {v.mappings ? (
        <div className="mapping-states" role="group" aria-label="Object mappings">
          <OnOff label="Users mapping" on={usersOn} />
          <OnOff label="Groups mapping" on={groupsOn} />
        </div>
      ) : null}
      {usersOn === false ? (
        <Alert tone="warning" title="The users mapping is disabled: Entra provisions no user">
          <p>{FIX_MAPPING}</p>
        </Alert>
      ) : null}
      {groupsOn === false ? (
        <Alert tone="warning" title="The groups mapping is disabled: groups and their memberships are not provisioned">
          <p>{FIX_MAPPING}</p>
        </Alert>
      ) : null}
      {mismatch ? (
        <Alert
          tone="warning"
          title="Entra sends to a different Tenant URL than this connection watches"
          action={
            <a className="button button-sm" href={href("connections", c.id, "edit")}>
              Edit connection
            </a>
          }
        >
          <dl className="facts facts-compact">
            <dt>In Entra</dt>
            <dd className="mono selectable">{base}</dd>
            <dt>In scimwatch</dt>
            <dd className="mono selectable">{mine}</dd>
          </dl>
          <p>One of them is wrong: fix Entra's Admin Credentials or this connection so both point at the SaaS's SCIM endpoint.</p>
        </Alert>
      ) : null}

      <div className="stat-grid">
        <section className="card stat-card" aria-labelledby="scope-title">
          <h2 id="scope-title" className="stat-label">
            Scope
          </h2>
          <p className="stat-value stat-value-sm">
            {v.settings?.sync_all == null ? <span className="stat-value-muted">Unknown</span> : v.settings.sync_all ? "All users and groups" : "Assigned only"}
          </p>
          <p className="stat-detail">
            {v.settings?.sync_all == null
              ? "The job's settings were not read."
              : v.settings.sync_all
                ? "Every user and group in the tenant is in scope, assigned or not."
                : "Only users and groups assigned to the enterprise app are provisioned."}
          </p>
        </section>
        <section className="card stat-card" aria-labelledby="tenant-title">
          <h2 id="tenant-title" className="stat-label">
            Tenant URL in Entra
          </h2>
          {base ? (
            <p className="stat-value stat-value-sm mono selectable tenant-url">{base}</p>
          ) : (
            <p className="stat-value stat-value-sm stat-value-muted">Not read</p>
          )}
          <p className="stat-detail">
            {!base || !mine || v.tenant_url_matches === null ? (
              mine ? (
                "Nothing to compare yet."
              ) : (
                "This connection has no SCIM side to compare with."
              )
            ) : mismatch ? (
              <span className="warn-text">
                <Icon name="alert" size={14} /> Differs from this connection's
              </span>
            ) : (
              <span className="ok-text">
                <Icon name="check" size={14} /> Same as this connection's
              </span>
            )}
          </p>
          {v.settings ? (
            <p className="stat-foot muted small">Secret Token {v.settings.secret_token_set ? "set in Entra" : "not set in Entra"}</p>
          ) : null}
        </section>
        <section className="card stat-card" aria-labelledby="inscope-title">
          <h2 id="inscope-title" className="stat-label">
            Users in scope
          </h2>
          {a ? (
            <>
              <p className="stat-value">{a.in_scope_users.toLocaleString()}</p>
              <p className="stat-detail">
                {a.user_count.toLocaleString()} assigned directly · {a.group_count.toLocaleString()} group{a.group_count === 1 ? "" : "s"} with{" "}
                {a.group_member_count.toLocaleString()} member{a.group_member_count === 1 ? "" : "s"}
              </p>
            </>
          ) : (
            <p className="stat-value stat-value-sm stat-value-muted">Not read</p>
          )}
          {v.assignments_seen_ms ? (
            <p className="stat-foot muted small">
              Read <LocalTime iso={new Date(v.assignments_seen_ms).toISOString()} now={now} />
            </p>
          ) : null}
        </section>
      </div>

      {maps.length > 0 ? <SchemasStatus c={c} v={v} schemas={schemas} now={now} onCheck={onCheckSchemas} /> : null}
      <SchemasCompliance c={c} stored={v.compliance} />
      {maps.map((m, i) => (
        <AttributeTable key={i} m={m} index={i} rows={v.attributes[i] ?? m.attributes.map(parseAttribute)} checked={schemas.state === "read"} />
      ))}
      {!v.mappings ? (
        <div className="card hint-card">
          <Icon name="info" size={16} />
          <p>The attribute mappings (the job's schema) have not been read yet.</p>
        </div>
      ) : null}

      {a ? (
        <div className="grid-2">
          <section className="card table-card" aria-labelledby="groups-title">
            <header className="table-card-header">
              <h2 id="groups-title" className="card-title">
                Assigned groups
              </h2>
              <span className="muted small">{a.group_count.toLocaleString()}</span>
            </header>
            {a.groups.length === 0 ? (
              <p className="table-card-body muted">No group is assigned to the app. Members of assigned groups are provisioned.</p>
            ) : (
              <div className="table-scroll">
                <table className="table">
                  <caption className="visually-hidden">Assigned groups with their direct member counts</caption>
                  <thead>
                    <tr>
                      <th scope="col">Group</th>
                      <th scope="col" className="num">
                        Members
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.groups.slice(0, 100).map((g) => (
                      <tr key={g.id}>
                        <th scope="row">{g.name ?? <span className="mono muted">{g.id}</span>}</th>
                        <td className="num">{g.members.toLocaleString()}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section className="card table-card" aria-labelledby="users-title">
            <header className="table-card-header">
              <h2 id="users-title" className="card-title">
                Assigned users
              </h2>
              <span className="muted small">{a.user_count.toLocaleString()} directly</span>
            </header>
            {a.users.length === 0 ? (
              <p className="table-card-body muted">No user is assigned directly.</p>
            ) : (
              <ul className="table-card-body plain-list user-list">
                {a.users.slice(0, 100).map((u) => (
                  <li key={u.id}>{u.name ?? <span className="mono muted">{u.id}</span>}</li>
                ))}
                {a.users.length > 100 ? <li className="muted">and {(a.users.length - 100).toLocaleString()} more</li> : null}
              </ul>
            )}
          </section>
        </div>
      ) : null}

      <section className="card" aria-labelledby="changes-title">
        <h2 id="changes-title" className="card-title">
          Recent changes
        </h2>
        {v.changes.length === 0 ? (
          <p className="muted">No configuration change observed since scimwatch started reading this app.</p>
        ) : (
          <ol className="change-timeline">
            {v.changes.map((ch, i) => (
              <li key={i} className="change">
                <span className="timeline-dot" aria-hidden="true" />
                <div>
                  <p>
                    <span className="badge badge-off">{CHANGE_LABELS[ch.kind] ?? ch.kind}</span> {ch.summary ?? "Changed"}
                  </p>
                  <p className="small muted">
                    <LocalTime iso={new Date(ch.observed_ms).toISOString()} now={now} />
                  </p>
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

const CHANGE_LABELS: Record<string, string> = { schema: "Mappings", assignments: "Assignments", settings: "Settings" };

function AttributeTable({
  m,
  index,
  rows,
  checked,
}: {
  m: MappingSummary;
  index: number;
  rows: AttributeRow[];
  /** Whether the targets were compared with /Schemas (adds a column). */
  checked: boolean;
}) {
  const id = `mapping-${index}`;
  const matching = rows.filter((r) => r.matching);
  return (
    <section className="card table-card" aria-labelledby={id}>
      <header className="table-card-header">
        <h2 id={id} className="card-title">
          {m.name ?? `${m.source ?? "?"} → ${m.target ?? "?"}`}
        </h2>
        <span className={m.enabled ? "badge badge-tone-ok" : "badge badge-tone-warn"}>
          <Icon name={m.enabled ? "check" : "alert"} size={12} />
          {m.enabled ? "Enabled" : "Disabled"}
        </span>
      </header>
      <p className="table-card-body muted small">
        {m.source ?? "?"} → {m.target ?? "?"} · {rows.length} attribute{rows.length === 1 ? "" : "s"}
        {matching.length ? (
          <>
            {" "}
            · matched on <strong>{matching.map((r) => r.target).join(", ")}</strong>
          </>
        ) : (
          " · no matching attribute set"
        )}
      </p>
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Attribute mappings of {m.name ?? "this mapping"}</caption>
            <thead>
              <tr>
                <th scope="col">SCIM attribute (target)</th>
                <th scope="col">Entra source</th>
                <th scope="col">Matching</th>
                {checked ? <th scope="col">In the SaaS's /Schemas</th> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} className={r.matching ? "row-matching" : undefined}>
                  <th scope="row" className="mono attr-target">
                    {r.target}
                  </th>
                  <td className="mono">{r.source || <span className="muted">—</span>}</td>
                  <td>
                    {r.matching ? (
                      <span className="badge badge-entra">
                        <Icon name="check" size={12} />
                        Matching attribute
                      </span>
                    ) : null}
                  </td>
                  {checked ? (
                    <td>
                      <DeclaredCell declared={r.declared} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function SchemasSummaryCard({ summary, when, again }: { summary: { tone: "ok" | "unknown"; text: string }; when: ReactNode; again: ReactNode }) {
  return (
    <div className="card hint-card schemas-status" role="status">
      {summary.tone === "ok" ? <Icon name="check" size={16} className="ok-text" /> : <Icon name="info" size={16} />}
      <p>
        {summary.text} Checked {when}.
      </p>
      {again}
    </div>
  );
}

function DeclaredCell({ declared }: { declared: boolean | null }) {
  if (declared === true) {
    return (
      <span className="ok-text small">
        <Icon name="check" size={14} /> Declared
      </span>
    );
  }
  if (declared === false) {
    return (
      <span
        className="badge badge-tone-warn"
        aria-describedby={SCHEMAS_EXPLAIN_ID}
        title="Entra sends this attribute; the SaaS may ignore it or reject the request."
      >
        <Icon name="alert" size={12} />
        Not in the SaaS's /Schemas
      </span>
    );
  }
  return (
    <span className="muted small" title="The SaaS's /Schemas lists this attribute's schema without its attributes.">
      Unknown
    </span>
  );
}
