// The per-user trace in the real window with the demo tenant (issue 18,
// "A per-user trace"): on the Overview, "Find a user" searches the demo's
// domain, lists the matching people, and tracing one shows the verdict, the
// assignment, the scope, the SaaS, the next cycle and their newest events,
// with the Logs filtered to them. Screenshot: target/e2e/trace-*.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEMO, session } from "./support.mjs";

const app = session("trace");
const { click, waitForPage } = app;
const shot = (name) => app.shot(name).catch(() => {});
let browser;

/** The trace panel's lines by label (dt → dd text), or null when no trace is shown. */
const panel = () =>
  browser.execute(() => {
    const p = document.querySelector(".trace-panel");
    if (!p) return null;
    const lines = {};
    for (const dt of p.querySelectorAll("dt")) lines[dt.textContent] = dt.nextElementSibling?.textContent ?? "";
    return {
      verdict: p.querySelector('[data-testid="trace-verdict"]')?.textContent ?? "",
      lines,
      events: p.querySelectorAll("table tbody tr").length,
      logs: p.querySelector('a[href^="#/logs/"]')?.getAttribute("href") ?? null,
    };
  });

async function search(q) {
  const input = await browser.$(`//form[@role="search"]//input[@type="search"]`);
  await input.waitForDisplayed({ timeout: 30000 });
  await input.setValue(q);
  await click(`//form[@role="search"]//button[normalize-space(.)="Trace"]`, "Trace");
}

test("find a demo user and trace them: assignment, events, the SaaS, the next cycle", async () => {
  browser = await app.launch({ ready: "Open the demo tenant" });
  await app.button("Open the demo tenant");
  await waitForPage((t) => t.includes(DEMO) && t.includes("Find a user"), "the demo never opened with Find a user");

  // Every demo user's UPN ends with the tenant's domain: a list to pick from.
  let traced = null;
  await browser.waitUntil(
    async () => {
      await search("onmicrosoft.com");
      await browser.pause(1000);
      const picks = await browser.$$(`//ul[@aria-label="Matching people"]//button`);
      if (picks.length < 2) return false;
      await picks[0].click();
      await browser.pause(1000);
      traced = await panel();
      // Their events arrive with the demo's first logs read.
      return traced !== null && traced.events > 0;
    },
    { timeout: 90000, interval: 2000, timeoutMsg: "no demo user was traced with events" },
  );
  await shot("panel");
  assert.match(traced.verdict, /^Provisioned at .* — (present in the SaaS|in the SaaS: could not check)/, traced.verdict);
  assert.match(traced.lines["Assignment"], /Assigned (to the app directly|through)/, JSON.stringify(traced.lines));
  assert.match(traced.lines["Scope"], /Sync only assigned users and groups/);
  assert.match(traced.lines["In the SaaS"], /(In the SaaS as|Could not check: no complete inventory snapshot)/);
  assert.match(traced.lines["Next cycle"], /(next cycle|overdue)/i);
  assert.match(traced.lines["Events"], /stored; the newest: \w+ success/);
  assert.ok(traced.logs && /^#\/logs\/[^?]+\?who=/.test(traced.logs), traced.logs);

  // The Logs, filtered to them, list their events.
  await click(`//a[contains(normalize-space(.), "All their events in the Logs")]`, "All their events in the Logs");
  await waitForPage((t) => t.includes("Provisioning logs"), "the Logs never opened");
  const who = await browser.execute(() => decodeURIComponent(location.hash.split("who=")[1] ?? ""));
  assert.ok(who.length > 0);
});
