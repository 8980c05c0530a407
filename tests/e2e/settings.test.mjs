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
