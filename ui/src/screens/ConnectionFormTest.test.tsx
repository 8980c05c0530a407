// The connection form's Test before saving, every field error at once with
// the first scrolled into view, and the warning before saving a host name
// that does not resolve.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { App } from "../App";
import type { CheckResult } from "../bindings/CheckResult";
import type { TestResult } from "../bindings/TestResult";
import { fakeBackend } from "../test/backend";

async function openAdd() {
  window.location.hash = "#/connections";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Connections" });
  fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
  return screen.findByRole("dialog", { name: "Add connection" });
}

function type(d: HTMLElement, label: string, value: string) {
  fireEvent.change(within(d).getByLabelText(label), { target: { value } });
}

const scimOk: CheckResult = {
  ok: true,
  verdict: "ok",
  message: "HTTP 200 with empty ListResponses for Users and Groups: Entra's Test Connection would pass.",
  http_status: 200,
  latency_ms: 84,
  checked_at: "2026-11-20T10:00:00Z",
  url: "https://api.acme.example/scim/v2",
  notes: [],
  suggested_url: null,
  exchanges: [],
};

let scrolled: Element[] = [];
beforeEach(() => {
  scrolled = [];
  Element.prototype.scrollIntoView = vi.fn(function (this: Element) {
    scrolled.push(this);
  });
});
afterEach(() => {
  // @ts-expect-error jsdom has none; the test gave it one.
  delete Element.prototype.scrollIntoView;
});

describe("every field error at once", () => {
  test("name, http Tenant URL and missing token show together; the first is scrolled to the centre", async () => {
    const b = fakeBackend();
    b.handlers.test_connection_input = (a) => {
      expect(a.resolveOnly).toBe(true);
      throw {
        kind: "validation",
        message: "3 fields",
        fields: [
          { field: "name", message: "give the connection a name" },
          { field: "scim_url", message: "plain http is refused: the token would travel unencrypted; use https" },
          { field: "scim_token", message: "paste the Secret Token the SaaS gave you (the same one entered in Entra)" },
        ],
      };
    };
    const d = await openAdd();
    type(d, "Tenant URL", "http://api.acme.example/scim");
    fireEvent.submit(d.querySelector("form")!);
    expect(await within(d).findByText(/Give the connection a name/)).toBeTruthy();
    expect(within(d).getByText(/Plain http is refused/)).toBeTruthy();
    expect(within(d).getByText(/Paste the Secret Token/)).toBeTruthy();
    expect(within(d).getByText("3 fields need attention")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(within(d).getByLabelText("Name")));
    const call = (Element.prototype.scrollIntoView as ReturnType<typeof vi.fn>).mock.calls.at(-1);
    expect(call?.[0]).toEqual({ block: "center" });
    expect(scrolled.at(-1)?.contains(within(d).getByLabelText("Name"))).toBe(true);
    expect(b.count("add_connection")).toBe(0);
  });

  test("javascript: gets 'only https:// URLs' from Rust under the Tenant URL", async () => {
    const b = fakeBackend();
    b.handlers.test_connection_input = () => {
      throw {
        kind: "validation",
        message: "1 field",
        fields: [{ field: "scim_url", message: "the scheme `javascript:` is not allowed: only https:// URLs are accepted" }],
      };
    };
    const d = await openAdd();
    type(d, "Name", "Acme");
    type(d, "Tenant URL", "javascript:alert(1)");
    type(d, "Secret Token", "tok");
    fireEvent.submit(d.querySelector("form")!);
    const url = within(d).getByLabelText("Tenant URL");
    await waitFor(() => expect(url.getAttribute("aria-invalid")).toBe("true"));
    expect(within(d).getByText(/only https:\/\/ URLs are accepted/)).toBeTruthy();
    expect(d.textContent).not.toContain("did you mean");
    expect(b.count("add_connection")).toBe(0);
  });
});

