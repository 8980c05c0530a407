import { useCallback, useEffect, useState } from "react";
import type { AppInfo } from "../bindings/AppInfo";
import type { CommandError } from "../bindings/CommandError";
import { Alert, Skeleton, RetryAlert } from "../components/Feedback";
import { RichText } from "../components/RichText";
import { Icon } from "../components/Icon";
import { Page } from "../components/Page";
import { useToasts } from "../components/Toasts";
import { AppearanceSettings } from "./AppearanceSettings";
import { MonitoringSettings } from "./MonitoringSettings";
import { AlertChannels } from "./settings/AlertChannels";
import { appInfo, sendTestNotification, toCommandError } from "../lib/ipc";

const STORE_LABELS: Record<string, { label: string; hint: string }> = {
  keychain: { label: "OS keychain", hint: "Secrets are kept by the operating system's credential store." },
  file: {
    label: "File",
    hint: "Secrets are kept in a file only you can read (0600) in the data folder, chosen with SCIMWATCH_SECRET_STORE=file where no keychain is available.",
  },
  memory: { label: "Memory only", hint: "Secrets are forgotten when scimwatch quits (test mode)." },
};

export function SettingsScreen() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setInfo(await appInfo());
    } catch (e) {
      setError(e as CommandError);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const store = info ? STORE_LABELS[info.secret_store] : undefined;

  return (
    <Page title="Settings" subtitle="Monitoring, notifications and this installation.">
      <MonitoringSettings info={info} infoLoading={loading} />
      <section className="card settings-card" aria-labelledby="about-title">
        <h2 id="about-title" className="card-title">
          About scimwatch
        </h2>
        {error ? (
          <RetryAlert error={error} onRetry={load} busy={loading} />
        ) : null}
        {loading && !info ? (
          <div className="stack-sm" role="status" aria-label="Loading app information">
            <Skeleton width="30%" />
            <Skeleton width="70%" />
            <Skeleton width="75%" />
            <Skeleton width="40%" />
          </div>
        ) : null}
        {info ? (
          <dl className="facts facts-wide">
            <dt>Version</dt>
            <dd>
              {info.version}
              {info.dev_build ? <span className="badge badge-tone-warn">Dev build</span> : <span className="badge badge-off">Release build</span>}
            </dd>
            <dt>Data folder</dt>
            <dd className="mono selectable">{info.data_dir}</dd>
            <dt>Database</dt>
            <dd className="mono selectable">{info.database}</dd>
            <dt>Secret store</dt>
            <dd>
              {store ? store.label : <span className="mono">{info.secret_store}</span>}
              {store ? <span className="muted small"> · {store.hint}</span> : null}
            </dd>
            {info.secret_store_path ? (
              <>
                <dt>Secrets file</dt>
                <dd className="mono selectable">{info.secret_store_path}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
        {info && (info.notes ?? []).length > 0 ? (
          <Alert tone="info" title="About this data folder">
            <ul>
              {info.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          </Alert>
        ) : null}
      </section>
      <NotificationsCard />
      <AlertChannels />
      <AppearanceSettings />
      <section className="card settings-card" aria-labelledby="network-title">
        <h2 id="network-title" className="card-title">
          Network
        </h2>
        <p className="muted">
          scimwatch uses the proxy set in <span className="mono">HTTPS_PROXY</span> /{" "}
          <span className="mono">HTTP_PROXY</span> (hosts in <span className="mono">NO_PROXY</span> go direct) and
          trusts the operating system's certificates as well as its built-in ones, so a company CA works once the system
          trusts it (or set <span className="mono">SSL_CERT_FILE</span>). Start scimwatch from an environment where these
          are set; see "Proxies and company CAs" in the README.
        </p>
        {info ? (
          <dl className="facts facts-wide">
            <dt>Proxy</dt>
            <dd>
              {info.proxies?.length ? (
                <div>
                  {info.proxies.map((p) => (
                    <div key={p} className="mono selectable">
                      {p}
                    </div>
                  ))}
                </div>
              ) : (
                <span className="muted">None: connections go direct</span>
              )}
            </dd>
            <dt>Trusts</dt>
            <dd>
              <div>
                {(info.trust ?? []).map((t) => (
                  <div key={t}>{t}</div>
                ))}
              </div>
            </dd>
          </dl>
        ) : null}
      </section>
    </Page>
  );
}

function NotificationsCard() {
  const { push } = useToasts();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  async function send() {
    setBusy(true);
    setError(null);
    try {
      await sendTestNotification();
      push({ tone: "success", title: "Sent — you should see it now" });
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card settings-card" aria-labelledby="notifications-title">
      <div className="card-header">
        <div className="stack-sm">
          <h2 id="notifications-title" className="card-title">
            Test notification
          </h2>
          <p className="muted">
            scimwatch raises a desktop notification when an incident opens or gets worse, reminds you while it stays
            open, and tells you when it is resolved. Send a test to check that your system shows them (and that Do Not
            Disturb or focus mode is not hiding them).
          </p>
        </div>
        <button type="button" className="button" onClick={() => void send()} disabled={busy} aria-busy={busy || undefined}>
          {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="bell" size={16} />}
          Send a test notification
        </button>
      </div>
      {error ? (
        <Alert title="The test notification was not shown">
          <p>
            <RichText text={error.message} capitalize />
          </p>
          {error.kind === "internal" || error.kind === "network" ? (
            <p className="muted">
              Incidents still open and show on the Incidents screen; only the desktop pop-up is missing. On Linux, a
              notification service (such as the one in GNOME, KDE or dunst) must be running in this session.
            </p>
          ) : null}
        </Alert>
      ) : null}
    </section>
  );
}
