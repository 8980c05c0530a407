// Settings → Alert channels in the real window (issue 21, item 3): a signed
// webhook added in the form receives a test alert that verifies with its
// signing secret; neither the URL nor the secret comes back over IPC or
// onto the page; a receiver that answers 500 is named as such; and an
// incident of the demo tenant reaches the receiver through the outbox.
// The receivers are HTTP servers on loopback started by this test.
// Screenshots: target/e2e/alerts-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { DEMO, session } from "./support.mjs";

const SECRET = "e2e-signing-secret-0123456789";
const app = session("alerts");
const { click, shot } = app;
let browser;

/** A loopback receiver answering `status`; keeps every request it got. */
function receiver(status) {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status < 300 ? "ok" : "receiver failure");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, got, url: `http://127.0.0.1:${server.address().port}/hook/e2e-token-in-path` })),
  );
}

let good;
let bad;

before(async () => {
  good = await receiver(200);
  bad = await receiver(500);
  browser = await app.launch({ ready: "Open the demo tenant" });
});

after(() => {
  good?.server.close();
  bad?.server.close();
});

async function openChannels() {
  await app.nav("Settings");
  const heading = await browser.$('//h2[normalize-space(.)="Alert channels"]');
  await heading.waitForExist({ timeout: 20000 });
  await heading.scrollIntoView();
}

/** Fill the Add form by its labels (React inputs: set through the native setter). */
async function addChannel({ name, url }) {
  await app.button("Add a channel");
  const form = await browser.$('form[aria-label="Add an alert channel"]');
  await form.waitForExist({ timeout: 10000 });
  await browser.execute(
    (name, url, secret) => {
      const f = document.querySelector('form[aria-label="Add an alert channel"]');
      const byLabel = (text) => {
        const label = [...f.querySelectorAll("label")].find((l) => l.textContent.trim() === text);
        return document.getElementById(label.htmlFor);
      };
      const set = (el, v) => {
        const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
        Object.getOwnPropertyDescriptor(proto, "value").set.call(el, v);
        el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
      };
      set(byLabel("Type"), "webhook");
      set(byLabel("Name"), name);
      // The URL and secret inputs appear with the webhook type.
      setTimeout(() => {
        set(byLabel("Webhook URL"), url);
        set(byLabel("Signing secret"), secret);
        set(byLabel("Send"), "info");
      }, 50);
    },
    name,
    url,
    SECRET,
  );
  await browser.pause(300);
  await click('//form[@aria-label="Add an alert channel"]//button[normalize-space(.)="Add channel"]', "Add channel");
  await app.waitFor(
    async () => (await browser.execute((n) => [...document.querySelectorAll('[aria-label="Alert channels"] > li')].some((li) => li.getAttribute("aria-label") === n), name)),
    `channel ${name} listed`,
    20000,
  );
}

const channelText = (name) =>
  browser.execute((n) => [...document.querySelectorAll('[aria-label="Alert channels"] > li')].find((li) => li.getAttribute("aria-label") === n)?.innerText ?? "", name);

async function sendTest(name) {
  await click(`//li[@aria-label="${name}"]//button[normalize-space(.)="Send a test alert"]`, `test ${name}`);
  let text = "";
  await app.waitFor(
    async () => {
      text = await browser.execute((n) => {
        const li = [...document.querySelectorAll('[aria-label="Alert channels"] > li')].find((l) => l.getAttribute("aria-label") === n);
        return li?.querySelector('[role="status"]')?.innerText ?? "";
      }, name);
      return text !== "";
    },
    `a test outcome for ${name}`,
    30000,
  );
  return text;
}

function verify(req) {
  const ts = req.headers["x-scimwatch-timestamp"];
  const sig = req.headers["x-scimwatch-signature"];
  const want = `v1=${createHmac("sha256", SECRET).update(`${ts}.${req.body}`).digest("hex")}`;
  return { ts, sig, ok: sig === want, key: req.headers["idempotency-key"] };
}

test("a signed webhook added in Settings gets a test alert that verifies with its secret", async () => {
  await openChannels();
  await addChannel({ name: "Ops webhook", url: good.url });
  await shot("added");
  const outcome = await sendTest("Ops webhook");
  assert.equal(good.got.length, 1, `one request at the receiver: ${JSON.stringify(good.got.map((g) => g.path))}`);
  const v = verify(good.got[0]);
  assert.ok(v.ok, `the signature verifies with the signing secret: ${JSON.stringify(v)}`);
  assert.ok(Math.abs(Number(v.ts) - Date.now() / 1000) < 300, "a current timestamp");
  assert.ok(v.key, "an Idempotency-Key");
  assert.doesNotMatch(outcome, /fail|refused|error/i, outcome);
  // Secrets never come back: not on the page, not in what the UI can ask for.
  const page = await app.text();
  const listed = JSON.stringify(await app.invoke("list_alert_channels"));
  for (const [what, s] of [
    ["signing secret", SECRET],
    ["webhook token", "e2e-token-in-path"],
  ]) {
    assert.ok(!page.includes(s), `the ${what} is on the page`);
    assert.ok(!listed.includes(s), `the ${what} crossed IPC: ${listed}`);
  }
  await shot("tested");
});

test("a receiver that answers 500 is named, and the channel stays", async () => {
  await addChannel({ name: "Broken receiver", url: bad.url });
  const outcome = await sendTest("Broken receiver");
  assert.ok(bad.got.length >= 1, "the failing receiver was called");
  assert.match(outcome, /500/, `the outcome names the receiver's status: ${outcome}`);
  assert.match(await channelText("Broken receiver"), /Broken receiver/);
  await shot("receiver-500");
});

test("an incident of the demo tenant reaches the receiver through the outbox", async () => {
  const before = good.got.length;
  await app.nav("Overview");
  await app.openDemo();
  await app.waitForText("Demo faults", 30000);
  await click('//*[@role="switch" and contains(@aria-label, "Groups object mapping disabled")]', "groups mapping switch");
  await app.waitFor(
    async () => good.got.slice(before).some((r) => r.body.includes(DEMO) && /group/i.test(r.body)),
    "no alert about the demo's groups mapping at the receiver",
    120000,
    1000,
  );
  const alert = good.got.slice(before).find((r) => r.body.includes(DEMO));
  assert.ok(verify(alert).ok, "the incident's alert is signed too");
  await app.button("Clear all faults").catch(() => {});
  await openChannels();
  await app.waitFor(async () => /Last delivered/.test(await channelText("Ops webhook")), "the channel shows its last delivery", 20000);
  await shot("incident-delivered");
});
