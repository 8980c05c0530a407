import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection, eventRow, healthyReport } from "../test/fixtures";
import { buildFilter, draftFromQuery, EMPTY_DRAFT, LogTable, OVERSCAN, queryFromDraft, visibleRange } from "./LogsScreen";

async function openLogs() {
  window.location.hash = "#/logs/c1";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Provisioning logs" });
}

describe("buildFilter", () => {
  const now = Date.UTC(2026, 10, 20, 12, 0);
  test("presets and fields become an EventFilter", () => {
    const { filter } = buildFilter({ ...EMPTY_DRAFT, status: "failure", action: "create", range: "24h", cycle: " cyc-1 ", code: "E1" }, now);
    expect(filter).toEqual({ status: "failure", action: "create", since_ms: now - 86_400_000, until_ms: null, cycle_id: "cyc-1", error_code: "E1", identity: null });
  });
  test("specific messages", () => {
    expect(buildFilter({ ...EMPTY_DRAFT, range: "custom" }, now).errors.from).toBe("Enter a start, an end, or both.");
    expect(buildFilter({ ...EMPTY_DRAFT, range: "custom", from: "2026-11-20T10:00", to: "2026-11-20T09:00" }, now).errors.to).toBe("From must be before To.");
    expect(buildFilter({ ...EMPTY_DRAFT, range: "custom", from: "2027-01-01T10:00" }, now).errors.from).toMatch(/future/);
    expect(buildFilter({ ...EMPTY_DRAFT, code: "bad code" }, now).errors.code).toMatch(/one word/);
    expect(buildFilter({ ...EMPTY_DRAFT, cycle: "a b" }, now).errors.cycle).toMatch(/no spaces/);
  });
});

describe("windowing", () => {
  test("renders a bounded number of rows for 100k items", () => {
    const items = Array.from({ length: 100_000 }, (_, i) => eventRow(i));
    render(<LogTable items={items} onEndReached={() => {}} onOpen={() => {}} />);
    const rows = screen.getAllByRole("row");
    expect(rows.length).toBeLessThan(40);
    expect(rows.length).toBeGreaterThan(5);
    const body = document.querySelector(".log-body") as HTMLElement;
    Object.defineProperty(body, "scrollTop", { value: 44 * 50_000, configurable: true });
    fireEvent.scroll(body);
    const after = screen.getAllByRole("row");
    expect(after.length).toBeLessThan(40);
    expect(screen.getByText("user50000@contoso.com")).toBeTruthy();
  });
  test("visibleRange adds the overscan and clamps", () => {
    expect(visibleRange(0, 440, 1000)).toEqual([0, 10 + OVERSCAN]);
    expect(visibleRange(44 * 995, 440, 1000)).toEqual([995 - OVERSCAN, 1000]);
  });
});

