import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, test } from "vitest";
import { App } from "../../App";
import type { TraceCandidate } from "../../bindings/TraceCandidate";
import type { TraceJudgement } from "../../bindings/TraceJudgement";
import type { UserTrace } from "../../bindings/UserTrace";
import { resetDemoStart } from "../../lib/demoStart";
import { fakeBackend, reject } from "../../test/backend";
import { connection, healthyReport } from "../../test/fixtures";

const ADA: TraceCandidate = {
  key: "11111111-aaaa",
  display_name: "Ada Lovelace",
  user_principal_name: "ada@contoso.example",
  mail: "ada@contoso.example",
  object_id: "11111111-aaaa",
  scim_id: "s-1",
  scim_user_name: "ada@contoso.example",
  found_in: ["assignments", "logs", "saas"],
  exact: true,
};

const JUDGED: TraceJudgement = {
  verdict: { tone: "problem", text: "Failed at 2026-12-06T10:32:00Z: EntryConflict — a user with this userName already exists. Next: the next cycle at ~2026-12-06T11:10:00Z" },
  assignment: { tone: "ok", text: "Assigned to the app directly (assignments read at 2026-12-06T10:45:00Z)" },
  scope: { tone: "ok", text: "Sync only assigned users and groups: a user is provisioned only when assigned directly or as a direct member of an assigned group." },
  events: { tone: "problem", text: "1 event stored; the newest: create failure at 2026-12-06T10:32:00Z" },
  saas: { tone: "unknown", text: "Could not check: no complete inventory snapshot of the SaaS yet (Inventory → Crawl now)" },
  next_cycle: { tone: "waiting", text: "The next cycle at ~2026-12-06T11:10:00Z" },
};

function traced(over: Partial<UserTrace> = {}): UserTrace {
  return {
    connection_id: "c1",
    query: "ada",
    candidates: [ADA],
    more_candidates: false,
    traced: ADA,
    judgement: JUDGED,
    events: [
      {
        id: 1, event_id: "e1", activity_ms: Date.parse("2026-12-06T10:32:00Z"), job_id: null, cycle_id: "cy", change_id: null,
        action: "create", status: "failure", source_id: ADA.object_id, source_name: "Ada Lovelace", target_id: "", target_name: null,
        identity_type: "User", error_code: "EntryConflict", error_reason: "StatusCode: 409\r\nMessage: exists", error_category: null, duration_ms: null,
      },
    ],
    logs_filter: ADA.object_id,
    provisioning_link: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/sp/appId/app",
    ...over,
  };
}

async function search(text: string) {
  const form = await screen.findByRole("search", { name: "Find a user" });
  fireEvent.change(within(form).getByLabelText("User"), { target: { value: text } });
  fireEvent.click(within(form).getByRole("button", { name: "Trace" }));
  return form;
}

afterEach(() => {
  window.location.hash = "";
  resetDemoStart();
});

