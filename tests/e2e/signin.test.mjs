// Signing a delegated connection in from the real window (issue 18), against
// entra-sim (the demo tenant's, in-process): a connection that signs in as
// an admin is added beside the demo (through the app's own add_connection
// command), then Connections → "Sign in…" → Device code: the code is read
// from the dialog and declined through the simulator's control endpoint
// (Microsoft's message with its AADSTS code is shown), then a new code is
// approved, the dialog says "Signed in" and the connection's Graph side
// works (the Overview reads its provisioning job). The layout probe runs on
// the dialog in each state. Then that connection's remediation switch: refused
// for the missing consent, "Sign in and consent…" approved the same way, on.
// Screenshots under target/e2e/signin-*.png.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { BOXES, layoutProbe } from "./layout-probe.mjs";
import { DEMO, session } from "./support.mjs";

const NAME = "E2E Signed in";
const app = session("signin");
const { click, dialogText, nav, waitForText } = app;
let browser;
let simBase;

const signInButton = `//button[starts-with(@aria-label, "Sign in") and contains(@aria-label, "to ${NAME}")]`;
const dialogButton = (name) => click(`//*[@role="dialog"]//button[normalize-space(.)="${name}"]`, `dialog ${name}`);

async function probeLayout(what) {
  await app.frames();
  const problems = await browser.execute(layoutProbe, BOXES);
  assert.deepEqual(problems, [], `${what}:\n  ${problems.join("\n  ")}`);
}

/** Open the dialog from the connection's card, choose Device code, start; the code shown. */
async function startDeviceCode() {
  await nav("Connections");
  await click(signInButton, `Sign in to ${NAME}`);
  await click('//*[@role="dialog"]//label[contains(normalize-space(.), "Device code")]', "Device code");
  await dialogButton("Sign in");
  const code = await browser.$('//*[@data-testid="device-code"]');
  await code.waitForExist({ timeout: 30000, timeoutMsg: "no device code shown" });
  const text = (await browser.execute(() => document.querySelector('[data-testid="device-code"]').textContent)).trim();
  assert.match(text, /^[A-Z0-9]{6,12}$/, `the code to type: ${text}`);
  const dialog = await dialogText();
  assert.match(dialog, /\/devicelogin/, "the verification address is shown");
  assert.match(dialog, /Copy code/);
  return text;
}

/** The simulator's control endpoint decides the code, as the admin's phone would. */
async function decide(code, decision) {
  const r = await fetch(`${simBase}/_sim/devicecode/${encodeURIComponent(code)}/${decision}`, { method: "POST" });
  assert.equal(r.status, 204, `${decision} ${code}: HTTP ${r.status}`);
}

before(async () => {
  browser = await app.launch();
});

