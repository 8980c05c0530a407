import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../../App";
import type { Connection } from "../../bindings/Connection";
import type { TenantSummary } from "../../bindings/TenantSummary";
import { fakeBackend } from "../../test/backend";
import { connection, statusReport } from "../../test/fixtures";

const tenant = connection({
  id: "t1",
  name: "Contoso",
  scim: null,
  group: { role: "tenant", tenant_id: "t1", tenant_name: "Contoso", retired: null, retired_at: null },
});

function app(id: string, name: string): Connection {
  return connection({
    id,
    name: `Contoso / ${name}`,
    scim: null,
    group: { role: "app", tenant_id: "t1", tenant_name: "Contoso", retired: null, retired_at: null },
  });
}

function summary(over: Partial<TenantSummary> = {}): TenantSummary {
  return {
    apps: [],
    watched: 0,
    in_trouble: 0,
    retired: 0,
    budget_per_hour: 1200,
    planned_per_hour: 16,
    steady_every_minutes: 10,
    trouble_every_minutes: 2,
    config_every_minutes: 30,
    ...over,
  };
}

async function card(name: string) {
  const list = await screen.findByRole("list", { name: "Connections" });
  const article = within(list).getByRole("article", { name });
  await waitFor(() => expect(article.getAttribute("aria-busy")).toBeNull());
  return article;
}

describe("an all-apps tenant on the Overview", () => {
  test("its card names the apps worst first, the ones needing attention and the Graph budget — not a job of its own", async () => {
    const hr = app("a1", "HR");
    const wiki = app("a2", "Wiki");
    const b = fakeBackend([tenant, wiki, hr]);
    // The tenant row has no job: a status report with nothing read.
    b.handlers.job_status = () => statusReport();
    b.handlers.tenant_summary = (a) =>
      a.tenant === "t1"
        ? summary({
            apps: [
              { connection: wiki, rank: 0, state: "quarantined (EncounteredQuarantineException)" },
              { connection: hr, rank: 6, state: "active" },
            ],
            watched: 2,
            in_trouble: 1,
            planned_per_hour: 52,
          })
        : null;
    window.location.hash = "#/overview";
    render(<App />);
    const c = await card("Contoso");
    expect(within(c).getByText("Problem")).toBeTruthy();
    expect(within(c).getByText("1 app in quarantine: Contoso / Wiki.")).toBeTruthy();
    const apps = within(c).getByRole("list", { name: "Apps, worst first" });
    const names = within(apps)
      .getAllByRole("link")
      .map((l) => l.textContent);
    expect(names).toEqual(["Contoso / Wiki", "Contoso / HR"]);
    expect(within(c).getByText(/52 of 1200 requests an hour/)).toBeTruthy();
    expect(within(c).getByText(/jobs in trouble every 2 min, steady every 10 min/)).toBeTruthy();
    // Job facts belong to the apps' own cards, never the tenant's.
    expect(within(c).queryByText("Last cycle")).toBeNull();
  });

  test("never healthy while an app's job is unread; healthy only when every app is read and steady", async () => {
    const hr = app("a1", "HR");
    const b = fakeBackend([tenant, hr]);
    b.handlers.job_status = () => statusReport();
    b.handlers.tenant_summary = () =>
      summary({ apps: [{ connection: hr, rank: 4, state: "not read yet" }], watched: 1, in_trouble: 1 });
    window.location.hash = "#/overview";
    const { unmount } = render(<App />);
    let c = await card("Contoso");
    expect(within(c).getByText("Not polled yet")).toBeTruthy();
    expect(within(c).getByText("1 app found; no job read yet.")).toBeTruthy();
    unmount();

    b.handlers.tenant_summary = () => summary({ apps: [{ connection: hr, rank: 6, state: "active" }], watched: 1 });
    render(<App />);
    c = await card("Contoso");
    expect(within(c).getByText("Healthy")).toBeTruthy();
  });

  test("a tenant with no app found yet says so", async () => {
    const b = fakeBackend([tenant]);
    b.handlers.job_status = () => statusReport();
    b.handlers.tenant_summary = () => summary();
    window.location.hash = "#/overview";
    render(<App />);
    const c = await card("Contoso");
    expect(within(c).getByText("No app yet")).toBeTruthy();
  });
});
