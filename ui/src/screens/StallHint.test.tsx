import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection } from "../test/fixtures";
import { formatMinutes, stallLines } from "./StallHint";

describe("the stall limit from the job's real interval", () => {
  test("k × each job's interval, named by connection; unknown until a job is read", () => {
    expect(formatMinutes(40)).toBe("40 min");
    expect(formatMinutes(120)).toBe("2 h");
    expect(formatMinutes(90)).toBe("1 h 30 min");
    expect(formatMinutes(3 * 1440 + 60)).toBe("3 days 1 h");
    expect(stallLines(3, [{ connection: "Demo", intervalMinutes: 40, read: true }])).toEqual([
      "A job is stalled when no cycle completed within 3 × its schedule interval.",
      "Demo: 3 × 40 min (its job's interval) = 2 h.",
    ]);
    expect(stallLines(4, [{ connection: "Acme", intervalMinutes: 20, read: true }, { connection: "New", intervalMinutes: null, read: false }])).toEqual([
      "A job is stalled when no cycle completed within 4 × its schedule interval.",
      "Acme: 4 × 20 min (its job's interval) = 1 h 20 min.",
      "New: unknown until the job is read.",
    ]);
    // Never a made-up number.
    expect(stallLines(3, [{ connection: "New", intervalMinutes: null, read: false }])).toEqual([
      "A job is stalled when no cycle completed within 3 × its schedule interval.",
      "No provisioning job has been read yet: the limit is unknown until the job is read.",
    ]);
    expect(stallLines(3, [])[1]).toBe("No connection reads a provisioning job yet: the limit is unknown until the job is read.");
    // A factor being typed: the rule without a product.
    expect(stallLines(null, [{ connection: "Demo", intervalMinutes: 40, read: true }])[1]).toBe("Demo: k × 40 min (its job's interval).");
  });

  test("Settings shows 3 × the demo job's 40 minutes, and follows the factor being edited", async () => {
    const b = fakeBackend([connection()]);
    const base = b.handlers.job_status!({ id: "c1" }) as Record<string, unknown>;
    b.handlers.job_status = () => ({ ...base, job_read_at: "2026-11-20T10:00:00Z", interval_minutes: 40 });
    window.location.hash = "#/settings";
    render(<App />);
    const input = (await screen.findByLabelText(/^Stalled after/)) as HTMLInputElement;
    const hint = document.getElementById(input.getAttribute("aria-describedby")!.split(" ").find((id) => id.endsWith("-hint"))!)!;
    await within(hint).findByText("Contoso → Acme: 3 × 40 min (its job's interval) = 2 h.");
    fireEvent.change(input, { target: { value: "5" } });
    await within(hint).findByText("Contoso → Acme: 5 × 40 min (its job's interval) = 3 h 20 min.");
    expect(hint.textContent).not.toMatch(/2 hours/);
  });

  test("before the job is read the hint says unknown, with no number", async () => {
    fakeBackend([connection()]);
    window.location.hash = "#/settings";
    render(<App />);
    await screen.findByText("No provisioning job has been read yet: the limit is unknown until the job is read.");
  });
});