describe("Find a user (per-user trace)", () => {
  test("a traced user: verdict, each line with its tone, events, the Logs filtered to them, the portal", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.trace_user = () => traced();
    render(<App />);
    await search("  ada ");
    await waitFor(() => expect(b.last("trace_user")?.args).toEqual({ id: "c1", query: "ada" }));
    const panel = await screen.findByRole("region", { name: "Trace of Ada Lovelace" });
    expect(within(panel).getByTestId("trace-verdict").textContent).toMatch(/^Failed at .*EntryConflict — a user with this userName already exists/);
    const facts = panel.querySelector("dl")!;
    expect(facts.textContent).toContain("Assignment");
    expect(facts.textContent).toContain("Assigned to the app directly");
    // "Could not check" is shown as such, never as a pass.
    const saas = within(panel).getByText(/no complete inventory snapshot/).closest("dd")!;
    expect(saas.getAttribute("data-tone")).toBe("unknown");
    expect(within(saas).getByText("Could not check")).toBeTruthy();
    const table = within(panel).getByRole("table", { name: "Newest events about Ada Lovelace" });
    expect(within(table).getByText("EntryConflict")).toBeTruthy();
    expect(within(panel).getByRole("link", { name: /All their events in the Logs/ }).getAttribute("href")).toBe("#/logs/c1?who=11111111-aaaa");
    // Remediation off (the fake's default): the on-demand action says where in the portal.
    expect((await within(panel).findByTestId("portal-fallback")).textContent).toContain("Provision this user on demand in the Entra admin center");
    await waitFor(() => expect(b.last("remediation_status")?.args).toEqual({ id: "c1" }));
  });

  test("a user only the SaaS knows: no on-demand button, the portal's Provisioning page", async () => {
    const saasOnly: TraceCandidate = { ...ADA, key: "scim:s-9", object_id: null, user_principal_name: null, mail: null, display_name: null, scim_user_name: "ghost@contoso.example", found_in: ["saas"] };
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.trace_user = () => traced({ candidates: [saasOnly], traced: saasOnly, events: [], logs_filter: "s-9" });
    render(<App />);
    await search("ghost");
    const panel = await screen.findByRole("region", { name: "Trace of ghost@contoso.example" });
    expect(within(panel).getByRole("link", { name: /Provision on demand in the Entra admin center/ })).toBeTruthy();
    expect(within(panel).queryByTestId("portal-fallback")).toBeNull();
  });

  test("several people: pick one, traced by its key", async () => {
    const grace: TraceCandidate = { ...ADA, key: "22222222-bbbb", display_name: "Grace Hopper", object_id: "22222222-bbbb", exact: false, user_principal_name: "grace@contoso.example", scim_user_name: "grace@contoso.example" };
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.trace_user = (a) =>
      a.query === "22222222-bbbb"
        ? traced({ query: "22222222-bbbb", candidates: [grace], traced: grace })
        : traced({ query: "contoso", candidates: [{ ...ADA, exact: false }, grace], traced: null, judgement: null, events: [] });
    render(<App />);
    await search("contoso");
    const list = await screen.findByRole("list", { name: "Matching people" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    expect(within(list).getAllByRole("listitem")[1]!.textContent).toBe("Grace Hopper grace@contoso.example · found in assignments, logs, SaaS");
    fireEvent.click(within(list).getByRole("button", { name: "Grace Hopper" }));
    await waitFor(() => expect(b.last("trace_user")?.args).toEqual({ id: "c1", query: "22222222-bbbb" }));
    expect(await screen.findByRole("region", { name: "Trace of Grace Hopper" })).toBeTruthy();
  });

  test("nobody matches: says what was searched, claims nothing else", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    render(<App />);
    await search("nobody@x");
    const note = await screen.findByText(/Nobody matches “nobody@x” in what scimwatch has read/);
    expect(note.textContent).toContain("A user nobody assigned is not read by scimwatch");
    expect(screen.queryByRole("region", { name: /Trace of/ })).toBeNull();
  });

  test("an empty search is refused without a call; a refused search shows the error", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.trace_user = () => reject("validation", "query: search for at most 200 characters of a name or an id");
    render(<App />);
    await search("   ");
    expect(await screen.findByText(/Enter a name, a user principal name/)).toBeTruthy();
    expect(b.count("trace_user")).toBe(0);
    await search("x");
    expect(await screen.findByText(/at most 200 characters/)).toBeTruthy();
  });

  test("the address opens a trace (the Logs drawer's 'Trace this user')", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" })]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.trace_user = (a) => traced({ connection_id: String(a.id), query: String(a.query) });
    window.location.hash = "#/overview?trace=11111111-aaaa&c=c2";
    render(<App />);
    await waitFor(() => expect(b.last("trace_user")?.args).toEqual({ id: "c2", query: "11111111-aaaa" }));
    expect(await screen.findByRole("region", { name: "Trace of Ada Lovelace" })).toBeTruthy();
    expect((screen.getByLabelText("Connection") as HTMLSelectElement).value).toBe("c2");
  });
});

describe("Open the demo tenant", () => {
  test("the click shows the Overview's skeleton at once, until the demo is listed", async () => {
    const b = fakeBackend([]);
    let finish: () => void = () => {};
    b.handlers.start_demo = () =>
      new Promise((resolve) => {
        finish = () => {
          const c = connection({ id: "demo", name: "Demo tenant (simulated)" });
          b.db.push(c);
          resolve(c);
        };
      });
    b.handlers.job_status = () => healthyReport();
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Open the demo tenant" }));
    // Synchronously after the click: no waiting for the start.
    expect(screen.getByTestId("demo-skeleton")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Open the demo tenant" })).toBeNull();
    finish();
    await screen.findByRole("list", { name: "Connections" });
    await waitFor(() => expect(screen.queryByTestId("demo-skeleton")).toBeNull());
  });

  test("a failed start puts the first launch back with the error", async () => {
    const b = fakeBackend([]);
    b.handlers.start_demo = () => reject("internal", "the demo tenant could not start: address in use");
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Open the demo tenant" }));
    expect(await screen.findByText(/address in use/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Open the demo tenant" })).toBeTruthy();
    expect(screen.queryByTestId("demo-skeleton")).toBeNull();
  });
});
