// The per-user trace in the real window with the demo tenant (issue 18,
// "A per-user trace"): on the Overview, "Find a user" searches the demo's
// domain, lists the matching people, and tracing one shows the verdict, the
// assignment, the scope, the SaaS, the next cycle and their newest events,
// with the Logs filtered to them. Screenshot: target/e2e/trace-*.png.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
const OUT = process.env.SCIMWATCH_E2E_OUT;
const DEMO = "Demo tenant (simulated)";
const data = mkdtempSync(join(tmpdir(), "scimwatch-trace-"));
let browser;

const text = () => browser.execute(() => document.body.innerText);
const shot = (name) => (OUT ? browser.saveScreenshot(join(OUT, `trace-${name}.png`)).catch(() => {}) : Promise.resolve());

async function waitFor(pred, what, timeout = 60000) {
  try {
    await browser.waitUntil(async () => pred(await text()), { timeout, interval: 500, timeoutMsg: what });
  } catch (e) {
    await shot(`failed-${what.replace(/[^a-z0-9]+/gi, "-").slice(0, 30)}`);
    throw e;
  }
}

async function click(xpath, what) {
  await browser.waitUntil(
    async () => {
      for (const el of await browser.$$(xpath)) {
        if ((await el.isDisplayed()) && (await el.isClickable())) {
          await el.click();
          return true;
        }
      }
      return false;
    },
    { timeout: 30000, timeoutMsg: `no clickable ${what}` },
  );
}

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

after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
});

test("find a demo user and trace them: assignment, events, the SaaS, the next cycle", async () => {
  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.SCIMWATCH_APP, args: ["--data-dir", data] } },
  });
  await waitFor((t) => t.includes("Open the demo tenant"), "the first launch never offered the demo", 30000);
  await click(`//button[contains(normalize-space(.), "Open the demo tenant")]`, "Open the demo tenant");
  await waitFor((t) => t.includes(DEMO) && t.includes("Find a user"), "the demo never opened with Find a user");

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
  await waitFor((t) => t.includes("Provisioning logs"), "the Logs never opened");
  const who = await browser.execute(() => decodeURIComponent(location.hash.split("who=")[1] ?? ""));
  assert.ok(who.length > 0);
});
