// The tray menu's item for an open incident (issue 18, items 9 and 10) in
// the real window. The item emits `show-incident` (src-tauri/src/tray.rs:
// action_for and show_incident, unit-tested there), and the UI goes to
// `#/incidents/<connection>?incident=<id>` (ui/src/screens/ShowIncident.test.tsx
// drives the event). The tray itself cannot be clicked under Xvfb (no
// StatusNotifier host), so this test opens that address in the real window
// with a real incident of the demo tenant and checks that the Incidents
// screen shows it focused and outlined, not the Overview.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
const OUT = process.env.SCIMWATCH_E2E_OUT;
const DEMO = "Demo tenant (simulated)";
let browser;

const text = () => browser.execute(() => document.body.innerText);
const invoke = (cmd, args = {}) =>
  browser.executeAsync(
    (c, a, done) => window.__TAURI_INTERNALS__.invoke(c, a).then(done, (e) => done({ error: e })),
    cmd,
    args,
  );

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

before(async () => {
  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    capabilities: {
      "tauri:options": { application: process.env.SCIMWATCH_APP, args: ["--data-dir", mkdtempSync(join(tmpdir(), "scimwatch-tray-"))] },
    },
  });
  await browser.waitUntil(async () => (await text()).includes("Overview"), { timeout: 30000 });
});
after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
});

test("the tray's incident address opens that incident, focused, on the Incidents screen", async () => {
  await click(`//button[contains(normalize-space(.), "Open the demo tenant")]`, "Open the demo tenant");
  await browser.waitUntil(async () => (await text()).includes(DEMO) && !/not polled yet/i.test(await text()), { timeout: 60000, interval: 1000 });
  await click('//*[@role="switch" and contains(@aria-label, "Groups object mapping disabled")]', "groups mapping switch");
  let open = [];
  await browser.waitUntil(
    async () => {
      const r = await invoke("list_incidents", { connection: null, activeOnly: true });
      open = Array.isArray(r) ? r : [];
      return open.length > 0;
    },
    { timeout: 90000, interval: 1000, timeoutMsg: "no incident opened" },
  );
  const target = open[0];
  await browser.execute((h) => {
    window.location.hash = h;
  }, `#/incidents/${encodeURIComponent(target.connection_id)}?incident=${target.id}`);
  await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === `incident-${target.id}`, {
    timeout: 20000,
    timeoutMsg: "the incident was not focused",
  });
  const seen = await browser.execute(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    return {
      h1: document.querySelector("h1")?.textContent,
      text: el.innerText,
      current: el.getAttribute("aria-current"),
      ring: getComputedStyle(el.querySelector(".incident-card")).boxShadow,
      visible: r.top >= 0 && r.bottom <= window.innerHeight + 1,
    };
  });
  assert.equal(seen.h1, "Incidents");
  assert.ok(seen.text.includes(target.incident.title), seen.text);
  assert.equal(seen.current, "true");
  assert.match(seen.ring, /rgb/, "outlined");
  assert.ok(seen.visible, "scrolled into view");
  await browser.saveScreenshot(join(OUT, "tray-incident-focused.png"));
});
