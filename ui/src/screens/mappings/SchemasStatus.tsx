// Whether the mapped target attributes were compared with the SaaS's
// /Schemas (no SCIM side, checking, not examined, failed, read), and the result.
import type { ReactNode } from "react";
import type { Connection } from "../../bindings/Connection";
import type { MappingsView } from "../../bindings/MappingsView";
import { Alert } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { RichText } from "../../components/RichText";
import { LocalTime } from "../../components/Time";
import { href } from "../../lib/router";
import { SCHEMAS_EXPLAIN_ID, schemasSummary, undeclaredCount, type SchemasState } from "./model";

export /** Whether the targets were compared with the SaaS's /Schemas, and what came of it. */
function SchemasStatus({
  c,
  v,
  schemas,
  now,
  onCheck,
}: {
  c: Connection;
  v: MappingsView;
  schemas: SchemasState;
  now: Date;
  onCheck: () => void;
}) {
  const discovery = (
    <a href={href("inventory", c.id, "compliance")}>Inventory → SCIM compliance</a>
  );
  const again = (
    <button type="button" className="button button-sm" onClick={onCheck}>
      <Icon name="refresh" size={14} /> Re-examine
    </button>
  );
  switch (schemas.state) {
    case "no_scim_side":
      return (
        <div className="card hint-card schemas-status">
          <Icon name="info" size={16} />
          <p>
            This connection has no SCIM side, so the target attributes are not compared with what the SaaS declares in
            its <span className="mono">/Schemas</span>. Add the Tenant URL and Secret Token to the connection to check them.
          </p>
        </div>
      );
    case "checking":
      return (
        <div className="card hint-card schemas-status" role="status">
          <span className="spinner spinner-sm" aria-hidden="true" />
          <p>
            Re-examining: reading the SaaS's discovery endpoints, then comparing the target attributes with its{" "}
            <span className="mono">/Schemas</span>…
          </p>
        </div>
      );
    case "not_checked":
      return (
        <div className="card hint-card schemas-status">
          <Icon name="info" size={16} />
          <p>
            Not examined yet: no discovery is recorded, so the target attributes are not compared with the SaaS's{" "}
            <span className="mono">/Schemas</span>. Re-examine here or on {discovery} to see what the SaaS declares.
          </p>
          {again}
        </div>
      );
    case "failed":
      return (
        <div className="card hint-card schemas-status" role="status">
          <Icon name="info" size={16} />
          <div className="stack-sm">
            <p>
              Could not compare the target attributes with the SaaS's <span className="mono">/Schemas</span>:{" "}
              <RichText text={schemas.message} />.
            </p>
            <p className="muted small">
              See {discovery} for what the SaaS answers on its discovery endpoints.
              Entra does not need <span className="mono">/Schemas</span>; without it, scimwatch cannot tell which
              attributes the SaaS accepts.
            </p>
          </div>
          {again}
        </div>
      );
    case "read": {
      const undeclared = undeclaredCount(v);
      const when = (
        <LocalTime iso={new Date(schemas.checked_ms).toISOString()} now={now} />
      );
      return (
        <>
          {undeclared > 0 ? (
            <Alert
              tone="warning"
              title={`${undeclared} target attribute${undeclared === 1 ? " is" : "s are"} not in the SaaS's /Schemas`}
              action={again}
            >
              <p id={SCHEMAS_EXPLAIN_ID}>
                Entra sends every mapped attribute, declared or not. A SaaS that does not know an attribute either ignores
                it — the value never arrives — or rejects the whole create or update, so the user fails to provision
                (often an HTTP 400 in the provisioning logs).
              </p>
              <p className="muted small">
                Remove or fix the mapping in Entra (Provisioning → Mappings), or ask the vendor whether it supports the
                attribute. Checked {when}.
              </p>
            </Alert>
          ) : (
            <SchemasSummaryCard summary={schemasSummary(v, schemas.without_attributes, schemas.schema_ids)} when={when} again={again} />
          )}
          {schemas.without_attributes.length > 0 ? (
            <div className="card hint-card schemas-status">
              <Icon name="info" size={16} />
              <p>
                The SaaS lists <span className="mono">{schemas.without_attributes.join(", ")}</span> without their
                attributes, so attributes of {schemas.without_attributes.length === 1 ? "that schema" : "those schemas"}{" "}
                show as unknown.
              </p>
            </div>
          ) : null}
        </>
      );
    }
  }
}

function SchemasSummaryCard({ summary, when, again }: { summary: { tone: "ok" | "unknown"; text: string }; when: ReactNode; again: ReactNode }) {
  return (
    <div className="card hint-card schemas-status" role="status">
      {summary.tone === "ok" ? <Icon name="check" size={16} className="ok-text" /> : <Icon name="info" size={16} />}
      <p>
        {summary.text} Checked {when}.
      </p>
      {again}
    </div>
  );
}
