import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, test } from "vitest";
import {
  confirmStep,
  demoStatus,
  eventDetail,
  exportLogs,
  jobStatus,
  listCycles,
  mappingsView,
  onIncidentsChanged,
  onOpenIncident,
  onPollEvent,
  pollNow,
  queryLogs,
  runChecklist,
  setDemoFault,
  startDemo,
} from "./ipc";
import { EMPTY_FILTER } from "../screens/LogsScreen";

describe("monitoring wrappers", () => {
  test("each command is invoked by name with the documented argument keys", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return null;
    });
    await jobStatus("c1");
    await pollNow(null);
    await pollNow("c1");
    await listCycles("c1");
    await queryLogs("c1", EMPTY_FILTER, "cur", 50);
    await eventDetail("c1", "ev-1", 1764320400000);
    await exportLogs("c1", EMPTY_FILTER, "csv");
    await mappingsView("c1");
    await runChecklist("c1");
    await confirmStep("c1", "token");
    await demoStatus();
    await startDemo();
    await setDemoFault("quarantine");
    await setDemoFault(null);
    expect(calls).toEqual([
      { cmd: "job_status", args: { id: "c1" } },
      { cmd: "poll_now", args: { id: null } },
      { cmd: "poll_now", args: { id: "c1" } },
      { cmd: "list_cycles", args: { id: "c1" } },
      { cmd: "query_logs", args: { id: "c1", filter: EMPTY_FILTER, cursor: "cur", limit: 50 } },
      { cmd: "event_detail", args: { id: "c1", eventId: "ev-1", activityMs: 1764320400000 } },
      { cmd: "export_logs", args: { id: "c1", filter: EMPTY_FILTER, format: "csv" } },
      { cmd: "mappings_view", args: { id: "c1" } },
      { cmd: "run_checklist", args: { id: "c1" } },
      { cmd: "confirm_step", args: { id: "c1", step: "token" } },
      { cmd: "demo_status", args: {} },
      { cmd: "start_demo", args: {} },
      { cmd: "set_demo_fault", args: { kind: "quarantine" } },
      { cmd: "set_demo_fault", args: { kind: null } },
    ]);
  });

  test("rejections arrive as CommandError", async () => {
    mockIPC(() => {
      throw { kind: "not_found", message: "no Entra side", fields: [] };
    });
    await expect(jobStatus("c1")).rejects.toEqual({ kind: "not_found", message: "no Entra side", fields: [] });
  });

  test("event helpers deliver payloads and stop listening", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: unknown[] = [];
    const stops = await Promise.all([
      onIncidentsChanged((ids) => seen.push(["incidents", ids])),
      onPollEvent((e) => seen.push(["poll", e.type, e.connection])),
      onOpenIncident((n) => seen.push(["open", n.connection_id])),
    ]);
    await emit("incidents-changed", ["c1"]);
    await emit("poll-event", { type: "cycle_completed", connection: "c1", ended_ms: 1 });
    await emit("open-incident", { summary: "s", body: "b", severity: "critical", connection_id: "c2", incident_kind: "quarantine" });
    expect(seen).toEqual([
      ["incidents", ["c1"]],
      ["poll", "cycle_completed", "c1"],
      ["open", "c2"],
    ]);
    stops.forEach((s) => s());
    await emit("incidents-changed", ["c9"]);
    expect(seen).toHaveLength(3);
  });
});
