// What Entra sends to the SaaS and for whom: object mappings on/off, the
// attribute mappings with the matching attribute, scope, Tenant URL,
// assignments and the recent configuration changes, as last read from Graph.
import { useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { MappingsView } from "../bindings/MappingsView";
import { ConnectionScreen } from "../components/ConnectionScreen";
import { Alert, EmptyState, ErrorAlert, RetryAlert } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { StatsSkeleton } from "../components/Skeletons";
import { LocalTime, useNow } from "../components/Time";
import { mappingsView, pollNow, scimCompliance, toCommandError } from "../lib/ipc";
import { href } from "../lib/router";
import { useCommand } from "../lib/useCommand";
import { Assignments } from "./mappings/Assignments";
import { AttributeTable } from "./mappings/AttributeTable";
import { mappingKind, parseAttribute, type SchemasState } from "./mappings/model";
import { RecentChanges } from "./mappings/RecentChanges";
import { SchemasCompliance } from "./mappings/SchemasCompliance";
import { SchemasStatus } from "./mappings/SchemasStatus";

export { mappingKind, parseAttribute, schemasSummary, undeclaredCount, type AttributeRow, type ObjectKind } from "./mappings/model";


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
          <RetryAlert error={view.error} onRetry={view.reload} />
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

      {a ? <Assignments a={a} /> : null}

      <RecentChanges changes={v.changes} now={now} />
    </>
  );
}
