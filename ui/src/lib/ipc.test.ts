import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, test } from "vitest";
import { connection } from "../test/fixtures";
import { addConnection, appInfo, isCommandError, listConnections, removeConnection, toCommandError, updateConnection } from "./ipc";
import { emptyForm, toPayload } from "./connectionForm";

describe("ipc wrappers", () => {
  test("each command is invoked by name with the documented argument keys", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    const c = connection();
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "list_connections":
          return [c];
        case "add_connection":
        case "update_connection":
          return { connection: c, notes: [] };
        case "remove_connection":
          return c;
        case "app_info":
          return { version: "0.1.0", data_dir: "/d", database: "/d/db", secret_store: "memory", dev_build: true };
      }
    });
    const { input, secrets } = toPayload({ ...emptyForm(), name: "x", scim_url: "https://a.example/scim" });

    expect(await listConnections()).toEqual([c]);
    expect((await addConnection(input, secrets)).connection).toEqual(c);
    await updateConnection("c1", input, secrets);
    expect(await removeConnection("c1")).toEqual(c);
    expect((await appInfo()).secret_store).toBe("memory");

    expect(calls.map((x) => x.cmd)).toEqual([
      "list_connections",
      "add_connection",
      "update_connection",
      "remove_connection",
      "app_info",
    ]);
    expect(calls[1]!.args).toEqual({ input, secrets });
    expect(calls[2]!.args).toEqual({ id: "c1", input, secrets });
    expect(calls[3]!.args).toEqual({ id: "c1" });
  });

  test("a CommandError rejection passes through unchanged", async () => {
    const err = { kind: "keychain", message: "the keychain is locked", fields: [] };
    mockIPC(() => {
      throw err;
    });
    await expect(listConnections()).rejects.toEqual(err);
  });

  test("anything else becomes an internal CommandError", async () => {
    mockIPC(() => {
      throw "command list_connections not found";
    });
    await expect(listConnections()).rejects.toEqual({
      kind: "internal",
      message: "command list_connections not found",
      fields: [],
    });
  });
});

describe("isCommandError", () => {
  test("accepts the Rust shape only", () => {
    expect(isCommandError({ kind: "validation", message: "m", fields: [{ field: "name", message: "x" }] })).toBe(true);
    expect(isCommandError({ kind: "nope", message: "m", fields: [] })).toBe(false);
    expect(isCommandError({ kind: "storage", message: "m" })).toBe(false);
    expect(isCommandError("storage")).toBe(false);
    expect(isCommandError(null)).toBe(false);
    expect(toCommandError(new Error("boom"))).toEqual({ kind: "internal", message: "boom", fields: [] });
  });
});

describe("outside the app", () => {
  test("without the Tauri bridge a command fails with a clear internal error", async () => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
    await expect(listConnections()).rejects.toMatchObject({ kind: "internal", fields: [] });
  });
});

describe("monitoring commands", () => {
  test("each wrapper sends the documented command and argument keys", async () => {
    const { checkHistory, latestCheck, testConnection, testNewToken, tokenStatus, startCrawl, cancelCrawl, listSnapshots, diffSnapshots, driftReport, scimCompliance, listIncidents, snoozeIncident, sendTestNotification } =
      await import("./ipc");
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return cmd === "cancel_crawl" ? true : null;
    });
    await tokenStatus("c1");
    await testConnection("c1");
    await testNewToken("c1", "tok");
    await checkHistory("c1");
    await latestCheck("c1");
    await startCrawl("c1");
    expect(await cancelCrawl("c1")).toBe(true);
    await listSnapshots("c1");
    await diffSnapshots("c1", 1, 2);
    await driftReport("c1");
    await scimCompliance("c1");
    await listIncidents(null, true);
    await snoozeIncident(BigInt(7), "2026-12-01");
    await snoozeIncident(7, null);
    await sendTestNotification();
    expect(calls).toEqual([
      { cmd: "token_status", args: { id: "c1" } },
      { cmd: "test_connection", args: { id: "c1" } },
      { cmd: "test_new_token", args: { id: "c1", token: "tok" } },
      { cmd: "check_history", args: { id: "c1" } },
      { cmd: "latest_check", args: { id: "c1" } },
      { cmd: "start_crawl", args: { id: "c1" } },
      { cmd: "cancel_crawl", args: { id: "c1" } },
      { cmd: "list_snapshots", args: { id: "c1" } },
      { cmd: "diff_snapshots", args: { id: "c1", a: 1, b: 2 } },
      { cmd: "drift_report", args: { id: "c1" } },
      { cmd: "scim_compliance", args: { id: "c1" } },
      { cmd: "list_incidents", args: { connection: null, activeOnly: true } },
      { cmd: "snooze_incident", args: { id: 7, until: "2026-12-01" } },
      { cmd: "snooze_incident", args: { id: 7, until: null } },
      { cmd: "send_test_notification", args: {} },
    ]);
  });

  test("a drift not_found rejection keeps its kind and message", async () => {
    const { driftReport } = await import("./ipc");
    mockIPC(() => {
      throw { kind: "not_found", message: "Entra assignments were not polled yet", fields: [] };
    });
    await expect(driftReport("c1")).rejects.toEqual({ kind: "not_found", message: "Entra assignments were not polled yet", fields: [] });
  });

  test("onCrawlProgress delivers payloads and stops after unlisten", async () => {
    const { onCrawlProgress } = await import("./ipc");
    const { emit } = await import("@tauri-apps/api/event");
    mockIPC(() => null, { shouldMockEvents: true });
    const got: unknown[] = [];
    const stop = await onCrawlProgress((e) => got.push(e));
    const payload = { connection_id: "c1", progress: { phase: "users", done: 10, total: null, in_flight: 2 } };
    await emit("crawl-progress", payload);
    expect(got).toEqual([payload]);
    stop();
    await new Promise((r) => setTimeout(r, 0));
    await emit("crawl-progress", payload);
    expect(got).toHaveLength(1);
  });
});

describe("settings commands", () => {
  test("get_settings takes nothing; save_settings sends the whole object and passes a validation error through", async () => {
    const { getSettings, saveSettings } = await import("./ipc");
    const { DEFAULT_SETTINGS } = await import("./settingsForm");
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "save_settings" && (args as { settings: { stall_factor: number } }).settings.stall_factor > 10) {
        throw { kind: "validation", message: "invalid", fields: [{ field: "stall_factor", message: "must be between 2 and 10 intervals" }] };
      }
      return cmd === "get_settings" ? DEFAULT_SETTINGS : (args as { settings: unknown }).settings;
    });
    expect(await getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(await saveSettings({ ...DEFAULT_SETTINGS, retention_days: 30 })).toEqual({ ...DEFAULT_SETTINGS, retention_days: 30 });
    await expect(saveSettings({ ...DEFAULT_SETTINGS, stall_factor: 11 })).rejects.toEqual({
      kind: "validation",
      message: "invalid",
      fields: [{ field: "stall_factor", message: "must be between 2 and 10 intervals" }],
    });
    expect(calls.map((c) => c.cmd)).toEqual(["get_settings", "save_settings", "save_settings"]);
    expect(calls[0]!.args).toEqual({});
    expect(calls[1]!.args).toEqual({ settings: { ...DEFAULT_SETTINGS, retention_days: 30 } });
  });
});
