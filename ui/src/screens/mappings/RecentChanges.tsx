// The configuration changes observed on the app (mappings, assignments,
// settings), newest first, as a timeline.
import type { ConfigChange } from "../../bindings/ConfigChange";
import { LocalTime } from "../../components/Time";

const CHANGE_LABELS: Record<string, string> = { schema: "Mappings", assignments: "Assignments", settings: "Settings" };

export function RecentChanges({ changes, now }: { changes: ConfigChange[]; now: Date }) {
  return (
    <section className="card" aria-labelledby="changes-title">
      <h2 id="changes-title" className="card-title">
        Recent changes
      </h2>
      {changes.length === 0 ? (
        <p className="muted">No configuration change observed since scimwatch started reading this app.</p>
      ) : (
        <ol className="change-timeline">
          {changes.map((ch, i) => (
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
  );
}
