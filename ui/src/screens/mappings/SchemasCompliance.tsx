// The Mappings screen's view of the stored SCIM compliance: the same record
// as the Inventory's SCIM compliance tab (latest discovery and crawl), its
// verdict worded by the same function, and the recorded deviations that
// concern the SaaS's /Schemas, with a link to the full report.
import type { Connection } from "../../bindings/Connection";
import type { StoredCompliance } from "../../bindings/StoredCompliance";
import { RichText } from "../../components/RichText";
import { LocalTime } from "../../components/Time";
import { href } from "../../lib/router";
import { VerdictLine } from "../inventory/ComplianceTab";
import { SOURCE_LABEL } from "../inventory/complianceVerdict";

export function SchemasCompliance({ c, stored }: { c: Connection; stored: StoredCompliance | null }) {
  if (!c.scim) return null;
  const schemas = stored?.deviations.filter((d) => d.concerns_schemas) ?? [];
  return (
    <section className="card" aria-labelledby="schemas-compliance-title">
      <h3 id="schemas-compliance-title" className="card-title">
        Recorded SCIM compliance
      </h3>
      <p>
        {stored ? <VerdictLine stored={stored} /> : <span className="muted">Not examined yet</span>}
      </p>
      {schemas.length ? (
        <>
          <p className="muted small">About the SaaS's /Schemas:</p>
          <ul className="findings" aria-label="Deviations about /Schemas">
            {schemas.map((d) => (
              <li key={`${d.source}:${d.code}`} className="finding">
                <code className="finding-code">{d.code}</code>
                <p className="finding-message">
                  <RichText text={d.message} capitalize />
                </p>
                <p className="muted small">
                  Recorded by {SOURCE_LABEL[d.source]} <LocalTime iso={new Date(d.checked_ms).toISOString()} />
                </p>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="muted small">
        Every deviation, with its evidence: <a href={href("inventory", c.id, "compliance")}>Inventory → SCIM compliance</a>.
      </p>
    </section>
  );
}
