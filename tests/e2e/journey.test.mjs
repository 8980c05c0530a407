// The main journey on the real app with the built-in demo tenant: open the
// demo → healthy → inject "groups mapping disabled" → a desktop notification
// (received by dunst) and an incident → the checklist starts at the failing
// step → fix → recovered. Screenshots of each stage under target/e2e/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
const OUT = process.env.SCIMWATCH_E2E_OUT;
const DEMO = "Demo tenant (simulated)";
let browser;

const text = () => browser.execute(() => document.body.innerText);
const shot = (name) => browser.saveScreenshot(join(OUT, `${name}.png`));

async function waitForText(t, timeout = 60000) {
  try {
    await browser.waitUntil(async () => (await text()).toLowerCase().includes(t.toLowerCase()), {
      timeout,
      interval: 500,
      timeoutMsg: `"${t}" never appeared`,
    });
  } catch (e) {
    await shot(`journey-failed-${t.replace(/[^a-z0-9]+/gi, "-").slice(0, 30)}`).catch(() => {});
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
    { timeout: 20000, timeoutMsg: `no clickable ${what}` },
  );
}
const button = (name) => click(`//*[(self::button or self::a) and contains(normalize-space(.), "${name}")]`, name);
const nav = (name) => click(`//nav//*[(self::a or self::button) and contains(normalize-space(.), "${name}")]`, `nav ${name}`);

/** Summaries dunst has shown (closed ones move to its history). */
/** Every notification dunst has shown in this session: its id and "summary | body". */
function history() {
  execFileSync("dunstctl", ["close-all"]);
  const h = JSON.parse(execFileSync("dunstctl", ["history"], { encoding: "utf8" }));
  return h.data.flat().map((n) => ({ id: n.id?.data, text: `${n.summary?.data ?? ""} | ${n.body?.data ?? ""}` }));
}

/** The ids already shown: what `waitForNotification` must not count. */
function shownIds() {
  return new Set(history().map((n) => n.id));
}

/**
 * Wait for a notification shown after `known` was taken that matches `pred`
 * (the dunst session is shared with the other end-to-end files, which show
 * notifications of the same faults).
 */
async function waitForNotification(pred, what, known) {
  let fresh = [];
  const deadline = Date.now() + 90000;
  while (Date.now() < deadline) {
    fresh = history()
      .filter((n) => !known.has(n.id))
      .map((n) => n.text);
    if (fresh.some(pred)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.fail(`no new ${what} notification; dunst showed since: ${JSON.stringify(fresh)}`);
}

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "scimwatch-journey-"));
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

test("open the demo tenant: it is polled and healthy", async () => {
  await button("Open the demo tenant");
  await waitForText(DEMO);
  await waitForText("Demo faults", 30000).catch(() => {});
  await browser.waitUntil(async () => !/not polled yet/i.test(await text()), { timeout: 60000, interval: 1000 });
  await shot("journey-1-demo-healthy");
});

test("groups mapping disabled: a notification, an incident, the checklist's first failing step", async () => {
  const known = shownIds();
  await click('//*[@role="switch" and contains(@aria-label, "Groups object mapping disabled")]', "groups mapping switch");
  await waitForNotification((n) => n.includes(DEMO) && /group/i.test(n), "groups mapping", known);
  await shot("journey-2-fault-on");

  await nav("Incidents");
  await waitForText("Groups");
  await shot("journey-3-incident");

  await nav("Troubleshooting");
  await browser.waitUntil(
    async () => {
      const el = await browser.$(".step-first-failing");
      return (await el.isExisting()) && /group/i.test(await el.getText());
    },
    { timeout: 60000, interval: 1000, timeoutMsg: "the checklist did not start at the groups step" },
  );
  await shot("journey-4-checklist");
});

test("fixed: the incident resolves with a recovery notification", async () => {
  await nav("Overview");
  const known = shownIds();
  await button("Clear all faults");
  await waitForNotification((n) => n.includes(DEMO) && /recovered/i.test(n), "recovery", known);
  await nav("Incidents");
  await shot("journey-5-recovered");
});
