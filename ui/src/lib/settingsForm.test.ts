import { describe, expect, test } from "vitest";
import { DEFAULT_SETTINGS, clientChecks, formFromSettings, isDirty, toSettings } from "./settingsForm";

describe("settings form", () => {
  test("round-trips Settings, with empty quiet hours as null", () => {
    const s = { ...DEFAULT_SETTINGS, quiet_start: "22:00", quiet_end: "07:00", drift_threshold_pct: 2.5 };
    expect(toSettings(formFromSettings(s))).toEqual(s);
    expect(toSettings(formFromSettings(DEFAULT_SETTINGS))).toEqual(DEFAULT_SETTINGS);
    expect(clientChecks(formFromSettings(s))).toEqual([]);
  });

  test("checks ranges, whole numbers and both-or-neither quiet hours like the Rust side", () => {
    const f = {
      ...formFromSettings(DEFAULT_SETTINGS),
      job_poll_minutes: "61",
      crawl_hours: "0",
      stall_factor: "2.5",
      failure_rate_pct: "0.5",
      drift_threshold_pct: "0",
      retention_days: "",
      quiet_start: "22:00",
    };
    expect(clientChecks(f)).toEqual([
      { field: "job_poll_minutes", message: "must be between 1 and 60 minutes" },
      { field: "stall_factor", message: "enter a whole number" },
      { field: "failure_rate_pct", message: "must be between 1 and 100 %" },
      { field: "retention_days", message: "enter a number" },
      { field: "quiet_end", message: "set when quiet hours end too" },
    ]);
  });

  test("dirty compares numbers by value", () => {
    const f = formFromSettings(DEFAULT_SETTINGS);
    expect(isDirty(f, DEFAULT_SETTINGS)).toBe(false);
    expect(isDirty({ ...f, failure_rate_pct: "10.0" }, DEFAULT_SETTINGS)).toBe(false);
    expect(isDirty({ ...f, failure_rate_pct: "11" }, DEFAULT_SETTINGS)).toBe(true);
    expect(isDirty({ ...f, quiet_start: "01:00" }, DEFAULT_SETTINGS)).toBe(true);
  });
});
