import type { Connection } from "../bindings/Connection";
import { hostOf, SideBadges, TokenExpiry } from "../components/ConnectionFacts";
import { EmptyState, ErrorAlert, Skeleton } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { Page } from "../components/Page";
import { useNow } from "../components/Time";
import { useConnections } from "../lib/connections";
import { href, navigate } from "../lib/router";

export const NOT_POLLED = "Not polled yet: monitoring starts once polling is enabled";

export function OverviewScreen() {
  const { state, reload, refreshing } = useConnections();
  const now = useNow();
  const list = state.connections;
  return (
    <Page title="Overview" subtitle="The health of every provisioning pipeline scimwatch watches.">
      {state.status === "error" ? (
        <ErrorAlert
          error={state.error}
          action={
            <button type="button" className="button button-sm" onClick={() => void reload()} disabled={refreshing}>
              Try again
            </button>
          }
        />
      ) : null}
      {state.status === "loading" ? (
        <div className="overview-grid" role="status" aria-label="Loading connections">
          {[0, 1, 2].map((i) => (
            <div key={i} className="card overview-card stack-sm">
              <Skeleton width="60%" height={16} />
              <Skeleton width="40%" />
              <Skeleton width="80%" />
            </div>
          ))}
        </div>
      ) : null}
      {list && list.length === 0 ? (
        <EmptyState
          icon="overview"
          title="Add your first connection"
          action={
            <button type="button" className="button button-primary" onClick={() => navigate("connections", "new")}>
              <Icon name="plus" size={16} /> Add your first connection
            </button>
          }
        >
          <p>
            scimwatch watches Entra ID's provisioning job and your SaaS's SCIM endpoint, and tells you when sync
            stalls. To begin it needs one connection:
          </p>
          <ol className="steps">
            <li>
              <strong>Entra side</strong>: the tenant ID or domain and the enterprise app that provisions users.
            </li>
            <li>
              <strong>SCIM side</strong>: the SaaS's Tenant URL and Secret Token, the same ones entered in Entra.
            </li>
          </ol>
          <p className="muted">Either side alone is enough to start.</p>
        </EmptyState>
      ) : null}
      {list && list.length > 0 ? (
        <>
          <div className="banner">
            <Icon name="clock" size={16} />
            <span>
              Polling is not enabled yet in this build, so there is no sync status to show. Below is what each
              connection is set up to watch.
            </span>
          </div>
          <ul className="overview-grid" aria-label="Connections">
            {list.map((c) => (
              <li key={c.id}>
                <OverviewCard c={c} now={now} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Page>
  );
}

function OverviewCard({ c, now }: { c: Connection; now: Date }) {
  const id = `ov-${c.id}`;
  return (
    <article className="card overview-card" aria-labelledby={id}>
      <header className="overview-card-header">
        <h2 id={id} className="card-title">
          <a className="card-link" href={href("connections", c.id, "edit")}>
            {c.name}
          </a>
        </h2>
        <SideBadges c={c} />
      </header>
      <dl className="facts facts-compact">
        <dt>Entra</dt>
        {c.entra ? (
          c.entra.app_display_name || c.entra.app ? (
            <dd className="truncate">{c.entra.app_display_name ?? c.entra.app}</dd>
          ) : (
            <dd className="mono truncate">{c.entra.tenant_id}</dd>
          )
        ) : (
          <dd className="muted">Not watched</dd>
        )}
        <dt>SCIM</dt>
        <dd className={c.scim ? "mono truncate" : "muted"} title={c.scim?.url}>
          {c.scim ? hostOf(c.scim.url) : "Not watched"}
        </dd>
        {c.scim ? (
          <>
            <dt>Token</dt>
            <dd>
              <TokenExpiry scim={c.scim} now={now} countdown />
            </dd>
          </>
        ) : null}
      </dl>
      <p className="not-polled">
        <span className="status-dot status-idle" aria-hidden="true" />
        {NOT_POLLED}
      </p>
    </article>
  );
}
