// Evidence as label/value rows (a diagnosis's checks, an incident, a
// troubleshooting step): an RFC 3339 value shows as a local time, any other
// value as selectable rich text.
import type { Evidence } from "../bindings/Evidence";
import { RichText } from "./RichText";
import { LocalTime } from "./Time";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** `frozen`: the evidence as of a past moment (a resolved incident), so its times carry no relative hint. */
export function EvidenceList({ evidence, now, frozen = false }: { evidence: Evidence[]; now: Date; frozen?: boolean }) {
  return (
    <dl className="facts evidence">
      {evidence.map((e, k) => {
        const time = RFC3339.test(e.value);
        return (
          <div key={k} className="evidence-row">
            <dt>{e.label}</dt>
            <dd className={time ? undefined : "selectable"}>
              {!time ? <RichText text={e.value} /> : frozen ? <LocalTime iso={e.value} hint="" /> : <LocalTime iso={e.value} now={now} />}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
