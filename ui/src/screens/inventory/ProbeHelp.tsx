// The help line of the Troubleshooting step "The SaaS handles Entra's
// updates": when to run the write probe, what it touches, and where.
import type { Connection } from "../../bindings/Connection";
import { Icon } from "../../components/Icon";

export const PROBE_STEP_ID = "entra_updates";

export function ProbeStepHelp({ c }: { c: Connection }) {
  return (
    <p className="small muted" data-testid="probe-step-help">
      <Icon name="info" size={14} /> Run the write probe before switching provisioning on and after the SaaS changes its SCIM server. It
      sends Entra's own requests to the Tenant URL with the connection's token, creating one{" "}
      <span className="mono">scimwatch-probe-…</span> user and group (and a second user with an app role when the Users mapping maps app roles) that it always deletes — nothing
      else in the SaaS is touched. Use a
      sandbox of the SaaS, or production with consent:{" "}
      <a href={`#/inventory/${c.id}/compliance`}>Inventory → Compliance → Test with Entra's requests</a>.
    </p>
  );
}
