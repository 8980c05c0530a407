// The main journey on the real app with the built-in demo tenant: open the
// demo → healthy → inject "groups mapping disabled" → a desktop notification
// (received by dunst) and an incident → the checklist starts at the failing
// step → fix → recovered. Screenshots of each stage under target/e2e/.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DEMO, notificationHistory, session } from "./support.mjs";

const app = session("journey");
const { click, button, nav, shot, waitForText } = app;
let browser;

/** The ids already shown: what `waitForNotification` must not count. */
function shownIds() {
  return new Set(notificationHistory().map((n) => n.id));
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
    fresh = notificationHistory()
      .filter((n) => !known.has(n.id))
      .map((n) => n.text);
    if (fresh.some(pred)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.fail(`no new ${what} notification; dunst showed since: ${JSON.stringify(fresh)}`);
}

before(async () => {
  browser = await app.launch();
});

test("open the demo tenant: it is polled and healthy", async () => {
  await app.openDemo();
  await waitForText("Demo faults", 30000).catch(() => {});
  await app.waitForPage((t) => !/not polled yet/i.test(t), "the demo was never polled");
  await shot("1-demo-healthy");
});

test("groups mapping disabled: a notification, an incident, the checklist's first failing step", async () => {
  const known = shownIds();
  await click('//*[@role="switch" and contains(@aria-label, "Groups object mapping disabled")]', "groups mapping switch");
  await waitForNotification((n) => n.includes(DEMO) && /group/i.test(n), "groups mapping", known);
  await shot("2-fault-on");

  await nav("Incidents");
  await waitForText("Groups");
  await shot("3-incident");

  await nav("Troubleshooting");
  await browser.waitUntil(
    async () => {
      const el = await browser.$(".step-first-failing");
      return (await el.isExisting()) && /group/i.test(await el.getText());
    },
    { timeout: 60000, interval: 1000, timeoutMsg: "the checklist did not start at the groups step" },
  );
  await shot("4-checklist");
});

test("fixed: the incident resolves with a recovery notification", async () => {
  await nav("Overview");
  const known = shownIds();
  await button("Clear all faults");
  await waitForNotification((n) => n.includes(DEMO) && /recovered/i.test(n), "recovery", known);
  await nav("Incidents");
  await shot("5-recovered");
});
