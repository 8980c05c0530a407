// The Mappings screen's pure logic: an attribute row from the engine's text,
// the objects a mapping provisions, and what the /Schemas comparison can claim.
import type { AttributeView } from "../../bindings/AttributeView";
import type { MappingSummary } from "../../bindings/MappingSummary";
import type { MappingsView } from "../../bindings/MappingsView";
import type { SchemasCheck } from "../../bindings/SchemasCheck";

export type AttributeRow = AttributeView;

/**
 * `target <- source` as the engine stores it (or `target ← source`), with `*`
 * marking a matching attribute (anywhere in the text). Only a fallback: the
 * view's `attributes` carry the parts.
 */
export function parseAttribute(text: string): AttributeRow {
  const matching = text.includes("*");
  const clean = text.replace(/\*/g, "").trim();
  const m = /\s*(?:<-|←)\s*/.exec(clean);
  const target = m ? clean.slice(0, m.index) : clean;
  const source = m ? clean.slice(m.index + m[0].length) : "";
  return { target: target.trim(), source: source.trim(), matching, declared: null };
}

/** How many target attributes the SaaS's `/Schemas` does not declare. */
export function undeclaredCount(v: MappingsView): number {
  return v.attributes.flat().filter((a) => a.declared === false).length;
}

/**
 * What the /Schemas comparison can claim when nothing is undeclared: every
 * attribute declared, some declared and some not checkable, or nothing
 * checkable at all — never "declared" for rows that are unknown.
 */
export function schemasSummary(v: MappingsView, withoutAttributes: string[], schemaIds: string[]): { tone: "ok" | "unknown"; text: string } {
  const rows = v.attributes.flat();
  const declared = rows.filter((a) => a.declared === true).length;
  const unknown = rows.filter((a) => a.declared === null).length;
  const why = withoutAttributes.length
    ? `the SaaS's /Schemas lists ${withoutAttributes.join(", ")} without their attributes`
    : schemaIds.length
      ? "the mapped attributes belong to schemas the SaaS's /Schemas does not list"
      : "the SaaS's /Schemas declares no schema";
  if (rows.length === 0) return { tone: "unknown", text: "Nothing could be checked: the mappings have no target attributes." };
  if (declared === 0) return { tone: "unknown", text: `Nothing could be checked: ${why}, so all ${unknown} target attribute${unknown === 1 ? " is" : "s are"} unknown.` };
  if (unknown > 0) {
    return {
      tone: "unknown",
      text: `${declared} target attribute${declared === 1 ? " is" : "s are"} declared in the SaaS's /Schemas; ${unknown} could not be checked: ${why}.`,
    };
  }
  return { tone: "ok", text: "Every target attribute is declared in the SaaS's /Schemas." };
}

export type ObjectKind = "users" | "groups" | "other";

export function mappingKind(m: MappingSummary): ObjectKind {
  const text = `${m.source ?? ""} ${m.target ?? ""} ${m.name ?? ""}`.toLowerCase();
  if (text.includes("group")) return "groups";
  if (text.includes("user")) return "users";
  return "other";
}

/** The /Schemas comparison as the view shows it: stored, or being re-examined now. */
export type SchemasState = SchemasCheck | { state: "checking" };

/** The warning that explains undeclared attributes (the table's badges point at it). */
export const SCHEMAS_EXPLAIN_ID = "schemas-explain";
