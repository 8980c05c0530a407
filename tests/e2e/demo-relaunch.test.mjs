// The demo tenant survives a relaunch (issue 18, item 3): open the demo →
// quit → relaunch the app on the same data folder → the demo connection is
// live again within seconds (read afresh, never "Blind"), the fault panel is
// there, and no desktop notification fired and no incident opened.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO, notificationHistory, session, tempDir } from "./support.mjs";

const data = tempDir("relaunch");
const app = session("relaunch");
const { click, shot, waitForPage } = app;
let browser;

/** Every notification dunst has shown so far. */
const notifications = () => notificationHistory().map((n) => n.text);

async function launch() {
  browser = await app.launch({ data });
}

/** The demo card's text. */
async function demoCard() {
  return browser.execute((name) => {
    const a = [...document.querySelectorAll("article")].find((x) => x.querySelector("h2")?.textContent?.includes(name));
    return a ? a.innerText : "";
  }, DEMO);
}

test("the demo tenant comes back live after a relaunch, without a notification or an incident", async () => {
  await launch();
  await click(`//button[contains(normalize-space(.), "Open the demo tenant")]`, "Open the demo tenant");
  await waitForPage((t) => t.includes(DEMO) && t.includes("Demo faults"), "the demo never opened", 60000);
  await browser.waitUntil(async () => /Healthy/.test(await demoCard()), {
    timeout: 60000,
    interval: 1000,
    timeoutMsg: "the demo never became healthy",
  });
  const marker = join(data, ".scimwatch-demo.json");
  assert.ok(existsSync(marker), "the data folder remembers the demo");
  const seed = JSON.parse(readFileSync(marker, "utf8")).seed;

  // Quit: the driver ends the app's process.
  await app.quit();
  browser = undefined;
  await new Promise((r) => setTimeout(r, 1500));
  const before = notifications().length;

  const started = Date.now();
  await launch();
  await waitForPage((t) => t.includes(DEMO) && t.includes("Demo faults"), "the fault panel is missing after the relaunch", 15000);
  // Live, not remembered: poll it now and require a fresh, healthy read.
  await click(`//button[@aria-label="Poll ${DEMO} now"]`, "Poll the demo now");
  await browser.waitUntil(
    async () => {
      const c = await demoCard();
      return /Healthy/.test(c) && /Read just now/.test(c) && !/Polling…/.test(c);
    },
    { timeout: 20000, interval: 500, timeoutMsg: `the demo was not live again: ${await demoCard()}` },
  );
  const elapsed = Date.now() - started;
  const card = await demoCard();
  assert.doesNotMatch(card, /Blind|cannot read the provisioning job/);
  assert.match(card, /None open/, "no incident opened");
  assert.ok(elapsed < 30000, `live again after ${elapsed} ms`);
  assert.equal(JSON.parse(readFileSync(marker, "utf8")).seed, seed, "same tenant seed");
  await shot("demo-live");

  // Give the monitor's first diagnosis time to run: still nothing to tell.
  await new Promise((r) => setTimeout(r, 8000));
  const fresh = notifications().slice(before);
  assert.deepEqual(fresh, [], "no desktop notification at launch");
  assert.doesNotMatch(await demoCard(), /Blind/);
  assert.match(await demoCard(), /None open/);
});