test("a delegated connection signs in with a device code; a declined code shows Microsoft's message", async () => {
  await app.openDemo({ polled: true });
  const list = await app.invoke("list_connections");
  assert.ok(Array.isArray(list), JSON.stringify(list));
  const demo = list.find((c) => c.name === DEMO);
  assert.ok(demo?.entra, "the demo connection has an Entra side");
  const e = demo.entra;
  simBase = e.login_url.replace(/\/+$/, "");
  const saved = await app.invoke("add_connection", {
    input: {
      name: NAME,
      cloud: "custom",
      login_url: e.login_url,
      graph_url: e.graph_url,
      tenant_id: e.tenant_id,
      client_id: e.client_id,
      auth_mode: "delegated",
      app: e.app_display_name ?? e.app,
      scim_url: null,
      scim_token_expires: null,
      keep_secrets_for_new_endpoint: false,
    },
    secrets: { scim_token: null, client_secret: null, client_certificate: null },
  });
  assert.ok(saved && !saved.error, `add_connection: ${JSON.stringify(saved?.error)}`);

  await nav("Connections");
  await click('//button[@aria-label="Refresh connections"]', "Refresh connections");
  await waitForText(NAME);

  // Not signed in yet: the Overview says Graph refused, and offers the sign-in there.
  await app.invoke("poll_now", { id: saved.connection.id });
  await nav("Overview");
  await click(signInButton, `Sign in to ${NAME} on the Overview`, 90000);
  assert.match(await dialogText(), /How do you want to sign in\?/);
  await dialogButton("Cancel");
  await nav("Connections");
  await waitForText("Not signed in");

  // Declined: Microsoft's code and text, on one line, nothing stored.
  const declined = await startDeviceCode();
  await probeLayout("the sign-in dialog, waiting for the code");
  await app.shotShowing("device-code", '[data-testid="device-code"]');
  await decide(declined, "decline");
  await app.waitFor(async () => /The sign-in was declined/.test(await dialogText()), "the decline was never shown", 30000);
  const failure = await browser.execute(() => document.querySelector('[data-testid="sign-in-failure"]')?.textContent ?? "");
  assert.equal(failure, "AADSTS70000: The user declined the authorization request.");
  assert.doesNotMatch(await dialogText(), /Trace ID|Correlation ID/);
  await probeLayout("the sign-in dialog, declined");
  await app.shotShowing("declined", '[data-testid="sign-in-failure"]');
  await dialogButton("Close");
  await waitForText("Not signed in");

  // Approved: signed in, and the connection's Graph side answers.
  const approved = await startDeviceCode();
  assert.notEqual(approved, declined, "a new code for a new sign-in");
  await decide(approved, "approve");
  await app.waitFor(async () => /Signed in/.test(await dialogText()) && /as of/.test(await dialogText()), "never signed in", 30000);
  await probeLayout("the sign-in dialog, signed in");
  await app.shotShowing("signed-in", '[role="dialog"]');
  await dialogButton("Done");
  await app.waitFor(
    async () => {
      const row = await browser.execute(
        (n) =>
          [...document.querySelectorAll("article.connection-card")]
            .find((a) => a.innerText.includes(n))
            ?.querySelector('[data-testid="sign-in-status"]')?.innerText ?? "",
        NAME,
      );
      return /Signed in/.test(row);
    },
    "the card never said Signed in",
    20000,
  );

  await nav("Overview");
  const card = `//article[contains(@class, "overview-card") and .//a[normalize-space(.)="${NAME}"]]`;
  await app.waitFor(
    async () => {
      const t = await browser.execute((xp) => {
        const el = document.evaluate(xp, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
        return el ? el.innerText : "";
      }, card);
      return /schedule /i.test(t) && !/cannot read the provisioning job/i.test(t);
    },
    "the Overview never read the signed-in connection's job",
    90000,
  );
  await app.shotShowing("overview", ".overview-card");
});

test("the remediation switch of the signed-in connection: refused, Sign in and consent, on", async () => {
  assert.ok(simBase, "runs after the sign-in above");
  const remediationSwitch = `//section[starts-with(@aria-label, "Remediation actions of ${NAME}")]//*[@role="switch"]`;
  await nav("Connections");
  const sw = await browser.$(remediationSwitch);
  await sw.waitForDisplayed({ timeout: 30000 });
  await app.waitFor(async () => (await browser.$(remediationSwitch).getAttribute("disabled")) === null, "the switch never became available", 60000);
  assert.equal(await sw.getAttribute("aria-checked"), "false", "read-only by default");

  // Signed in read-only: refused for the missing consent, the app's way offered.
  await click(remediationSwitch, "remediation switch");
  await waitForText("has not consented to Synchronization.ReadWrite.All");
  assert.equal(await browser.$(remediationSwitch).getAttribute("aria-checked"), "false", "still off");
  await click('//button[normalize-space(.)="Sign in and consent…"]', "Sign in and consent…");
  assert.match(await dialogText(), /Synchronization\.ReadWrite\.All/);
  await click('//*[@role="dialog"]//label[contains(normalize-space(.), "Device code")]', "Device code");
  await dialogButton("Sign in");
  const code = await browser.$('//*[@data-testid="device-code"]');
  await code.waitForExist({ timeout: 30000, timeoutMsg: "no device code shown" });
  const text = (await browser.execute(() => document.querySelector('[data-testid="device-code"]').textContent)).trim();
  await probeLayout("the consent dialog, waiting for the code");
  await app.shotShowing("consent-code", '[data-testid="device-code"]');
  await decide(text, "approve");

  // Approved: the dialog closes and the switch goes on by itself.
  await browser.waitUntil(async () => (await browser.$(remediationSwitch).getAttribute("aria-checked")) === "true", {
    timeout: 30000,
    timeoutMsg: "the switch did not go on after the consent",
  });
  await waitForText("Consent given: remediation actions on.");
  await waitForText("the signed-in account consented to Synchronization.ReadWrite.All");
  await app.shotShowing("consented", `section[aria-label^="Remediation actions of ${NAME}"]`);
});