describe("Test before saving", () => {
  test("Test sends what is typed, saves nothing and shows each side's verdict and message", async () => {
    const b = fakeBackend();
    const result: TestResult = {
      scim: scimOk,
      graph: {
        ok: false,
        verdict: "unauthorized",
        message: "The sign-in was refused: sign-in failed: invalid_client (AADSTS7000215): Invalid client secret provided.",
        aadsts: 7000215,
        latency_ms: 120,
        url: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        checked_at: "2026-11-20T10:00:00Z",
      },
      unresolved: [],
      skipped: [],
    };
    b.handlers.test_connection_input = () => result;
    const d = await openAdd();
    type(d, "Tenant ID or domain", "contoso.onmicrosoft.com");
    fireEvent.click(within(d).getByRole("radio", { name: /Client secret/ }));
    type(d, "Client ID", "11111111-2222-3333-4444-555555555555");
    type(d, "Client secret", "typed-secret");
    type(d, "Tenant URL", "https://api.acme.example/scim/v2");
    type(d, "Secret Token", "typed-token");
    fireEvent.click(within(d).getByRole("button", { name: "Test" }));
    const panel = await within(d).findByRole("region", { name: "Test results" });
    await within(panel).findByText("Working");
    expect(within(panel).getByText("SCIM Test Connection")).toBeTruthy();
    expect(within(panel).getByText(/Entra's Test Connection would pass/)).toBeTruthy();
    expect(within(panel).getByText("Sign-in refused")).toBeTruthy();
    expect(within(panel).getByText(/Invalid client secret provided/)).toBeTruthy();
    const args = b.last("test_connection_input")!.args;
    expect(args).toMatchObject({ id: null, resolveOnly: false, secrets: { scim_token: "typed-token", client_secret: "typed-secret" } });
    expect(b.count("add_connection")).toBe(0);
    // Typing afterwards marks the results as stale.
    type(d, "Secret Token", "another-token");
    expect(await within(panel).findByText(/The form changed since this test/)).toBeTruthy();
  });

  test("an unresolvable host: the Test says so; Save warns and saves only on Save anyway", async () => {
    const b = fakeBackend();
    const host = {
      field: "scim_url",
      host: "nonexistent.invalid",
      message: "the host name nonexistent.invalid cannot be resolved (Name or service not known): check the Tenant URL for a typo, or the network (VPN, DNS)",
    };
    b.handlers.test_connection_input = (a) =>
      a.resolveOnly
        ? { scim: null, graph: null, unresolved: [host], skipped: [] }
        : {
            scim: { ...scimOk, ok: false, verdict: "unreachable", http_status: null, latency_ms: null, message: "The host name nonexistent.invalid cannot be resolved." },
            graph: null,
            unresolved: [host],
            skipped: [],
          };
    const d = await openAdd();
    type(d, "Name", "Nowhere");
    type(d, "Tenant URL", "https://nonexistent.invalid/scim");
    type(d, "Secret Token", "tok");
    fireEvent.click(within(d).getByRole("button", { name: "Test" }));
    const panel = await within(d).findByRole("region", { name: "Test results" });
    await within(panel).findByText("Unreachable");
    expect(within(panel).getByText(/cannot be resolved/)).toBeTruthy();

    fireEvent.submit(d.querySelector("form")!);
    const warning = await within(d).findByRole("alert", { name: undefined });
    await within(d).findByText("A host name cannot be resolved");
    expect(warning).toBeTruthy();
    expect(b.count("add_connection")).toBe(0);
    fireEvent.click(within(d).getByRole("button", { name: "Save anyway" }));
    await waitFor(() => expect(b.count("add_connection")).toBe(1));
  });

  test("a changed Tenant URL takes the warning away; Review goes to the field", async () => {
    const b = fakeBackend();
    b.handlers.test_connection_input = () => ({
      scim: null,
      graph: null,
      unresolved: [{ field: "scim_url", host: "typo.example", message: "the host name typo.example cannot be resolved" }],
      skipped: [],
    });
    const d = await openAdd();
    type(d, "Name", "Typo");
    type(d, "Tenant URL", "https://typo.example/scim");
    type(d, "Secret Token", "tok");
    fireEvent.submit(d.querySelector("form")!);
    fireEvent.click(await within(d).findByRole("button", { name: "Review the address" }));
    expect(document.activeElement).toBe(within(d).getByLabelText("Tenant URL"));
    expect(within(d).queryByText("A host name cannot be resolved")).toBeNull();
    expect(b.count("add_connection")).toBe(0);
  });
});
