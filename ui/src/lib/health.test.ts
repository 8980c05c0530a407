import { describe, expect, test } from "vitest";
import { healthyReport, incident, statusReport } from "../test/fixtures";
import { barTotal, cycleBar, deriveHealth } from "./health";

describe("cycleBar", () => {
  test("derives created/updated/deleted/failed/skipped from {action: {status: count}}", () => {
    const bar = cycleBar({
      create: { success: 3, failure: 1 },
      update: { success: 10, skipped: 4 },
      delete: { success: 2 },
      disable: { success: 1, failure: 2 },
      stagedDelete: { success: 5 },
      other: { skipped: 6, warning: 1 },
    });
    expect(bar).toEqual({ created: 3, updated: 10, deleted: 3, failed: 3, skipped: 10, other: 6 });
    expect(barTotal(bar)).toBe(35);
  });

  test("an empty cycle is all zeros", () => {
    expect(barTotal(cycleBar({}))).toBe(0);
  });
});

describe("deriveHealth", () => {
  test("healthy only when the job was read and nothing is open", () => {
    expect(deriveHealth(healthyReport(), [], null).level).toBe("healthy");
    expect(deriveHealth(statusReport(), [], null).level).toBe("not_polled");
  });
  test("quarantine and stall are problems", () => {
    expect(deriveHealth(healthyReport({ quarantine: { reason: "x", error_code: null, error_message: null, error_source: null, since: null, next_attempt: null, days_left: 3 } }), [], null).level).toBe("problem");
    expect(deriveHealth(healthyReport({ stalled: true }), [], null).level).toBe("problem");
  });
  test("blind when Graph cannot be read", () => {
    expect(deriveHealth(healthyReport({ graph: "blind", blind_reason: "403" }), [], null).level).toBe("blind");
  });
  test("open incidents make it a problem; SCIM-only health comes from the last check", () => {
    expect(deriveHealth(healthyReport(), [incident({ severity: "critical" })], null).level).toBe("problem");
    expect(deriveHealth(healthyReport(), [incident()], null).level).toBe("attention");
    expect(deriveHealth(null, [], true).level).toBe("healthy");
    expect(deriveHealth(null, [], false).level).toBe("not_polled");
  });
});
