// Evidence as label/value rows (a diagnosis's checks, an incident, a
// troubleshooting step). Values are typed (bindings/EvidenceValue): a time
// or an estimate shows in the one date style (`LocalTime`, UTC in the
// tooltip), a code in monospace, a link as its URL with a copy button, a
// count and a duration as numbers and words, text as selectable rich text.
import type { Evidence } from "../bindings/Evidence";
import type { EvidenceValue } from "../bindings/EvidenceValue";
import { formatDurationWords } from "../lib/evidence";
import { overdueText } from "../lib/time";
import { CopyButton } from "./CopyButton";
import { RichText } from "./RichText";
import { LocalTime } from "./Time";

/** `frozen`: the evidence as of a past moment (a resolved incident), so its times carry no relative hint. */
export function EvidenceList({ evidence, now, frozen = false }: { evidence: Evidence[]; now: Date; frozen?: boolean }) {
  return (
    <dl className="facts evidence">
      {evidence.map((e, k) => (
        <div key={k} className="evidence-row" data-kind={e.value.kind}>
          <dt>{e.label}</dt>
          <dd className={e.value.kind === "time" || e.value.kind === "estimate" ? undefined : "selectable"}>
            <Value value={e.value} now={now} frozen={frozen} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Value({ value: v, now, frozen }: { value: EvidenceValue; now: Date; frozen: boolean }) {
  switch (v.kind) {
    case "text":
      return <RichText text={v.value} />;
    case "time":
      return frozen ? <LocalTime iso={v.value} hint="" /> : <LocalTime iso={v.value} now={now} />;
    case "estimate": {
      const { at, overdue_seconds } = v.value;
      // Overdue when judged: by how much as of now (frozen: as judged);
      // else how far ahead (frozen: no hint).
      const late = overdue_seconds == null ? null : `overdue by ${formatDurationWords(overdue_seconds)}`;
      const hint = frozen ? (late ?? "") : late && (overdueText(at, now) ?? late);
      return <LocalTime iso={at} now={now} approx hint={hint} />;
    }
    case "count":
      return <span className="evidence-count">{v.value.toLocaleString()}</span>;
    case "duration":
      return <span>{formatDurationWords(v.value.seconds)}</span>;
    case "code":
      return <code>{v.value}</code>;
    case "link":
      return (
        <span className="evidence-link">
          <span className="mono">{v.value.text}</span> <CopyButton text={() => v.value.url} label="Copy link" />
        </span>
      );
  }
}
