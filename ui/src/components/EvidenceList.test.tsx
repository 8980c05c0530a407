import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, test, vi } from "vitest";
import type { Evidence } from "../bindings/Evidence";
import { evidenceText, formatDurationWords } from "../lib/evidence";
import { formatLocalDateTime, formatUtc } from "../lib/time";
import { EvidenceList } from "./EvidenceList";

const now = new Date("2026-11-28T12:10:00Z");

const all: Evidence[] = [
  { label: "Message", value: { kind: "text", value: "the SaaS answered `invalidFilter`" } },
  { label: "Checked at", value: { kind: "time", value: "2026-11-28T11:50:00Z" } },
  { label: "Next cycle expected at", value: { kind: "estimate", value: { at: "2026-11-28T12:05:00Z", utc_offset_minutes: 60, overdue_seconds: 300 } } },
  { label: "Users in scope", value: { kind: "count", value: 1280 } },
  { label: "Running for", value: { kind: "duration", value: { seconds: 7500 } } },
  { label: "HTTP status", value: { kind: "code", value: "401" } },
  { label: "Tenant URL in Entra", value: { kind: "link", value: { url: "https://acme.example/scim", text: "https://acme.example/scim" } } },
];

function row(label: string): HTMLElement {
  return screen.getByText(label, { selector: "dt" }).closest(".evidence-row") as HTMLElement;
}

describe("EvidenceList", () => {
  test("renders each kind of value by its type, not by guessing from text", () => {
    render(<EvidenceList evidence={all} now={now} />);
    // Text: rich text, selectable, backticks as code.
    const text = row("Message").querySelector("dd")!;
    expect(text.className).toBe("selectable");
    expect(text.querySelector("code")?.textContent).toBe("invalidFilter");

    // Time: the one date style, local, with the UTC time as the tooltip and a relative hint.
    const time = row("Checked at").querySelector("time")!;
    expect(time.getAttribute("dateTime")).toBe("2026-11-28T11:50:00Z");
    expect(time.getAttribute("title")).toBe(formatUtc("2026-11-28T11:50:00Z"));
    expect(time.textContent).toBe(`${formatLocalDateTime("2026-11-28T11:50:00Z")} · 20 min ago`);

    // Estimate: "~" and local time; past, so overdue as of now.
    const est = row("Next cycle expected at").querySelector("time")!;
    expect(est.getAttribute("title")).toBe(formatUtc("2026-11-28T12:05:00Z"));
    expect(est.textContent).toBe(`~${formatLocalDateTime("2026-11-28T12:05:00Z")} · overdue by 5 min`);

    expect(row("Users in scope").querySelector("dd")!.textContent).toBe((1280).toLocaleString());
    expect(row("Running for").querySelector("dd")!.textContent).toBe("2 h 05 min");

    // Code: monospace.
    const code = row("HTTP status").querySelector("dd code");
    expect(code?.textContent).toBe("401");

    // Link: the URL, monospace and selectable, with a copy button.
    const link = row("Tenant URL in Entra");
    expect(link.querySelector(".mono")?.textContent).toBe("https://acme.example/scim");
    expect(link.querySelector("dd")!.className).toBe("selectable");
    expect(link.querySelector("button")?.textContent).toContain("Copy link");
  });

  test("a link's copy button copies its URL", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<EvidenceList evidence={[{ label: "Portal", value: { kind: "link", value: { url: "https://portal.example/x", text: "the app" } } }]} now={now} />);
    expect(row("Portal").querySelector(".mono")?.textContent).toBe("the app");
    fireEvent.click(screen.getByRole("button", { name: /Copy link/ }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("https://portal.example/x"));
  });

  test("frozen evidence (a resolved incident) carries no relative hint; an estimate keeps how late it was", () => {
    render(<EvidenceList evidence={all} now={new Date("2026-12-05T00:00:00Z")} frozen />);
    expect(row("Checked at").querySelector("time")!.textContent).toBe(formatLocalDateTime("2026-11-28T11:50:00Z"));
    expect(row("Next cycle expected at").querySelector("time")!.textContent).toBe(`~${formatLocalDateTime("2026-11-28T12:05:00Z")} · overdue by 5 min`);
  });

  test("an estimate still ahead shows how far ahead", () => {
    const ahead: Evidence = { label: "Expected to end by", value: { kind: "estimate", value: { at: "2026-11-28T14:10:00Z", utc_offset_minutes: 0, overdue_seconds: null } } };
    render(<EvidenceList evidence={[ahead]} now={now} />);
    expect(row("Expected to end by").querySelector("time")!.textContent).toBe(`~${formatLocalDateTime("2026-11-28T14:10:00Z")} · in 2 hours`);
  });
});

describe("evidenceText", () => {
  test("gives the text the Rust side's Display gives (CLI, notifications, reports)", () => {
    expect(all.map((e) => evidenceText(e.value))).toEqual([
      "the SaaS answered `invalidFilter`",
      "2026-11-28T11:50:00Z",
      "~13:05 UTC+01:00 (overdue by 5 min)",
      "1280",
      "2 h 05 min",
      "401",
      "https://acme.example/scim",
    ]);
    expect(evidenceText({ kind: "estimate", value: { at: "2026-11-28T00:30:00Z", utc_offset_minutes: -90, overdue_seconds: null } })).toBe("~23:00 UTC-01:30");
    expect(evidenceText({ kind: "link", value: { url: "https://portal.example/x", text: "the app" } })).toBe("the app (https://portal.example/x)");
  });

  test("durations in words", () => {
    expect(formatDurationWords(20)).toBe("less than a minute");
    expect(formatDurationWords(45 * 60)).toBe("45 min");
    expect(formatDurationWords(3 * 86_400 + 4 * 3_600 + 59)).toBe("3 d 4 h");
  });
});
