// Settings through the real window: a changed interval is saved by Rust,
// survives a read-back, and the monitor keeps running.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
let browser;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "scimwatch-settings-"));
  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    capabilities: {
      "tauri:options": { application: process.env.SCIMWATCH_APP, args: ["--data-dir", data] },
    },
  });
  await browser.waitUntil(async () => (await browser.execute(() => document.body.innerText)).includes("Overview"), {
    timeout: 20000,
  });
});
after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
});

test("a changed poll interval is saved and read back from the engine", async () => {
  const settingsLink = await browser.$('//nav//*[(self::a or self::button) and contains(normalize-space(.), "Settings")]');
  await settingsLink.click();
  // The form renders once the stored settings have loaded.
  let ref = null;
  await browser.waitUntil(
    async () => {
      ref = await browser.execute(() => {
        const l = [...document.querySelectorAll("label")].find((x) => x.textContent.trim().startsWith("Provisioning job"));
        return l ? l.control : null;
      });
      return ref !== null;
    },
    { timeout: 20000, timeoutMsg: "the settings form never appeared" },
  );
  const input = await browser.$(ref);
  await input.waitForDisplayed({ timeout: 20000 });
  await input.clearValue();
  await input.setValue("3");
  const save = await browser.$('//button[contains(normalize-space(.), "Save")]');
  await save.waitForClickable({ timeout: 10000 });
  await save.click();
  await browser.waitUntil(async () => (await browser.execute(() => document.body.innerText)).includes("Settings saved"), {
    timeout: 20000,
    timeoutMsg: "no saved confirmation",
  });
  await browser.saveScreenshot(join(process.env.SCIMWATCH_E2E_OUT, "settings-saved.png"));
  const stored = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__.invoke("get_settings").then((s) => done(s.job_poll_minutes), (e) => done(String(e)));
  });
  assert.equal(stored, 3);
});

test("the Network card names the proxy and the certificates the engine uses", async () => {
  const heading = await browser.$('//h2[normalize-space(.)="Network"]');
  await heading.waitForExist({ timeout: 20000 });
  await heading.scrollIntoView();
  let text = "";
  await browser.waitUntil(
    async () => {
      text = await browser.execute(() => document.getElementById("network-title")?.closest("section")?.innerText ?? "");
      return text.includes("Trusts");
    },
    { timeout: 20000, timeoutMsg: "the Network card shows no trust store" },
  );
  assert.match(text, /Proxy/);
  assert.match(text, /bundled webpki roots/);
  await browser.saveScreenshot(join(process.env.SCIMWATCH_E2E_OUT, "settings-network.png"));
});

test("Stalled after shows 3 × the demo job's real interval, named by its connection", async () => {
  const DEMO = "Demo tenant (simulated)";
  const overview = await browser.$('//nav//*[(self::a or self::button) and contains(normalize-space(.), "Overview")]');
  await overview.click();
  const demo = await browser.$('//button[contains(normalize-space(.), "Open the demo tenant")]');
  await demo.waitForClickable({ timeout: 20000 });
  await demo.click();
  // The job read from the (simulated) Graph: its schedule interval, in minutes.
  let report = null;
  await browser.waitUntil(
    async () => {
      report = await browser.executeAsync((name, done) => {
        const inv = window.__TAURI_INTERNALS__.invoke;
        inv("list_connections")
          .then((list) => list.find((c) => c.name === name))
          .then((c) => (c ? inv("job_status", { id: c.id }) : null))
          .then(done, () => done(null));
      }, DEMO);
      return report !== null && report.interval_minutes !== null;
    },
    { timeout: 60000, interval: 1000, timeoutMsg: "the demo's job was never read" },
  );
  const minutes = report.interval_minutes;
  const fmt = (m) => (m < 60 ? `${m} min` : [Math.floor(m / 60) ? `${Math.floor(m / 60)} h` : "", m % 60 ? `${m % 60} min` : ""].filter(Boolean).join(" "));
  const expected = `${DEMO}: 3 × ${fmt(minutes)} (its job's interval) = ${fmt(3 * minutes)}.`;

  const settingsLink = await browser.$('//nav//*[(self::a or self::button) and contains(normalize-space(.), "Settings")]');
  await settingsLink.click();
  let hint = "";
  await browser.waitUntil(
    async () => {
      hint = await browser.execute(() => {
        const l = [...document.querySelectorAll("label")].find((x) => x.textContent.trim().startsWith("Stalled after"));
        const ids = (l?.control?.getAttribute("aria-describedby") ?? "").split(" ");
        const h = ids.find((id) => id.endsWith("-hint"));
        return h ? document.getElementById(h)?.innerText ?? "" : "";
      });
      return hint.includes(DEMO);
    },
    { timeout: 20000, timeoutMsg: `the stall hint never named the demo: ${hint}` },
  );
  assert.ok(hint.includes(expected), `${hint}\nexpected: ${expected}`);
  assert.doesNotMatch(hint, /3 × 40 min = 2 hours/, "not the old made-up example");
  const field = await browser.$('//label[starts-with(normalize-space(.), "Stalled after")]');
  await field.scrollIntoView();
  await browser.saveScreenshot(join(process.env.SCIMWATCH_E2E_OUT, "settings-stall-interval.png"));
});