describe("Provisioning logs", () => {
  test("pages via next_cursor when scrolled to the end, opens the drawer, exports", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.query_logs = (a) =>
      a.cursor === null
        ? { items: Array.from({ length: 10 }, (_, i) => eventRow(i, i === 0 ? { status: "failure", error_code: "SystemForCrossDomainIdentityManagementBadRequest" } : {})), next_cursor: "p2" }
        : { items: [eventRow(10)], next_cursor: null };
    b.handlers.event_detail = () => ({
      provisioningAction: "update",
      provisioningStatusInfo: { status: "failure", errorInformation: { errorCode: "SystemForCrossDomainIdentityManagementBadRequest", reason: "The SCIM endpoint answered 400.", recommendedAction: "Check the attribute mapping of emails." } },
      provisioningSteps: [{ name: "EntryImport", provisioningStepType: "import", status: "success", description: "Retrieved the user", details: {} }, { name: "EntryExport", provisioningStepType: "export", status: "failure", description: "Export failed" }],
      modifiedProperties: [{ displayName: "emails[type eq \"work\"].value", oldValue: "a@x", newValue: "b@x" }],
      sourceIdentity: { id: "src-0", displayName: "User 0", identityType: "User" },
      targetIdentity: { id: null, displayName: "user0@contoso.com" },
      sourceSystem: { displayName: "Microsoft Entra ID" },
      targetSystem: { displayName: "Acme" },
    });
    b.handlers.export_logs = (a) => ({ path: String(a.path), rows: 11 });
    b.handlers["plugin:dialog|save"] = (a) => `/home/admin/Documents/${String((a.options as { defaultPath: string }).defaultPath)}`;
    await openLogs();
    await screen.findByRole("table", { name: "Provisioning events, newest first" });
    // jsdom: the fallback viewport shows every loaded row, so the end is reached at once.
    await waitFor(() => expect(b.last("query_logs")!.args).toMatchObject({ id: "c1", cursor: "p2", limit: 200 }));
    await screen.findByText("user10@contoso.com");
    expect(screen.getByText(/End of the log · 11 events/)).toBeTruthy();

    // A click anywhere on the row opens it (here: its time cell).
    const row0 = screen.getByRole("row", { name: /user0@contoso\.com,.*open details/ });
    fireEvent.click(within(row0).getAllByRole("cell")[0]!);
    const drawer = await screen.findByRole("dialog", { name: /Update · user0@contoso.com/ });
    await within(drawer).findByText("The SCIM endpoint answered 400.");
    expect(within(drawer).getByText("Check the attribute mapping of emails.")).toBeTruthy();
    expect(within(drawer).getByText("EntryExport")).toBeTruthy();
    expect(within(drawer).getByText("a@x")).toBeTruthy();
    expect(within(drawer).getByText("b@x")).toBeTruthy();
    expect(within(drawer).getByText("Microsoft Entra ID")).toBeTruthy();
    expect(b.last("event_detail")!.args).toEqual({ id: "c1", eventId: "ev-0", activityMs: Date.UTC(2026, 10, 20, 10, 0) });
    fireEvent.keyDown(drawer, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());

    fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    const toasts = screen.getByRole("status", { name: "Notifications" });
    await within(toasts).findByText("Exported 11 rows as CSV");
    const options = b.last("plugin:dialog|save")!.args.options as { defaultPath: string; filters: { extensions: string[] }[] };
    expect(options.defaultPath).toMatch(/^scimwatch-Contoso___Acme-logs-\d{8}-\d{6}\.csv$/);
    expect(options.filters[0]!.extensions).toEqual(["csv"]);
    expect(b.last("export_logs")!.args).toMatchObject({ id: "c1", format: "csv", path: `/home/admin/Documents/${options.defaultPath}` });
    expect(toasts.textContent).toContain(`/home/admin/Documents/${options.defaultPath}`);
    fireEvent.click(screen.getByRole("button", { name: "Show in folder" }));
    await waitFor(() => expect(b.last("reveal_export")!.args).toEqual({ path: `/home/admin/Documents/${options.defaultPath}` }));
  });

  test("Enter or Space on a focused row opens the drawer; one tab stop, arrows move", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.query_logs = () => ({ items: [eventRow(0), eventRow(1)], next_cursor: null });
    b.handlers.event_detail = () => ({ provisioningAction: "create" });
    await openLogs();
    const rows = await screen.findAllByRole("row", { name: /open details/ });
    expect(rows.map((r) => r.getAttribute("tabindex"))).toEqual(["0", "-1"]);
    expect(rows[0]!.getAttribute("aria-haspopup")).toBe("dialog");
    rows[0]!.focus();
    fireEvent.keyDown(rows[0]!, { key: "ArrowDown" });
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByRole("row", { name: /open details/ })[1]));
    fireEvent.keyDown(document.activeElement!, { key: "Enter" });
    const drawer = await screen.findByRole("dialog", { name: /user1@contoso.com/ });
    fireEvent.keyDown(drawer, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const first = screen.getAllByRole("row", { name: /open details/ })[0]!;
    fireEvent.keyDown(first, { key: " " });
    await screen.findByRole("dialog", { name: /user0@contoso.com/ });
  });

  test("cancelling the save dialog exports nothing and says nothing", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.query_logs = () => ({ items: [eventRow(0)], next_cursor: null });
    await openLogs();
    await screen.findAllByRole("row", { name: /open details/ });
    fireEvent.click(screen.getByRole("button", { name: "Export JSON" }));
    await waitFor(() => expect(b.count("plugin:dialog|save")).toBe(1));
    await waitFor(() => expect((screen.getByRole("button", { name: "Export JSON" }) as HTMLButtonElement).disabled).toBe(false));
    expect(b.count("export_logs")).toBe(0);
    expect(screen.queryByRole("button", { name: "Show in folder" })).toBeNull();
    expect(screen.getByRole("status", { name: "Notifications" }).textContent).not.toContain("Export");
    expect((b.last("plugin:dialog|save")!.args.options as { filters: { extensions: string[] }[] }).filters[0]!.extensions).toEqual(["jsonl"]);
  });

  test("filters are validated with specific messages, then sent", async () => {
    const b = fakeBackend([connection()]);
    await openLogs();
    await screen.findByText("No provisioning logs stored yet");
    fireEvent.change(screen.getByLabelText("Time range"), { target: { value: "custom" } });
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-20T10:00" } });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-11-20T09:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    expect(await screen.findByText("From must be before To.")).toBeTruthy();
    expect(screen.getByLabelText("To").getAttribute("aria-invalid")).toBe("true");
    const before = b.count("query_logs");
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-11-20T11:00" } });
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failure" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(b.count("query_logs")).toBe(before + 1));
    const f = (b.last("query_logs")!.args as { filter: Record<string, unknown> }).filter;
    expect(f.status).toBe("failure");
    expect(f.since_ms).toBe(new Date("2026-11-20T10:00").getTime());
    expect(f.until_ms).toBe(new Date("2026-11-20T11:00").getTime());
    await screen.findByText("No event matches these filters");
  });

  test("logs_available false says Entra ID P1/P2 is needed", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport({ logs_available: false });
    await openLogs();
    expect(await screen.findByText("Logs need Entra ID P1/P2")).toBeTruthy();
  });

  test("errors show their kind with a retry", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.query_logs = () => {
      throw { kind: "storage", message: "database is locked", fields: [] };
    };
    await openLogs();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The local database failed");
  });
});

