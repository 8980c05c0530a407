// Settings through the real window: a changed interval is saved by Rust,
// survives a read-back, and the monitor keeps running.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DEMO, session } from "./support.mjs";

const app = session("settings");
const { shot } = app;
let browser;

before(async () => {
  browser = await app.launch({ timeout: 20000 });
});

test("a changed poll interval is saved and read back from the engine", async () => {
  await app.nav("Settings");
  // The form renders once the stored settings have loaded.
  const input = await app.field("Provisioning job");
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
  await shot("saved");
  const stored = await app.invoke("get_settings");
  assert.equal(stored.job_poll_minutes, 3, JSON.stringify(stored));
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
  await shot("network");
});

test("Stalled after shows 3 × the demo job's real interval, named by its connection", async () => {
  await app.nav("Overview");
  await app.button("Open the demo tenant");
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

  await app.nav("Settings");
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
  await shot("stall-interval");
});
