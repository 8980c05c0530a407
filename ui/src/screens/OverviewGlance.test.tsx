// The Overview at a glance (issue 18, item 4): the open problem named, what
// is provisioned, the cycle kind and progress, steady state, an overdue next
// cycle, a refused token, and one date style with UTC in the tooltip.
import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection, healthyReport, incident, jobGlance, tokenStatus } from "../test/fixtures";

async function card(name: string) {
  const list = await screen.findByRole("list", { name: "Connections" });
  const article = within(list).getByRole("article", { name: name });
  await waitFor(() => expect(article.getAttribute("aria-busy")).toBeNull());
  return article;
}

describe("Overview at a glance", () => {
  test("names the open warning", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.list_incidents = () => [incident({ kind: "groups_mapping_disabled", title: "Groups mapping disabled" })];
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText("1 open warning: groups mapping disabled.")).toBeTruthy();
  });

  test("users and groups provisioned, incremental cycles, steady state", async () => {
    const b = fakeBackend([connection()]);
    const steady = new Date(Date.now() - 12 * 60_000).toISOString();
    b.handlers.job_status = () =>
      healthyReport({
        glance: jobGlance({ users_provisioned: 1264, groups_provisioned: 4, cycle_kind: "incremental", steady_state_last: steady, steady_state_known: true }),
      });
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText(/1,264 users · 4 groups/)).toBeTruthy();
    expect(within(c).getByText("Incremental cycles")).toBeTruthy();
    expect(within(c).getByText("Steady state")).toBeTruthy();
    expect(within(c).getByText(/Reached/).textContent).toMatch(/12 min ago/);
  });

  test("the initial cycle with its progress, steady state not reached; counts Entra did not send are not claimed", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () =>
      healthyReport({
        glance: jobGlance({ cycle_kind: "initial", progress_completed: 30, progress_total: 46, progress_units: "objects", steady_state_known: true }),
      });
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText("Initial cycle")).toBeTruthy();
    expect(within(c).getByText(/30 of 46 objects \(65 %\)/)).toBeTruthy();
    expect(within(c).getByText("Not reached yet")).toBeTruthy();
    expect(within(c).getByText("Not reported by Entra")).toBeTruthy();
  });

  test("a next cycle already past reads overdue", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport({ next_expected: new Date(Date.now() - 7 * 60_000).toISOString() });
    render(<App />);
    const c = await card("Contoso → Acme");
    expect(within(c).getByText(/overdue by 7 min/)).toBeTruthy();
    expect(within(c).queryByText(/7 min ago/)).toBeNull();
  });

  test("a refused token reads Refused, not its expiry", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.job_status = () => healthyReport();
    b.handlers.token_status = () => tokenStatus({ last_check_verdict: "unauthorized", days_left: 23 });
    render(<App />);
    const c = await card("Contoso → Acme");
    await waitFor(() => expect(within(c).getByText("Refused")).toBeTruthy());
    expect(within(c).queryByText("23 days left")).toBeNull();
  });

  test("one date style: local time with a relative hint, UTC in the tooltip", async () => {
    const b = fakeBackend([connection()]);
    const ended = "2026-12-06T21:09:17Z";
    b.handlers.job_status = () => healthyReport({ last_cycle_ended: ended });
    render(<App />);
    const c = await card("Contoso → Acme");
    const t = c.querySelector(`time[datetime="${ended}"]`)!;
    expect(t.getAttribute("title")).toBe("2026-12-06 21:09:17 UTC");
    expect(t.textContent).not.toContain("2026-12-06T21:09:17Z");
    expect(t.textContent).toMatch(/\d{2}:\d{2}/);
    expect(t.textContent).not.toMatch(/AM|PM/);
    expect(t.textContent).toMatch(/ · /);
  });

  test("the empty Overview offers the demo tenant", async () => {
    fakeBackend([]);
    render(<App />);
    expect(await screen.findByRole("button", { name: "Open the demo tenant" })).toBeTruthy();
  });
});
