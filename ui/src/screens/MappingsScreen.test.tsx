import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection, mappingsViewFixture, notExaminedCompliance, storedCompliance } from "../test/fixtures";
import type { MappingsView } from "../bindings/MappingsView";
import { parseAttribute } from "./MappingsScreen";

async function openMappings() {
  window.location.hash = "#/mappings/c1";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Mappings & assignments" });
}

describe("Mappings & assignments", () => {
  test("parses `target ← source` with the matching mark", () => {
    expect(parseAttribute("userName ← userPrincipalName *")).toEqual({ target: "userName", source: "userPrincipalName", matching: true, declared: null });
    expect(parseAttribute("*externalId ← objectId")).toEqual({ target: "externalId", source: "objectId", matching: true, declared: null });
    expect(parseAttribute("displayName ← displayName").matching).toBe(false);
    // The engine's own form.
    expect(parseAttribute('*emails[type eq "work"].value <- mail')).toEqual({ target: 'emails[type eq "work"].value', source: "mail", matching: true, declared: null });
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
    // The engine compares the URLs (core's `validate::same_tenant_url`); the screen shows its answer.
    v.tenant_url_matches = false;
    b.handlers.mappings_view = () => v;
    await openMappings();
    const states = await screen.findByRole("group", { name: "Object mappings" });
    expect(states.textContent).toContain("Groups mapping: Off");
    const alerts = screen.getAllByRole("alert");
    expect(alerts.some((a) => /groups mapping is disabled/.test(a.textContent ?? "") && /Enabled to Yes/.test(a.textContent ?? ""))).toBe(true);
    expect(alerts.some((a) => /different Tenant URL/.test(a.textContent ?? "") && (a.textContent ?? "").includes("https://old.acme.example/scim"))).toBe(true);
  });

  test("the engine compares the Tenant URLs: spelled differently, the same endpoint is no warning", async () => {
    const b = fakeBackend([connection()]);
    const v = mappingsViewFixture();
    v.settings!.base_address = "https://API.acme.example//scim/v2/";
    v.tenant_url_matches = true;
    b.handlers.mappings_view = () => v;
    await openMappings();
    expect(await screen.findByText("Same as this connection's")).toBeTruthy();
    expect(screen.queryByText(/different Tenant URL/)).toBeNull();
  });

  test("the engine did not compare the Tenant URLs: neither same nor different is claimed", async () => {
    const b = fakeBackend([connection()]);
    const v = mappingsViewFixture();
    v.tenant_url_matches = null;
    b.handlers.mappings_view = () => v;
    await openMappings();
    expect(await screen.findByText("Nothing to compare yet.")).toBeTruthy();
    expect(screen.queryByText("Same as this connection's")).toBeNull();
    expect(screen.queryByText(/Differs from this connection's/)).toBeNull();
  });

  test("nothing read yet: guidance with Read from Entra now", async () => {
    fakeBackend([connection()]);
    await openMappings();
    expect(await screen.findByRole("heading", { name: "Nothing read from Entra yet" })).toBeTruthy();
  });

  test("no Entra side: guidance, and the demo tenant is offered as well", async () => {
    fakeBackend([connection({ entra: null })]);
    await openMappings();
    expect(await screen.findByRole("heading", { name: "No Entra side to read mappings from" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Open Connections" })).toBeTruthy();
    expect(screen.getByRole("button", { name: /Open the demo tenant/ })).toBeTruthy();
  });

  describe("targets against the SaaS's /Schemas", () => {
    const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    function checkedView(): MappingsView {
      const v = mappingsViewFixture();
      v.attributes[0] = [
        { target: "userName", source: "userPrincipalName", matching: true, declared: true },
        { target: `${ENTERPRISE}:costCenter`, source: "extension_1234_costCenter", matching: false, declared: false },
        { target: "displayName", source: "displayName", matching: false, declared: true },
      ];
      v.attributes[1] = v.attributes[1]!.map((a) => ({ ...a, declared: null }));
      v.schemas = {
        state: "read",
        checked_ms: Date.UTC(2026, 10, 20, 10, 5),
        schema_ids: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"],
        without_attributes: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        undeclared: 1,
      };
      return v;
    }

    test("an undeclared target is flagged with what it means, from the recorded discovery", async () => {
      const b = fakeBackend([connection()]);
      b.handlers.mappings_view = () => checkedView();
      await openMappings();
      const users = await screen.findByRole("table", { name: /Attribute mappings of Provision Microsoft Entra ID Users/ });
      const row = (await within(users).findByRole("rowheader", { name: `${ENTERPRISE}:costCenter` })).closest("tr")!;
      const badge = within(row).getByText("Not in the SaaS's /Schemas").closest(".badge")!;
      const explain = document.getElementById(badge.getAttribute("aria-describedby")!)!;
      expect(explain.textContent).toMatch(/Entra sends every mapped attribute/);
      expect(explain.textContent).toMatch(/ignores it|rejects the whole create or update/);
      expect(within(users).getByRole("columnheader", { name: "In the SaaS's /Schemas" })).toBeTruthy();
      const userName = within(users).getByRole("rowheader", { name: "userName" }).closest("tr")!;
      expect(within(userName).getByText("Declared")).toBeTruthy();
      const alert = screen.getByRole("alert");
      expect(alert.textContent).toContain("1 target attribute is not in the SaaS's /Schemas");
      // A schema listed without attributes: its attributes are unknown, and why.
      const groups = screen.getByRole("table", { name: /Attribute mappings of Provision Microsoft Entra ID Groups/ });
      expect(within(groups).getAllByText("Unknown")).toHaveLength(2);
      expect(screen.getByText(/without their\s+attributes/)).toBeTruthy();
      // Nothing is asked of the SaaS to show it.
      expect(b.calls.filter((c) => c.cmd === "mappings_view").map((c) => c.args)).toEqual([{ id: "c1" }]);
      expect(b.calls.filter((c) => c.cmd === "scim_compliance")).toHaveLength(0);

      // Re-examine runs a discovery (recorded), then reads the view again.
      fireEvent.click(within(alert).getByRole("button", { name: "Re-examine" }));
      await waitFor(() => expect(b.calls.filter((c) => c.cmd === "mappings_view")).toHaveLength(2));
      expect(b.calls.filter((c) => c.cmd === "scim_compliance").map((c) => c.args)).toEqual([{ id: "c1", reexamine: true }]);
    });

    test("all declared: a quiet confirmation, no warning", async () => {
      const b = fakeBackend([connection()]);
      const v = checkedView();
      v.attributes[0]![1]!.declared = true;
      v.schemas = { state: "read", checked_ms: Date.UTC(2026, 10, 20, 10, 5), schema_ids: [], without_attributes: [], undeclared: 0 };
      b.handlers.mappings_view = () => v;
      await openMappings();
      // The groups' attributes are unknown: only the checked ones are claimed.
      const status = await screen.findByText(/3 target attributes are declared in the SaaS's \/Schemas; 2 could not be checked/);
      expect(status.textContent).toMatch(/declares no schema/);
      expect(screen.queryByText(/Every target attribute/)).toBeNull();
      expect(screen.queryByText("Not in the SaaS's /Schemas")).toBeNull();
      expect(screen.queryByRole("alert")).toBeNull();
    });

    // Issue 17, defect 18: every row Unknown is not "every attribute is declared".
    test("nothing checkable: says nothing could be checked, and why", async () => {
      const b = fakeBackend([connection()]);
      const v = checkedView();
      v.attributes = v.attributes.map((list) => list.map((a) => ({ ...a, declared: null })));
      v.schemas = {
        state: "read",
        checked_ms: Date.UTC(2026, 10, 20, 10, 5),
        schema_ids: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        without_attributes: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        undeclared: 0,
      };
      b.handlers.mappings_view = () => v;
      await openMappings();
      const status = await screen.findByText(/Nothing could be checked/);
      expect(status.textContent).toContain("lists urn:ietf:params:scim:schemas:core:2.0:User without their attributes");
      expect(screen.queryByText(/is declared|are declared/)).toBeNull();
    });

    test("all checked and declared: a quiet confirmation", async () => {
      const b = fakeBackend([connection()]);
      const v = checkedView();
      v.attributes = v.attributes.map((list) => list.map((a) => ({ ...a, declared: true })));
      v.schemas = { state: "read", checked_ms: Date.UTC(2026, 10, 20, 10, 5), schema_ids: [], without_attributes: [], undeclared: 0 };
      b.handlers.mappings_view = () => v;
      await openMappings();
      expect(await screen.findByText(/Every target attribute is declared in the SaaS's \/Schemas/)).toBeTruthy();
    });

    test("when /Schemas could not be read: no column, and a pointer to discovery on the Inventory screen", async () => {
      const b = fakeBackend([connection()]);
      b.handlers.mappings_view = () =>
        mappingsViewFixture({ schemas: { state: "failed", checked_ms: Date.UTC(2026, 10, 20, 10, 5), message: "/Schemas answered HTTP 404: the SaaS does not publish its schemas there" } });
      await openMappings();
      const hint = await screen.findByText(/Could not compare the target attributes/);
      const card = hint.closest(".hint-card")!;
      expect(card.textContent).toContain("HTTP 404");
      const link = within(card as HTMLElement).getByRole("link", { name: "Inventory → SCIM compliance" });
      expect(link.getAttribute("href")).toBe("#/inventory/c1/compliance");
      expect(card.textContent).toMatch(/See Inventory → SCIM compliance/);
      expect(screen.queryByRole("columnheader", { name: "In the SaaS's /Schemas" })).toBeNull();
    });

    test("a connection without SCIM side is not compared and says why", async () => {
      const b = fakeBackend([connection({ scim: null, has_scim_token: false })]);
      b.handlers.mappings_view = () => mappingsViewFixture();
      await openMappings();
      expect(await screen.findByText(/This connection has no SCIM side, so the target attributes are not compared/)).toBeTruthy();
      expect(b.calls.filter((c) => c.cmd === "scim_compliance")).toHaveLength(0);
    });
  });

  // Issue 17, defect 18: one compliance source for Mappings and Inventory.
  describe("the recorded SCIM compliance", () => {
    test("lists the recorded /Schemas deviations, never 'No deviation found' with one, and links to the report", async () => {
      const b = fakeBackend([connection()]);
      b.handlers.mappings_view = () => mappingsViewFixture({ compliance: storedCompliance() });
      await openMappings();
      const list = await screen.findByRole("list", { name: "Deviations about /Schemas" });
      expect(list.textContent).toContain("discovery_missing");
      expect(list.textContent).toContain("mapping_target_undeclared");
      expect(list.textContent).not.toContain("ignores_start_index");
      expect(screen.getByTestId("compliance-verdict").textContent).toContain("3 deviations recorded");
      expect(screen.queryByText(/No deviation found/)).toBeNull();
      const card = list.closest("section")!;
      expect(within(card).getByRole("link", { name: "Inventory → SCIM compliance" }).getAttribute("href")).toBe("#/inventory/c1/compliance");
    });

    test("nothing examined: says so, never 'No deviation found'", async () => {
      const b = fakeBackend([connection()]);
      b.handlers.mappings_view = () => mappingsViewFixture({ compliance: notExaminedCompliance() });
      await openMappings();
      expect((await screen.findByTestId("compliance-verdict")).textContent).toContain("Not examined yet");
      expect(screen.queryByText(/No deviation found/)).toBeNull();
    });

    test("could not examine: the reason, never 'No deviation found'", async () => {
      const b = fakeBackend([connection()]);
      const reason = "the SCIM token was refused (HTTP 401): wrong token";
      b.handlers.mappings_view = () =>
        mappingsViewFixture({
          compliance: { ...notExaminedCompliance(), verdict: { state: "could_not_examine", reason, source: "discover", checked_ms: Date.UTC(2026, 10, 20, 10, 0) } },
        });
      await openMappings();
      expect((await screen.findByTestId("compliance-verdict")).textContent).toContain(`Could not examine (discovery): ${reason}`);
      expect(screen.queryByText(/No deviation found/)).toBeNull();
    });
  });
});
