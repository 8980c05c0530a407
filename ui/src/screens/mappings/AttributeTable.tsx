// One attribute mapping as a table: target, source, the matching attribute
// and, once compared, whether the SaaS's /Schemas declares the target.
import type { MappingSummary } from "../../bindings/MappingSummary";
import { DataTable } from "../../components/DataTable";
import { Icon } from "../../components/Icon";
import { SCHEMAS_EXPLAIN_ID, type AttributeRow } from "./model";

export function AttributeTable({
  m,
  index,
  rows,
  checked,
}: {
  m: MappingSummary;
  index: number;
  rows: AttributeRow[];
  /** Whether the targets were compared with /Schemas (adds a column). */
  checked: boolean;
}) {
  const id = `mapping-${index}`;
  const matching = rows.filter((r) => r.matching);
  return (
    <section className="card table-card" aria-labelledby={id}>
      <header className="table-card-header">
        <h2 id={id} className="card-title">
          {m.name ?? `${m.source ?? "?"} → ${m.target ?? "?"}`}
        </h2>
        <span className={m.enabled ? "badge badge-tone-ok" : "badge badge-tone-warn"}>
          <Icon name={m.enabled ? "check" : "alert"} size={12} />
          {m.enabled ? "Enabled" : "Disabled"}
        </span>
      </header>
      <p className="table-card-body muted small">
        {m.source ?? "?"} → {m.target ?? "?"} · {rows.length} attribute{rows.length === 1 ? "" : "s"}
        {matching.length ? (
          <>
            {" "}
            · matched on <strong>{matching.map((r) => r.target).join(", ")}</strong>
          </>
        ) : (
          " · no matching attribute set"
        )}
      </p>
      {rows.length > 0 ? (
        <div className="table-scroll">
          <DataTable
            caption={`Attribute mappings of ${m.name ?? "this mapping"}`}
            columns={["SCIM attribute (target)", "Entra source", "Matching", checked && "In the SaaS's /Schemas"]}
          >
            {rows.map((r, i) => (
              <tr key={i} className={r.matching ? "row-matching" : undefined}>
                <th scope="row" className="mono attr-target">
                  {r.target}
                </th>
                <td className="mono">{r.source || <span className="muted">—</span>}</td>
                <td>
                  {r.matching ? (
                    <span className="badge badge-entra">
                      <Icon name="check" size={12} />
                      Matching attribute
                    </span>
                  ) : null}
                </td>
                {checked ? (
                  <td>
                    <DeclaredCell declared={r.declared} />
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        </div>
      ) : null}
    </section>
  );
}

function DeclaredCell({ declared }: { declared: boolean | null }) {
  if (declared === true) {
    return (
      <span className="ok-text small">
        <Icon name="check" size={14} /> Declared
      </span>
    );
  }
  if (declared === false) {
    return (
      <span
        className="badge badge-tone-warn"
        aria-describedby={SCHEMAS_EXPLAIN_ID}
        title="Entra sends this attribute; the SaaS may ignore it or reject the request."
      >
        <Icon name="alert" size={12} />
        Not in the SaaS's /Schemas
      </span>
    );
  }
  return (
    <span className="muted small" title="The SaaS's /Schemas lists this attribute's schema without its attributes.">
      Unknown
    </span>
  );
}
