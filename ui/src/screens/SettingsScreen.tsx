import { useCallback, useEffect, useState } from "react";
import type { AppInfo } from "../bindings/AppInfo";
import type { CommandError } from "../bindings/CommandError";
import { ErrorAlert, Skeleton } from "../components/Feedback";
import { Page } from "../components/Page";
import { appInfo } from "../lib/ipc";

const STORE_LABELS: Record<string, { label: string; hint: string }> = {
  keychain: { label: "OS keychain", hint: "Secrets are kept by the operating system's credential store." },
  file: { label: "File", hint: "Secrets are kept in a file in the data folder (used where no keychain is available)." },
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
    <Page title="Settings" subtitle="About this installation. Preferences arrive with polling and notifications.">
      <section className="card settings-card" aria-labelledby="about-title">
        <h2 id="about-title" className="card-title">
          About scimwatch
        </h2>
        {error ? (
          <ErrorAlert
            error={error}
            action={
              <button type="button" className="button button-sm" onClick={() => void load()} disabled={loading}>
                Try again
              </button>
            }
          />
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
              {info.dev_build ? <span className="badge badge-warn">Dev build</span> : <span className="badge badge-off">Release build</span>}
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
          </dl>
        ) : null}
      </section>
      <section className="card settings-card" aria-labelledby="appearance-title">
        <h2 id="appearance-title" className="card-title">
          Appearance
        </h2>
        <p className="muted">scimwatch follows your system's light or dark setting.</p>
      </section>
    </Page>
  );
}
