// Incidents by hand in the real window with the demo tenant: a fault from
// the demo's fault panel opens an incident; Acknowledge, then Resolve with a
// note; the history lists it with the note and a duration; the resolved card
// shows its evidence as of resolution. And the keyboard: from the page's
// start, Tab reaches "Skip to content" first, visibly. Screenshots under
// target/e2e/incidents-*.png.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { session } from "./support.mjs";

const NOTE = "Re-enabled the groups mapping in Entra (e2e).";
const app = session("incidents");
const { click, nav, text, shot, waitForText } = app;
let browser;

before(async () => {
  browser = await app.launch();
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
  await app.openDemo({ polled: true });
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
