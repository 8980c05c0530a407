// "Open the demo tenant": offered by every empty state beside "Add a
// connection", so a newcomer can see scimwatch at work without a tenant.
// The click shows the Overview's skeleton at once (lib/demoStart.ts); the
// start itself and its error live there, so they survive this button being
// replaced by the skeleton.
import { useConnections } from "../lib/connections";
import { openDemo, useDemoStart } from "../lib/demoStart";
import { navigate } from "../lib/router";
import { ErrorAlert } from "./Feedback";
import { Icon } from "./Icon";
import { useToasts } from "./Toasts";

export function OpenDemoButton({ primary = false, onStarted }: { primary?: boolean; onStarted?: () => void }) {
  const { reload } = useConnections();
  const start = useDemoStart();
  const { push } = useToasts();
  const busy = start.state === "starting";
  async function open() {
    // Elsewhere than the Overview, go there now: its skeleton shows the start.
    if (!onStarted) navigate("overview");
    const c = await openDemo(async () => {
      await reload();
      if (onStarted) onStarted();
    });
    if (c) push({ tone: "success", title: `“${c.name}” is running`, lines: ["Simulated: no real tenant is touched."] });
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
      {start.state === "failed" ? <ErrorAlert error={start.error} /> : null}
    </>
  );
}
