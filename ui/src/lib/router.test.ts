import { describe, expect, test } from "vitest";
import { href, hrefWithQuery, parseHash } from "./router";

describe("router", () => {
  test("parses the screen, the rest and the query", () => {
    const r = parseHash("#/logs/c%201?status=failure&cycle=abc-1");
    expect(r.screen).toBe("logs");
    expect(r.rest).toEqual(["c 1"]);
    expect(r.query.get("status")).toBe("failure");
    expect(r.query.get("cycle")).toBe("abc-1");
    expect(parseHash("#/connections/new").query.toString()).toBe("");
    expect(parseHash("#/nowhere?x=1")).toMatchObject({ screen: "overview", rest: [] });
    expect(parseHash("")).toMatchObject({ screen: "overview", rest: [] });
  });

  test("builds links with a query, leaving empty values out", () => {
    expect(hrefWithQuery("logs", ["c1"], { status: "failure", action: "", code: null, cycle: undefined })).toBe("#/logs/c1?status=failure");
    expect(hrefWithQuery("logs", ["c1"], {})).toBe(href("logs", "c1"));
    const round = parseHash(hrefWithQuery("logs", ["c1"], { code: "A&B=C", from: "2026-11-20T09:00:00.000Z" }));
    expect(round.query.get("code")).toBe("A&B=C");
    expect(round.query.get("from")).toBe("2026-11-20T09:00:00.000Z");
  });
});
