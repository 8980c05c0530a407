import { describe, expect, test } from "vitest";
import {
  expiryLevel,
  expiryPhrase,
  expiryToDateInput,
  formatExpiryDate,
  formatLocalDateTime,
  formatRelative,
  formatUtc,
  overdueText,
  splitTimes,
} from "./time";

const now = new Date("2026-11-28T12:00:00Z");
const at = (ms: number) => new Date(now.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("formatRelative", () => {
  test.each([
    [at(-10_000), "just now"],
    [at(20_000), "just now"],
    [at(-12 * MIN), "12 min ago"],
    [at(-1 * MIN), "1 min ago"],
    [at(5 * MIN), "in 5 min"],
    [at(-3 * HOUR), "3 hours ago"],
    [at(1 * HOUR), "in 1 hour"],
    [at(-1 * DAY), "yesterday"],
    [at(1 * DAY), "tomorrow"],
    [at(23 * DAY), "in 23 days"],
    [at(-40 * DAY), "40 days ago"],
    [at(90 * DAY), "in 3 months"],
    [at(-800 * DAY), "2 years ago"],
  ])("%s → %s", (when, text) => {
    expect(formatRelative(when, now)).toBe(text);
  });

  test("accepts RFC 3339 strings and ignores garbage", () => {
    expect(formatRelative("2026-11-28T11:48:00Z", now)).toBe("12 min ago");
    expect(formatRelative("not a date", now)).toBe("");
  });
});

describe("token expiry", () => {
  test("levels", () => {
    expect(expiryLevel(at(60 * DAY).toISOString(), now)).toBe("ok");
    expect(expiryLevel(at(20 * DAY).toISOString(), now)).toBe("soon");
    expect(expiryLevel(at(3 * DAY).toISOString(), now)).toBe("urgent");
    expect(expiryLevel(at(-1 * HOUR).toISOString(), now)).toBe("expired");
  });

  test("phrases", () => {
    expect(expiryPhrase(at(23 * DAY).toISOString(), now)).toBe("expires in 23 days");
    expect(expiryPhrase(at(-3 * DAY).toISOString(), now)).toBe("expired 3 days ago");
  });

  test("a typed date (end of the UTC day) round-trips to the date input", () => {
    expect(expiryToDateInput("2027-03-31T23:59:59Z")).toBe("2027-03-31");
    expect(expiryToDateInput(null)).toBe("");
    expect(formatExpiryDate("2027-03-31T23:59:59Z")).toContain("2027");
    expect(formatExpiryDate("2027-03-31T23:59:59Z")).toMatch(/31/);
  });
});

describe("one date style", () => {
  test("local 24-hour time, UTC for tooltips, overdue for a past expectation", () => {
    expect(formatLocalDateTime("2026-12-06T21:09:17Z")).not.toMatch(/AM|PM/);
    expect(formatUtc("2026-12-06T21:09:17Z")).toBe("2026-12-06 21:09:17 UTC");
    expect(overdueText(at(-7 * MIN), now)).toBe("overdue by 7 min");
    expect(overdueText(at(5 * MIN), now)).toBeNull();
    expect(overdueText(at(-2 * HOUR), now)).toBe("overdue by 2 hours");
  });

  test("RFC 3339 times quoted in server text are found; nothing else is guessed to be a time", () => {
    expect(splitTimes("Last cycle ended at 2026-11-28T11:50:00Z, fine")).toEqual([
      { text: "Last cycle ended at " },
      { iso: "2026-11-28T11:50:00.000Z" },
      { text: ", fine" },
    ]);
    expect(splitTimes("HTTP 401 at 2026-11-28T13:50:00+02:00")).toEqual([{ text: "HTTP 401 at " }, { iso: "2026-11-28T11:50:00.000Z" }]);
    // An estimate is a typed evidence value now: its text is no longer read as a time.
    expect(splitTimes("~13:05 UTC+01:00 (overdue by 5 min)")).toEqual([{ text: "~13:05 UTC+01:00 (overdue by 5 min)" }]);
    expect(splitTimes("no time here")).toEqual([{ text: "no time here" }]);
  });
});
