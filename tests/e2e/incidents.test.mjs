// Incidents by hand in the real window with the demo tenant: a fault from
// the demo's fault panel opens an incident; Acknowledge, then Resolve with a
// note; the history lists it with the note and a duration; the resolved card
// shows its evidence as of resolution. And the keyboard: from the page's
// start, Tab reaches "Skip to content" first, visibly. Screenshots under
// target/e2e/incidents-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
const OUT = process.env.SCIMWATCH_E2E_OUT;
const DEMO = "Demo tenant (simulated)";
const NOTE = "Re-enabled the groups mapping in Entra (e2e).";
let browser;

const text = () => browser.execute(() => document.body.innerText);
const shot = (name) => browser.saveScreenshot(join(OUT, `incidents-${name}.png`));

async function waitForText(t, timeout = 60000) {
  try {
    await browser.waitUntil(async () => (await text()).toLowerCase().includes(t.toLowerCase()), {
      timeout,
      interval: 500,
      timeoutMsg: `"${t}" never appeared`,
    });
  } catch (e) {
    await shot(`failed-${t.replace(/[^a-z0-9]+/gi, "-").slice(0, 30)}`).catch(() => {});
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
const button = (name) => click(`//*[(self::button or self::a) and contains(normalize-space(.), "${name}")]`, name);
const nav = (name) => click(`//nav//*[(self::a or self::button) and contains(normalize-space(.), "${name}")]`, `nav ${name}`);

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "scimwatch-incidents-"));
  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    capabilities: {
      "tauri:options": { application: process.env.SCIMWATCH_APP, args: ["--data-dir", data] },
    },
  });
  await waitForText("Overview", 30000);
});
after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
});

test("Tab from the page's start reaches Skip to content first, visibly", async () => {
  await browser.execute(() => {
    document.activeElement?.blur?.();
    window.scrollTo(0, 0);
  });
  await browser.keys(["Tab"]);
  const focused = await browser.execute(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    return { text: el.textContent.trim(), top: r.top, bottom: r.bottom, height: r.height };
  });
  assert.equal(focused.text, "Skip to content");
  assert.ok(focused.top >= 0 && focused.height > 0, `visible on focus: ${JSON.stringify(focused)}`);
  await shot("skip-link");
  // Enter moves focus to the content and keeps the screen.
  const hash = await browser.execute(() => location.hash);
  await browser.keys(["Enter"]);
  assert.equal(await browser.execute(() => document.activeElement.id), "main");
  assert.equal(await browser.execute(() => location.hash), hash);
  // The next Tab goes into the content, past the sidebar.
  await browser.keys(["Tab"]);
  assert.equal(await browser.execute(() => !!document.activeElement.closest("#main")), true);
});

test("a fault opens an incident: acknowledge, resolve with a note, see it in the history", async () => {
  await button("Open the demo tenant");
  await waitForText(DEMO);
  await browser.waitUntil(async () => !/not polled yet/i.test(await text()), { timeout: 60000, interval: 1000 });
  await click('//*[@role="switch" and contains(@aria-label, "Groups object mapping disabled")]', "groups mapping switch");

  await nav("Incidents");
  const ack = '//button[starts-with(@aria-label, "Acknowledge")]';
  await browser.waitUntil(async () => (await browser.$$(ack)).length > 0, {
    timeout: 90000,
    interval: 1000,
    timeoutMsg: "no incident to acknowledge",
  });
  await click(ack, "Acknowledge");
  await waitForText("Acknowledged by");
  await shot("acknowledged");

  await click('//button[starts-with(@aria-label, "Resolve")]', "Resolve…");
  const note = await browser.$('//*[@role="dialog"]//textarea');
  await note.waitForDisplayed({ timeout: 10000 });
  await note.setValue(NOTE);
  await shot("resolve-dialog");
  await click('//*[@role="dialog"]//button[@type="submit"]', "Resolve (submit)");
  await browser.waitUntil(async () => !(await browser.$('//*[@role="dialog"]').isExisting()), { timeout: 10000 });

  // The resolved card (under All) shows the evidence as of resolution.
  await click('//label[normalize-space(.)="All"]', "All");
  await browser.waitUntil(async () => browser.execute(() => [...document.querySelectorAll('input[name="incident-scope"]')].find((r) => r.checked)?.parentElement.textContent.trim() === "All"), {
    timeout: 10000,
    timeoutMsg: "All is not selected",
  });
  await waitForText("Evidence when resolved");
  await waitForText(NOTE);
  const body = await text();
  assert.match(body, /Evidence when resolved, \d{2}:\d{2}/);
  await shot("resolved");

  await click('//label[normalize-space(.)="History"]', "History");
  const table = await browser.$('//table[.//caption[contains(., "Incident history")]]');
  await table.waitForDisplayed({ timeout: 20000 });
  await browser.waitUntil(async () => (await table.getText()).includes(NOTE), { timeout: 20000, timeoutMsg: "the note is not in the history" });
  const rows = await table.getText();
  assert.match(rows, /\d+ (s|min|h \d{2} min|d \d+ h)/, "a duration");
  assert.match(rows, /By \S+/, "who resolved it");
  await shot("history");
});
