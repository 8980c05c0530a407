// "Open the demo tenant": offered by every empty state beside "Add a
// connection", so a newcomer can see scimwatch at work without a tenant.
import { useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import { useConnections } from "../lib/connections";
import { startDemo, toCommandError } from "../lib/ipc";
import { navigate } from "../lib/router";
import { ErrorAlert } from "./Feedback";
import { Icon } from "./Icon";
import { useToasts } from "./Toasts";

export function OpenDemoButton({ primary = false, onStarted }: { primary?: boolean; onStarted?: () => void }) {
  const { reload } = useConnections();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const { push } = useToasts();
  async function open() {
    setBusy(true);
    setError(null);
    try {
      const c = await startDemo();
      push({ tone: "success", title: `“${c.name}” is running`, lines: ["Simulated: no real tenant is touched."] });
      await reload();
      if (onStarted) onStarted();
      else navigate("overview");
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button
        type="button"
        className={primary ? "button button-primary" : "button"}
        onClick={() => void open()}
        disabled={busy}
        aria-busy={busy || undefined}
      >
        {busy ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Icon name="play" size={14} />}
        {busy ? "Starting…" : "Open the demo tenant"}
      </button>
      {error ? <ErrorAlert error={error} /> : null}
    </>
  );
}
