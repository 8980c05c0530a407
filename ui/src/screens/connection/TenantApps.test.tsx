import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../../App";
import type { Connection } from "../../bindings/Connection";
import { fakeBackend } from "../../test/backend";
import { connection } from "../../test/fixtures";

const tenant = connection({
  id: "t1",
  name: "Contoso",
  scim: null,
  group: { role: "tenant", tenant_id: "t1", tenant_name: "Contoso", retired: null, retired_at: null },
});

function app(id: string, name: string): Connection {
  return connection({
    id,
    name: `Contoso / ${name}`,
    scim: null,
    group: { role: "app", tenant_id: "t1", tenant_name: "Contoso", retired: null, retired_at: null },
  });
}

describe("an all-apps tenant on the Connections screen", () => {
  test("its apps are listed under it, worst first, with their state", async () => {
    const hr = app("a1", "HR");
    const wiki = app("a2", "Wiki");
    const b = fakeBackend([tenant, wiki, hr, connection({ id: "solo", name: "Fabrikam → Acme" })]);
    b.handlers.tenant_apps = (args) =>
      args.tenant === "t1"
        ? [
            { connection: wiki, rank: 0, state: "quarantined (EncounteredQuarantineException)" },
            { connection: hr, rank: 6, state: "active" },
          ]
        : [];
    window.location.hash = "#/connections";
    render(<App />);
    const apps = await screen.findByRole("list", { name: "Apps of Contoso, worst first" });
    await within(apps).findByText("quarantined (EncounteredQuarantineException)");
    const names = within(apps)
      .getAllByRole("article")
      .map((a) => a.querySelector("h2, h3")?.textContent ?? a.textContent ?? "");
    expect(names[0]).toContain("Contoso / Wiki");
    expect(names[1]).toContain("Contoso / HR");
    // Apps are not repeated at the top level: the tenant and the one-app
    // connection, each once.
    const top = screen.getByRole("list", { name: "Connections" });
    const direct = [...top.children].map((li) => li.querySelector("article")?.textContent ?? "");
    expect(direct).toHaveLength(2);
    expect(direct.some((t) => t.includes("Contoso / Wiki"))).toBe(false);
    expect(b.last("tenant_apps")?.args).toEqual({ tenant: "t1" });
  });
});
