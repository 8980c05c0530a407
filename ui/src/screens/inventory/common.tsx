// Pieces shared by the Inventory's tabs.
import { useId, useState, type ReactNode } from "react";
import type { SnapshotSummary } from "../../bindings/SnapshotSummary";
import { Field } from "../../components/Field";
import { formatLocalDateTime } from "../../lib/time";

export const n = (v: number) => v.toLocaleString();

const STATE_CLASSES: Record<string, string> = {
  complete: "badge badge-tone-ok",
  incomplete: "badge badge-tone-warn",
  running: "badge badge-entra",
  failed: "badge badge-tone-bad",
  cancelled: "badge badge-off",
};

export function StateBadge({ state }: { state: string }) {
  return <span className={STATE_CLASSES[state] ?? "badge badge-off"}>{state[0]?.toUpperCase() + state.slice(1)}</span>;
}

export function snapshotLabel(s: SnapshotSummary): string {
  return `#${s.id} · ${formatLocalDateTime(s.completed_at ?? s.started_at)}${s.user_count != null ? ` · ${n(s.user_count)} users` : ""}`;
}

/** A labelled choice of snapshot; an incomplete one says so. */
export function SnapshotSelect({
  label,
  snapshots,
  value,
  onChange,
}: {
  label: string;
  snapshots: SnapshotSummary[];
  value: number | "";
  onChange: (id: string) => void;
}) {
  const id = useId();
  return (
    <Field id={id} label={label}>
      <select id={id} className="input select" value={value} onChange={(e) => onChange(e.target.value)}>
        {snapshots.map((s) => (
          <option key={s.id} value={s.id}>
            {snapshotLabel(s)}
            {s.state === "incomplete" ? " · incomplete" : ""}
          </option>
        ))}
      </select>
    </Field>
  );
}

export const PAGE = 100;

export type Tone = "add" | "remove" | "change";

/**
 * A card of resources of one kind, or nothing when there are none: the title
 * with the count (and a +, − or ~ mark for a difference), a hint, the list.
 */
export function ListSection({ title, count, tone, hint, children }: { title: string; count: number; tone?: Tone; hint?: string; children: ReactNode }) {
  if (count === 0) return null;
  return (
    <section className="card diff-section" aria-label={`${title}: ${count}`}>
      <h3 className="diff-title">
        {tone ? (
          <span className={`diff-mark diff-${tone}`} aria-hidden="true">
            {tone === "add" ? "+" : tone === "remove" ? "−" : "~"}
          </span>
        ) : null}
        {title}
        <span className="count-pill">{n(count)}</span>
      </h3>
      {hint ? <p className="muted small">{hint}</p> : null}
      {children}
    </section>
  );
}

/** A ListSection of `items`, a page at a time, under the title; `children` come before the list. */
export function PagedSection<T>({
  title,
  tone,
  hint,
  items,
  render,
  children,
}: {
  title: string;
  tone?: Tone;
  hint?: string;
  items: T[];
  render: (item: T) => ReactNode;
  children?: ReactNode;
}) {
  return (
    <ListSection title={title} count={items.length} tone={tone} hint={hint}>
      {children}
      <Paged label={title} items={items} render={render} />
    </ListSection>
  );
}

/** Shows 100 items at a time, with "Show more". */
export function Paged<T>({ items, render, label }: { items: T[]; render: (item: T) => ReactNode; label: string }) {
  const [shown, setShown] = useState(PAGE);
  return (
    <>
      <ul className="item-list" aria-label={label}>
        {items.slice(0, shown).map(render)}
      </ul>
      {items.length > shown ? (
        <button type="button" className="button button-sm show-more" onClick={() => setShown((s) => s + PAGE)}>
          Show {Math.min(PAGE, items.length - shown)} more ({n(items.length - shown)} not shown)
        </button>
      ) : null}
    </>
  );
}