describe("filters in the address", () => {
  type Filter = Record<string, unknown>;
  const lastFilter = (b: ReturnType<typeof fakeBackend>) => (b.last("query_logs")!.args as { filter: Filter }).filter;

  test("the query string and the form map both ways", () => {
    const q = new URLSearchParams("status=failure&action=bogus&range=custom&from=2026-11-20T09:00:00.000Z&cycle=cyc-1");
    const d = draftFromQuery(q);
    expect(d).toMatchObject({ status: "failure", action: "", range: "custom", cycle: "cyc-1", code: "", to: "" });
    expect(new Date(d.from).toISOString()).toBe("2026-11-20T09:00:00.000Z");
    expect(queryFromDraft(d)).toMatchObject({ status: "failure", action: "", range: "custom", from: "2026-11-20T09:00:00.000Z", to: null, cycle: "cyc-1" });
    // A preset keeps no dates; "any time" is no parameter at all.
    expect(queryFromDraft({ ...d, range: "24h" })).toMatchObject({ range: "24h", from: null, to: null });
    expect(queryFromDraft(EMPTY_DRAFT).range).toBeNull();
    expect(draftFromQuery(new URLSearchParams("range=forever")).range).toBe("any");
  });

  test("Apply writes the filters into the address, and Back goes to the previous ones", async () => {
    const b = fakeBackend([connection()]);
    await openLogs();
    await screen.findByText("No provisioning logs stored yet");
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failure" } });
    fireEvent.change(screen.getByLabelText("Action"), { target: { value: "create" } });
    fireEvent.change(screen.getByLabelText("Time range"), { target: { value: "24h" } });
    fireEvent.change(screen.getByLabelText("Cycle ID"), { target: { value: " cyc-1 " } });
    fireEvent.change(screen.getByLabelText("Error code"), { target: { value: "E1" } });
    fireEvent.change(screen.getByLabelText("User or group"), { target: { value: " Ada Lovelace " } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(window.location.hash).toBe("#/logs/c1?status=failure&action=create&range=24h&cycle=cyc-1&code=E1&who=Ada+Lovelace"),
    );
    await waitFor(() =>
      expect(lastFilter(b)).toMatchObject({
        status: "failure",
        action: "create",
        cycle_id: "cyc-1",
        error_code: "E1",
        identity: "Ada Lovelace",
      }),
    );
    expect(typeof lastFilter(b).since_ms).toBe("number");
    await screen.findByText("No event matches these filters");

    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "skipped" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(lastFilter(b).status).toBe("skipped"));

    // Back: the address goes back, and so do the form and the query.
    window.history.back();
    await waitFor(() => expect(lastFilter(b).status).toBe("failure"));
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("failure");
    expect((screen.getByLabelText("Cycle ID") as HTMLInputElement).value).toBe("cyc-1");
    expect((screen.getByLabelText("User or group") as HTMLInputElement).value).toBe("Ada Lovelace");

    // Clear empties the address and the form.
    fireEvent.click(screen.getByRole("button", { name: "Clear" }));
    await waitFor(() => expect(window.location.hash).toBe("#/logs/c1"));
    await waitFor(() => expect(lastFilter(b)).toEqual({ status: null, action: null, since_ms: null, until_ms: null, cycle_id: null, error_code: null, identity: null }));
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("");
  });

  test("a reloaded or shared link opens with its filters, a custom range included", async () => {
    const b = fakeBackend([connection()]);
    window.location.hash = "#/logs/c1?status=failure&range=custom&from=2026-11-20T09:00:00.000Z&to=2026-11-20T11:30:00.000Z&code=SystemForCrossDomainIdentityManagementBadRequest";
    render(<App />);
    await screen.findByText("No event matches these filters");
    expect(lastFilter(b)).toEqual({
      status: "failure",
      action: null,
      since_ms: Date.UTC(2026, 10, 20, 9, 0),
      until_ms: Date.UTC(2026, 10, 20, 11, 30),
      cycle_id: null,
      error_code: "SystemForCrossDomainIdentityManagementBadRequest",
      identity: null,
    });
    expect((screen.getByLabelText("Time range") as HTMLSelectElement).value).toBe("custom");
    expect(new Date((screen.getByLabelText("From") as HTMLInputElement).value).getTime()).toBe(Date.UTC(2026, 10, 20, 9, 0));
    expect(b.count("query_logs")).toBe(1);
  });

  test("a link with an unusable filter explains it and loads nothing", async () => {
    const b = fakeBackend([connection()]);
    window.location.hash = "#/logs/c1?cycle=a%20b&status=nonsense";
    render(<App />);
    expect(await screen.findByText(/A cycle ID has no spaces/)).toBeTruthy();
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("");
    expect(b.count("query_logs")).toBe(0);
  });
});
