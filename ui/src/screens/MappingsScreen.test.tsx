import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection, mappingsViewFixture } from "../test/fixtures";
import { parseAttribute, sameTenantUrl } from "./MappingsScreen";

async function openMappings() {
  window.location.hash = "#/mappings/c1";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Mappings & assignments" });
}

describe("Mappings & assignments", () => {
  test("parses `target ← source` with the matching mark, compares Tenant URLs", () => {
    expect(parseAttribute("userName ← userPrincipalName *")).toEqual({ target: "userName", source: "userPrincipalName", matching: true });
    expect(parseAttribute("*externalId ← objectId")).toEqual({ target: "externalId", source: "objectId", matching: true });
    expect(parseAttribute("displayName ← displayName").matching).toBe(false);
    expect(sameTenantUrl("https://API.acme.example/scim/v2/", "https://api.acme.example/scim/v2")).toBe(true);
    expect(sameTenantUrl("https://api.acme.example/scim", "https://api.acme.example/scim/v2")).toBe(false);
  });

  test("healthy: both mappings on, matching attribute marked, scope, groups with members, changes", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.mappings_view = () => mappingsViewFixture();
    await openMappings();
    const states = await screen.findByRole("group", { name: "Object mappings" });
    expect(states.textContent).toContain("Users mapping: On");
    expect(states.textContent).toContain("Groups mapping: On");
    const users = screen.getByRole("table", { name: /Attribute mappings of Provision Microsoft Entra ID Users/ });
    const matchRow = within(users).getByRole("rowheader", { name: "userName" }).closest("tr")!;
    expect(within(matchRow).getByText("Matching attribute")).toBeTruthy();
    expect(screen.getByText("Assigned only")).toBeTruthy();
    expect(screen.getByText("Same as this connection's")).toBeTruthy();
    const groups = screen.getByRole("table", { name: /Assigned groups/ });
    expect(within(groups).getByText("Acme users")).toBeTruthy();
    expect(within(groups).getByText("42")).toBeTruthy();
    expect(screen.getByText("Priya Raman")).toBeTruthy();
    expect(screen.getByText("1 group assigned")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("a disabled groups mapping is a warning with the fix; a different Tenant URL is flagged", async () => {
    const b = fakeBackend([connection()]);
    const v = mappingsViewFixture();
    v.mappings!.mappings[1]!.enabled = false;
    v.settings!.base_address = "https://old.acme.example/scim";
    b.handlers.mappings_view = () => v;
    await openMappings();
    const states = await screen.findByRole("group", { name: "Object mappings" });
    expect(states.textContent).toContain("Groups mapping: Off");
    const alerts = screen.getAllByRole("alert");
    expect(alerts.some((a) => /groups mapping is disabled/.test(a.textContent ?? "") && /Enabled to Yes/.test(a.textContent ?? ""))).toBe(true);
    expect(alerts.some((a) => /different Tenant URL/.test(a.textContent ?? "") && (a.textContent ?? "").includes("https://old.acme.example/scim"))).toBe(true);
  });

  test("nothing read yet: guidance with Read from Entra now", async () => {
    fakeBackend([connection()]);
    await openMappings();
    expect(await screen.findByRole("heading", { name: "Nothing read from Entra yet" })).toBeTruthy();
  });

  test("no Entra side: guidance", async () => {
    fakeBackend([connection({ entra: null })]);
    await openMappings();
    expect(await screen.findByRole("heading", { name: "No Entra side to read mappings from" })).toBeTruthy();
  });
});
