import type { Severity } from "../bindings/Severity";
import { Icon } from "./Icon";

const LABELS: Record<Severity, string> = { critical: "Critical", warning: "Warning", info: "Info" };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge badge-sev-${severity}`}>
      <Icon name={severity === "info" ? "info" : "alert"} size={12} />
      {LABELS[severity] ?? severity}
    </span>
  );
}
