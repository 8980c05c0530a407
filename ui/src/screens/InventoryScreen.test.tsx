import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import type { CrawlOutcome } from "../bindings/CrawlOutcome";
import { fakeBackend } from "../test/backend";
import { complianceReport, connection, driftResult, snapshot, snapshotDiff, storedCompliance } from "../test/fixtures";
import { complianceMarkdown } from "./InventoryScreen";

async function openInventory(hash = "#/inventory") {
  window.location.hash = hash;
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Inventory" });
}

const outcome: CrawlOutcome = {
  snapshot_id: 3,
  users: 1234,
  groups: 12,
  full: false,
  changes: 4,
  versions_written: 4,
  stats: [],
  findings: [],
  elapsed_ms: 3200,
  incomplete: null,
};

describe("Inventory", () => {
  test("lists snapshots with state, users and groups", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [
      snapshot({ id: 2, state: "failed", completed_at: null, user_count: null, group_count: null, error: "HTTP 500 on page 3" }),
      snapshot({ id: 1 }),
    ];
    await openInventory();
    const table = await screen.findByRole("table", { name: /Snapshots/ });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(rows[1]!.textContent).toContain("Failed");
    expect(rows[1]!.textContent).toContain("HTTP 500 on page 3");
    expect(rows[2]!.textContent).toContain("Complete");
    expect(rows[2]!.textContent).toContain("120");
    expect(b.last("list_snapshots")!.args).toEqual({ id: "c1" });
  });

  test("Crawl now shows live progress from crawl-progress events, and Cancel calls cancel_crawl", async () => {
    const b = fakeBackend([connection()]);
    let finish: (v: unknown) => void = () => {};
    let fail: (e: unknown) => void = () => {};
    b.handlers.start_crawl = () =>
      new Promise((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    b.handlers.cancel_crawl = () => {
      fail({ kind: "internal", message: "crawl cancelled", fields: [] });
      return true;
    };
    await openInventory();
    await screen.findByRole("heading", { name: "No snapshot yet" });
    fireEvent.click(screen.getByRole("button", { name: "Crawl now" }));
    await screen.findByRole("region", { name: "Crawl in progress" });
    await act(async () => {
      await emit("crawl-progress", { connection_id: "c1", progress: { phase: "users", done: 250, total: 1000, in_flight: 4 } });
    });
    const bar = await screen.findByRole("progressbar");
    await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("25"));
    expect(screen.getByText("Reading users")).toBeTruthy();
    expect(screen.getByText(/250 of 1,000 · 4 requests in flight/)).toBeTruthy();
    // Another connection's progress is ignored.
    await act(async () => {
      await emit("crawl-progress", { connection_id: "other", progress: { phase: "groups", done: 1, total: 2, in_flight: 1 } });
    });
    expect(bar.getAttribute("aria-valuenow")).toBe("25");

    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await screen.findByText("Crawl cancelled");
    expect(b.last("cancel_crawl")!.args).toEqual({ id: "c1" });
    expect(screen.queryByRole("progressbar")).toBeNull();
    void finish;
  });

  test("a scheduled crawl shows its progress, Cancel stops it, and its end refreshes the list", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.cancel_crawl = () => true;
    await openInventory();
    await screen.findByRole("heading", { name: "No snapshot yet" });
    await act(async () => {
      await emit("crawl-progress", { connection_id: "c1", progress: { phase: "users", done: 100, total: 400, in_flight: 1 } });
    });
    const bar = await screen.findByRole("progressbar");
    await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("25"));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(b.last("cancel_crawl")?.args).toEqual({ id: "c1" }));
    const before = b.count("list_snapshots");
    await act(async () => {
      await emit("crawl-progress", { connection_id: "c1", progress: { phase: "cancelled", done: 100, total: 400, in_flight: 0 } });
    });
    await screen.findByText("Crawl cancelled");
    expect(screen.queryByRole("progressbar")).toBeNull();
    await waitFor(() => expect(b.count("list_snapshots")).toBeGreaterThan(before));

    // The next scheduled crawl runs to its end: the card goes, the list reloads.
    await act(async () => {
      await emit("crawl-progress", { connection_id: "c1", progress: { phase: "users", done: 10, total: 400, in_flight: 1 } });
    });
    await screen.findByRole("progressbar");
    const again = b.count("list_snapshots");
    await act(async () => {
      await emit("crawl-progress", { connection_id: "c1", progress: { phase: "done", done: 400, total: 400, in_flight: 0 } });
    });
    await waitFor(() => expect(screen.queryByRole("progressbar")).toBeNull());
    expect(screen.queryByText("Crawl cancelled")).toBeNull();
    await waitFor(() => expect(b.count("list_snapshots")).toBeGreaterThan(again));
  });

  test("a crawl already running elsewhere is explained, not shown as a failure", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.start_crawl = () => {
      throw { kind: "conflict", message: "an inventory crawl of this connection is already running", fields: [] };
    };
    await openInventory();
    await screen.findByRole("heading", { name: "No snapshot yet" });
    fireEvent.click(screen.getByRole("button", { name: "Crawl now" }));
    expect(await screen.findByText("A crawl of this connection is already running")).toBeTruthy();
    expect(screen.queryByText("Already exists")).toBeNull();
  });

  test("a finished crawl reports the snapshot and refreshes the list", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.start_crawl = () => outcome;
    await openInventory();
    await screen.findByRole("heading", { name: "No snapshot yet" });
    const before = b.count("list_snapshots");
    fireEvent.click(screen.getByRole("button", { name: "Crawl now" }));
    await screen.findByText("Snapshot #3 stored: 1,234 users, 12 groups");
    await waitFor(() => expect(b.count("list_snapshots")).toBeGreaterThan(before));
  });

  test("Compare diffs two complete snapshots: added, removed, changed and memberships", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [snapshot({ id: 5 }), snapshot({ id: 4, state: "running" }), snapshot({ id: 2 })];
    b.handlers.diff_snapshots = () => snapshotDiff();
    await openInventory("#/inventory/c1/compare");
    const older = (await screen.findByLabelText("Older snapshot")) as HTMLSelectElement;
    expect(Array.from(older.options).map((o) => o.value)).toEqual(["5", "2"]);
    expect(older.value).toBe("2");
    expect((screen.getByLabelText("Newer snapshot") as HTMLSelectElement).value).toBe("5");
    fireEvent.click(screen.getByRole("button", { name: "Compare" }));
    const added = await screen.findByRole("list", { name: "Users added" });
    expect(added.textContent).toContain("new.hire@contoso.com");
    expect(screen.getByRole("list", { name: "Users removed" }).textContent).toContain("leaver@contoso.com");
    const changed = screen.getByRole("list", { name: "Users changed" });
    expect(within(changed).getByText("name.givenName")).toBeTruthy();
    expect(within(changed).getByText("active")).toBeTruthy();
    expect(screen.getByRole("list", { name: "Members added to Sales" }).textContent).toContain("u-new");
    expect(screen.getByRole("list", { name: "Members removed from Sales" }).textContent).toContain("u-gone");
    expect(b.last("diff_snapshots")!.args).toEqual({ id: "c1", a: 2, b: 5 });
  });

  test("long diff lists show 100 at a time", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [snapshot({ id: 2 }), snapshot({ id: 1 })];
    const d = snapshotDiff();
    d.users.added = Array.from({ length: 250 }, (_, i) => ({ id: `u${i}`, label: `user${i}@contoso.com`, display_name: null, external_id: null, active: null, members: null }));
    d.counts.users_added = 250;
    b.handlers.diff_snapshots = () => d;
    await openInventory("#/inventory/c1/compare");
    fireEvent.click(await screen.findByRole("button", { name: "Compare" }));
    const list = await screen.findByRole("list", { name: "Users added" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(100);
    fireEvent.click(screen.getByRole("button", { name: /Show 100 more \(150 not shown\)/ }));
    expect(within(list).getAllByRole("listitem")).toHaveLength(200);
  });

  test("Compare with fewer than two complete snapshots explains why", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [snapshot({ id: 1 })];
    await openInventory("#/inventory/c1/compare");
    expect(await screen.findByRole("heading", { name: "Two complete snapshots are needed" })).toBeTruthy();
  });

  test("Drift: not_found becomes guidance, not a crash", async () => {
    fakeBackend([connection()]);
    await openInventory("#/inventory/c1/drift");
    const guidance = await screen.findByText("Drift needs Entra's assignments");
    const box = guidance.closest(".alert")!;
    expect(box.className).toContain("alert-info");
    expect(box.textContent).toContain("Entra assignments were not polled yet");
    expect(screen.queryByText("Not found")).toBeNull();
  });

  test("Drift renders missing users, orphans and counts", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.drift_report = () => driftResult();
    await openInventory("#/inventory/c1/drift");
    expect((await screen.findByRole("list", { name: "Missing in the SaaS" })).textContent).toContain("Ada Lovelace");
    expect(screen.getByRole("list", { name: "Orphans" }).textContent).toContain("old.contractor@contoso.com");
    expect(screen.getByText("Missing in SaaS").parentElement!.textContent).toContain("1");
    // Remediation off: one line says where the portal provisions a missing user; no button.
    expect((await screen.findByTestId("portal-fallback")).textContent).toContain("Provision a missing user on demand");
    expect(screen.queryByRole("button", { name: "Provision on demand" })).toBeNull();
  });

  test("Drift: with remediation on, each missing user offers Provision on demand", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.drift_report = () => driftResult();
    const off = b.handlers.remediation_status!;
    b.handlers.remediation_status = (args) => ({ ...(off(args) as object), enabled: true });
    await openInventory("#/inventory/c1/drift");
    const list = await screen.findByRole("list", { name: "Missing in the SaaS" });
    expect(await within(list).findByRole("button", { name: "Provision on demand" })).toBeTruthy();
    expect(screen.queryByTestId("portal-fallback")).toBeNull();
  });

  test("tabs switch with the arrow keys", async () => {
    fakeBackend([connection()]);
    await openInventory();
    const tab = await screen.findByRole("tab", { name: "Snapshots" });
    expect(tab.getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(tab, { key: "ArrowRight" });
    await waitFor(() => expect(window.location.hash).toBe("#/inventory/c1/browse"));
  });

  test("SCIM compliance shows the recorded report: findings with severity and collapsible evidence", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.scim_compliance = () => storedCompliance();
    await openInventory("#/inventory/c1/compliance");
    const title = await screen.findByRole("heading", { name: "Deviations" });
    const section = title.closest("section")!;
    const items = within(section).getAllByRole("listitem");
    expect(items[0]!.textContent).toContain("Critical");
    expect(items[0]!.textContent).toContain("ignores_start_index");
    expect(items[0]!.querySelector("details")!.textContent).toContain('{"startIndex":1}');
    expect(screen.getByRole("button", { name: /Copy report/ })).toBeTruthy();
    expect(screen.getByRole("row", { name: /Schemas/ }).textContent).toContain("404");
    // Read from the store: nothing asked of the SaaS until Re-examine.
    expect(b.calls.filter((c) => c.cmd === "scim_compliance").map((c) => c.args)).toEqual([{ id: "c1" }]);
    fireEvent.click(screen.getByRole("button", { name: "Re-examine" }));
    await waitFor(() => expect(b.calls.filter((c) => c.cmd === "scim_compliance").map((c) => c.args)).toEqual([{ id: "c1" }, { id: "c1", reexamine: true }]));
  });

  // Issue 17, defect 18: the same record as the Mappings screen.
  test("the /Schemas deviation Mappings lists is listed here too, never with 'No deviation found'", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.scim_compliance = () => storedCompliance();
    await openInventory("#/inventory/c1/compliance");
    const title = await screen.findByRole("heading", { name: "Deviations" });
    const section = title.closest("section")!;
    expect(section.textContent).toContain("discovery_missing");
    expect(section.textContent).toContain("mapping_target_undeclared");
    expect(screen.getByTestId("compliance-verdict").textContent).toContain("3 deviations recorded");
    expect(screen.queryByText(/No deviation found/)).toBeNull();
  });

  test("nothing recorded: 'Not examined yet', never 'No deviation found'", async () => {
    fakeBackend([connection()]);
    await openInventory("#/inventory/c1/compliance");
    expect((await screen.findByTestId("compliance-verdict")).textContent).toContain("Not examined yet");
    expect(screen.getByRole("button", { name: "Re-examine" })).toBeTruthy();
    expect(screen.queryByText(/No deviation found/)).toBeNull();
  });

  test("an endpoint that could not be examined is never shown as free of deviations", async () => {
    const b = fakeBackend([connection()]);
    const why = "the SCIM token was refused (HTTP 401): the Secret Token is wrong or expired";
    const report = { ...complianceReport(), findings: [], discovery: [], could_not_examine: why };
    b.handlers.scim_compliance = () =>
      storedCompliance({ report, deviations: [], verdict: { state: "could_not_examine", reason: why, source: "discover", checked_ms: Date.UTC(2026, 10, 20, 10, 0) } });
    await openInventory("#/inventory/c1/compliance");
    expect((await screen.findByTestId("compliance-verdict")).textContent).toContain(`Could not examine (discovery): ${why}`);
    expect(screen.queryByText(/No deviation found/)).toBeNull();
    const md = complianceMarkdown(report, "Acme");
    expect(md).toContain("Could not examine the endpoint");
    expect(md).not.toContain("No deviation found");
  });

  test("checks that had nothing to look at are listed, never passed", async () => {
    const b = fakeBackend([connection()]);
    const notExamined = ["group filters: the server holds no group"];
    b.handlers.scim_compliance = () =>
      storedCompliance({
        report: { ...complianceReport(), findings: [], not_examined: notExamined },
        deviations: [],
        verdict: { state: "partial", checked_ms: Date.UTC(2026, 10, 20, 10, 0), reason: "some checks had nothing to look at", not_examined: notExamined },
      });
    await openInventory("#/inventory/c1/compliance");
    expect((await screen.findByTestId("compliance-verdict")).textContent).toContain("No deviation in what was examined");
    expect(screen.getAllByText("group filters: the server holds no group").length).toBeGreaterThan(0);
    expect(screen.queryByText(/No deviation found/)).toBeNull();
  });

  test("'No deviation found' only when a discovery examined everything and nothing is recorded", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.scim_compliance = () =>
      storedCompliance({ report: { ...complianceReport(), findings: [] }, deviations: [], verdict: { state: "no_deviation", checked_ms: Date.UTC(2026, 10, 20, 10, 0) } });
    await openInventory("#/inventory/c1/compliance");
    expect((await screen.findByTestId("compliance-verdict")).textContent).toContain("No deviation found");
  });

  test("an incomplete crawl says so instead of 'stored'", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.start_crawl = () => ({ ...outcome, incomplete: "Users: read 20 of the 150 the server announced" });
    await openInventory();
    await screen.findByRole("heading", { name: "No snapshot yet" });
    fireEvent.click(screen.getByRole("button", { name: "Crawl now" }));
    await screen.findByText("Snapshot #3 is incomplete: 1,234 users, 12 groups read");
    expect(screen.getByText(/read 20 of the 150/)).toBeTruthy();
  });

  test("the copied report is Markdown with every finding and its evidence", () => {
    const md = complianceMarkdown(complianceReport(), "Contoso → Acme");
    expect(md).toContain("# SCIM compliance report: Contoso → Acme");
    expect(md).toContain("### 1. [error] ignores_start_index");
    // The evidence as the engine sends it: the request, the status, the excerpt.
    expect(md).toContain("GET /Users?startIndex=101&count=100:");
    expect(md).toContain("HTTP 200\n{\"startIndex\":1}");
    expect(md).toContain("[info] discovery_missing");
  });
});
