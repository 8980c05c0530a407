import { useEffect, useState, type ReactNode } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import { hostOf, SideBadges, TokenExpiry, TokenStored } from "../components/ConnectionFacts";
import { ConfirmDialog } from "../components/Dialog";
import { EmptyState, ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Icon, type IconName } from "../components/Icon";
import { RemediationSettings } from "../components/RemediationActions";
import { Page } from "../components/Page";
import { SignInStatusRow } from "../components/SignInDialog";
import { LocalTime, useNow } from "../components/Time";
import { useToasts } from "../components/Toasts";
import { authModeLabel, cloudLabel, DEFAULT_PUBLIC_CLIENT_ID } from "../lib/connectionForm";
import { useConnections } from "../lib/connections";
import { removeConnection } from "../lib/ipc";
import { navigate } from "../lib/router";
import { useSecretStore } from "../lib/secretStore";
import { ConnectionForm } from "./ConnectionForm";
import { isTenantApp, TenantApps } from "./connection/TenantApps";

export function ConnectionsScreen({ rest }: { rest: string[] }) {
  const { state, reload, refreshing } = useConnections();
  const { push } = useToasts();
  const secretStore = useSecretStore();
  const [removing, setRemoving] = useState<Connection | null>(null);
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeError, setRemoveError] = useState<CommandError | null>(null);

  const connections = state.connections;
  const adding = rest[0] === "new";
  const editId = rest[1] === "edit" ? rest[0] : undefined;
  const editing = editId ? connections?.find((c) => c.id === editId) : undefined;

  // A deep link to a connection that no longer exists.
  useEffect(() => {
    if (editId && state.status === "ready" && !editing) {
      push({ tone: "warning", title: "That connection no longer exists" });
      navigate("connections");
    }
  }, [editId, editing, state.status, push]);

  async function confirmRemove() {
    if (!removing) return;
    setRemoveBusy(true);
    setRemoveError(null);
    try {
      const gone = await removeConnection(removing.id);
      push({ tone: "success", title: `Removed “${gone.name}”` });
      setRemoving(null);
      await reload();
    } catch (e) {
      const ce = e as CommandError;
      if (ce.kind === "not_found") {
        setRemoving(null);
        push({ tone: "warning", title: "That connection was already removed" });
        await reload();
      } else {
        setRemoveError(ce);
      }
    } finally {
      setRemoveBusy(false);
    }
  }

  const hasAny = (connections?.length ?? 0) > 0;

  return (
    <Page
      title="Connections"
      subtitle="Each connection pairs an Entra ID enterprise app with the SaaS it provisions into over SCIM."
      actions={
        <>
          <button
            type="button"
            className="icon-button"
            aria-label="Refresh connections"
            title="Refresh"
            onClick={() => void reload()}
            disabled={refreshing}
          >
            <Icon name="refresh" className={refreshing ? "spin" : undefined} />
          </button>
          {hasAny ? (
            <button type="button" className="button button-primary" onClick={() => navigate("connections", "new")}>
              <Icon name="plus" size={16} /> Add connection
            </button>
          ) : null}
        </>
      }
    >
      {state.status === "error" ? <RetryAlert error={state.error} onRetry={reload} busy={refreshing} /> : null}

      {state.status === "loading" ? <ListSkeleton /> : null}

      {connections && connections.length === 0 ? (
        <EmptyState
          icon="connections"
          title="No connections yet"
          action={
            <button type="button" className="button button-primary" onClick={() => navigate("connections", "new")}>
              <Icon name="plus" size={16} /> Add connection
            </button>
          }
        >
          <p>
            Add the Entra tenant and enterprise app that provisions users, the SaaS's SCIM Tenant URL and Secret Token,
            or both. You can start with one side and add the other later.
          </p>
        </EmptyState>
      ) : null}

      {connections && connections.length > 0 ? (
        <ul className="card-list" aria-label="Connections" aria-busy={refreshing || undefined}>
          {connections.filter((c) => !isTenantApp(c)).map((c) => (
            <li key={c.id}>
              <ConnectionCard c={c} stored={secretStore.stored} onRemove={() => { setRemoveError(null); setRemoving(c); }} />
              {c.group?.role === "tenant" ? (
                <TenantApps
                  tenant={c}
                  connections={connections}
                  card={(a) => (
                    <ConnectionCard c={a} stored={secretStore.stored} onRemove={() => { setRemoveError(null); setRemoving(a); }} />
                  )}
                />
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}

      {adding ? (
        <ConnectionForm
          secretStore={secretStore}
          onClose={() => navigate("connections")}
          onSaved={() => {
            navigate("connections");
            void reload();
          }}
        />
      ) : null}
      {editing ? (
        <ConnectionForm
          key={editing.id}
          existing={editing}
          secretStore={secretStore}
          onClose={() => navigate("connections")}
          onSaved={() => {
            navigate("connections");
            void reload();
          }}
          onMissing={() => void reload()}
        />
      ) : null}

      {removing ? (
        <ConfirmDialog
          title={`Remove “${removing.name}”?`}
          confirmLabel="Remove connection"
          busyLabel="Removing…"
          danger
          busy={removeBusy}
          onConfirm={() => void confirmRemove()}
          onCancel={() => setRemoving(null)}
        >
          <div className="form-stack">
            <p>
              scimwatch forgets this connection and deletes its secrets from {secretStore.place}. Nothing changes in
              Entra ID or in the SaaS.
            </p>
            {removeError ? <ErrorAlert error={removeError} /> : null}
          </div>
        </ConfirmDialog>
      ) : null}
    </Page>
  );
}

function ConnectionCard({ c, onRemove, stored }: { c: Connection; onRemove: () => void; stored: string }) {
  const now = useNow();
  const headingId = `conn-${c.id}`;
  return (
    <article className="card connection-card" aria-labelledby={headingId}>
      <header className="card-header">
        <div className="card-title-row">
          <span className="avatar" aria-hidden="true">
            {initials(c.name)}
          </span>
          <div>
            <h2 id={headingId} className="card-title">
              {c.name}
            </h2>
            <SideBadges c={c} />
          </div>
        </div>
        <div className="card-actions">
          <a className="button button-sm" href={`#/connections/${encodeURIComponent(c.id)}/edit`} aria-label={`Edit ${c.name}`}>
            <Icon name="edit" size={14} /> Edit
          </a>
          <button type="button" className="icon-button icon-button-danger" aria-label={`Remove ${c.name}`} title="Remove" onClick={onRemove}>
            <Icon name="trash" size={16} />
          </button>
        </div>
      </header>
      <div className="card-sides">
        <Side icon="entra" title="Entra ID" label="Entra ID side">
          {c.entra ? (
            <dl className="facts">
              <dt>Cloud</dt>
              <dd>
                {cloudLabel(c.entra.cloud)}
                {c.entra.cloud === "custom" ? <span className="mono small muted"> {hostOf(c.entra.graph_url)}</span> : null}
              </dd>
              <dt>Tenant</dt>
              <dd className="mono">{c.entra.tenant_id}</dd>
              <dt>App</dt>
              <dd>
                {c.entra.app_display_name ?? c.entra.app ?? <span className="muted">Not set</span>}
              </dd>
              <dt>Sign-in</dt>
              <dd>
                {authModeLabel(c.entra.auth_mode)}
                {c.entra.auth_mode === "delegated" && c.entra.client_id === DEFAULT_PUBLIC_CLIENT_ID ? (
                  <span className="muted small"> · Microsoft Graph Command Line Tools</span>
                ) : null}
                {c.entra.auth_mode === "client_secret" ? (
                  <span className="small">
                    {" · "}
                    {c.has_client_secret ? (
                      <span className="ok-text">secret stored</span>
                    ) : (
                      <span className="warn-text">secret missing</span>
                    )}
                  </span>
                ) : null}
              </dd>
              {c.entra.client_id !== DEFAULT_PUBLIC_CLIENT_ID ? (
                <>
                  <dt>Client ID</dt>
                  <dd className="mono">{c.entra.client_id}</dd>
                </>
              ) : null}
            </dl>
          ) : null}
          {c.entra?.auth_mode === "delegated" ? <SignInStatusRow connectionId={c.id} name={c.name} /> : null}
          {c.entra ? null : (
            <p className="muted side-empty">Not watched. Edit the connection and add a tenant to follow Entra's provisioning job.</p>
          )}
        </Side>
        <Side icon="scim" title="SCIM endpoint" label="SCIM side">
          {c.scim ? (
            <dl className="facts">
              <dt>Tenant URL</dt>
              <dd className="mono truncate" title={c.scim.url}>
                {c.scim.url}
              </dd>
              <dt>Token</dt>
              <dd>
                <TokenStored c={c} stored={stored} />
              </dd>
              <dt>Expires</dt>
              <dd>
                <TokenExpiry scim={c.scim} now={now} />
              </dd>
            </dl>
          ) : (
            <p className="muted side-empty">Not watched. Edit the connection and add the Tenant URL to check the SaaS directly.</p>
          )}
        </Side>
      </div>
      {c.entra ? <RemediationSettings connectionId={c.id} name={c.name} /> : null}
      <footer className="card-footer">
        <span>
          Added <LocalTime iso={c.created_at} now={now} />
        </span>
        {c.updated_at !== c.created_at ? (
          <span>
            Updated <LocalTime iso={c.updated_at} now={now} />
          </span>
        ) : null}
      </footer>
    </article>
  );
}

/** One side of a connection card (Entra ID or the SCIM endpoint): its icon and title over what is watched there. */
function Side({ icon, title, label, children }: { icon: IconName; title: string; label: string; children: ReactNode }) {
  return (
    <section className="side" aria-label={label}>
      <h3 className="side-title">
        <Icon name={icon} size={14} />
        {` ${title}`}
      </h3>
      {children}
    </section>
  );
}

export function initials(name: string): string {
  const words = name
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 2);
  return words.map((w) => w[0]!.toUpperCase()).join("") || "?";
}

function ListSkeleton() {
  return (
    <div className="card-list" role="status" aria-label="Loading connections">
      {[0, 1].map((i) => (
        <div key={i} className="card connection-card">
          <div className="card-title-row">
            <Skeleton width={36} height={36} />
            <div className="stack-sm">
              <Skeleton width={180} height={16} />
              <Skeleton width={120} height={12} />
            </div>
          </div>
          <div className="card-sides">
            <div className="stack-sm">
              <Skeleton width="70%" />
              <Skeleton width="55%" />
              <Skeleton width="60%" />
            </div>
            <div className="stack-sm">
              <Skeleton width="80%" />
              <Skeleton width="40%" />
              <Skeleton width="50%" />
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}
