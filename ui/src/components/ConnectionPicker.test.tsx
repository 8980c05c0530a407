import { describe, expect, test } from "vitest";
import type { Connection } from "../bindings/Connection";
import { connection } from "../test/fixtures";
import { pickerGroups } from "./ConnectionPicker";

const tenant = connection({
  id: "t1",
  name: "Contoso",
  scim: null,
  group: { role: "tenant", tenant_id: "t1", tenant_name: "Contoso", retired: null, retired_at: null },
});

function app(id: string, name: string, retired: string | null = null): Connection {
  return connection({
    id,
    name: `Contoso / ${name}`,
    group: {
      role: "app",
      tenant_id: "t1",
      tenant_name: "Contoso",
      retired,
      retired_at: retired ? "2026-12-01T10:00:00Z" : null,
    },
  });
}

describe("pickerGroups", () => {
  test("a one-app list stays one ungrouped list", () => {
    const groups = pickerGroups([connection({ id: "a" }), connection({ id: "b", name: "Beta" })]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.label).toBeNull();
    expect(groups[0]!.items.map((c) => c.id)).toEqual(["a", "b"]);
  });

  test("a tenant's apps are grouped under it, retired ones last", () => {
    const groups = pickerGroups([
      app("x", "Wiki", "the enterprise app is no longer in the tenant"),
      tenant,
      app("y", "Slack"),
      connection({ id: "solo", name: "Fabrikam → Acme" }),
      app("z", "HR"),
    ]);
    expect(groups.map((g) => g.label)).toEqual([null, "Contoso: every app"]);
    expect(groups[0]!.items.map((c) => c.id)).toEqual(["t1", "solo"]);
    expect(groups[1]!.items.map((c) => c.id)).toEqual(["z", "y", "x"]);
  });

  test("no empty group", () => {
    const groups = pickerGroups([app("y", "Slack")]);
    expect(groups.map((g) => g.label)).toEqual(["Contoso: every app"]);
  });
});
