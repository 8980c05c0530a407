// A table of records: the app's `.table` with one header row of column
// headings, an optional caption for screen readers, and the rows as children.
import type { ReactNode } from "react";

/** A column heading: its text, or `{ label, num: true }` for a right-aligned number column. */
export type Column = string | { label: string; num: true };

export function DataTable({
  columns,
  caption,
  label,
  className,
  children,
}: {
  /** Empty entries (a column not shown) are skipped. */
  columns: (Column | null | false)[];
  /** Read by screen readers only. */
  caption?: string;
  label?: string;
  /** Added to `table`. */
  className?: string;
  children: ReactNode;
}) {
  return (
    <table className={className ? `table ${className}` : "table"} aria-label={label}>
      {caption ? <caption className="visually-hidden">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) =>
            !c ? null : typeof c === "string" ? (
              <th key={c} scope="col">
                {c}
              </th>
            ) : (
              <th key={c.label} scope="col" className="num">
                {c.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
