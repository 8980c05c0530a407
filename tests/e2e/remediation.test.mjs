// The opt-in remediation actions in the real window with the demo tenant:
// switching them on is refused while the demo's app registration lacks
// Synchronization.ReadWrite.All (the refusal names the admin-consent URL);
// after an administrator consents (the test follows that URL as a browser
// would), the switch goes on. Then Provision on demand from the Logs drawer
// — the confirmation shows the exact call, the result its steps — and
// Restart provisioning of a quarantined job (the quarantine injected from
// the demo faults panel). The connection lists the actions taken.
// Screenshots under target/e2e/remediation-*.png.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { BOXES, layoutProbe } from "./layout-probe.mjs";
import { DEMO, session } from "./support.mjs";

const QUARANTINE_FAULT = "SCIM token expired";
const app = session("remediation");
const { click, button, dialogText, nav, shot, waitForText } = app;
let browser;

const dialogButton = (name) => click(`//*[@role="dialog"]//button[normalize-space(.)="${name}"]`, `dialog ${name}`);
const remediationSwitch = `//section[starts-with(@aria-label, "Remediation actions of ${DEMO}")]//*[@role="switch"]`;

/**
 * Close the topmost dialog by its close button until none is left. In the
 * page, in one step: a dialog re-rendered between finding it and clicking
 * (a status reload after an action) left WebDriver with a stale element.
 */
async function closeDialogs() {
  for (let i = 0; i < 8; i++) {
    const open = await browser.execute(() => {
      const dialogs = [...document.querySelectorAll('[role="dialog"]')];
      dialogs.at(-1)?.querySelector('button[aria-label="Close dialog"]')?.click();
      return dialogs.length;
    });
    if (open === 0) break;
    await browser.pause(300);
  }
  assert.equal(await browser.$('//*[@role="dialog"]').isExisting(), false, "dialogs closed");
}

/** Follow the admin-consent URL as an administrator's browser would: the page, then its Accept link. */
async function adminConsent(url) {
  const page = await (await fetch(url)).text();
  const m = page.match(/id="accept" href="([^"]+)"/);
  assert.ok(m, `no Accept link on the consent page: ${page.slice(0, 300)}`);
  const accepted = await fetch(m[1].replace(/&amp;/g, "&"));
  assert.equal(accepted.status, 200, "consent accepted");
}

before(async () => {
  browser = await app.launch();
});

test("consent, provision on demand from the Logs drawer, restart a quarantined job, the actions taken", async () => {
  await app.openDemo({ polled: true });

  // Off by default; switching on is refused while the app lacks the permission.
  await nav("Connections");
  const sw = await browser.$(remediationSwitch);
  await sw.waitForDisplayed({ timeout: 30000 });
  assert.equal(await sw.getAttribute("aria-checked"), "false", "read-only by default");
  await click(remediationSwitch, "remediation switch");
  await waitForText("lacks the application permission Synchronization.ReadWrite.All");
  await shot("refused");
  const consentUrl = await browser.execute(() => {
    const el = [...document.querySelectorAll('[role="alert"] .mono')].find((e) => e.textContent.includes("/adminconsent?"));
    return el ? el.textContent.trim() : null;
  });
  assert.ok(consentUrl, "the refusal shows the admin-consent URL");
  assert.equal(await browser.$(remediationSwitch).getAttribute("aria-checked"), "false", "still off");

  // An administrator consents; now the switch goes on, with its evidence.
  await adminConsent(consentUrl);
  await click(remediationSwitch, "remediation switch");
  await browser.waitUntil(async () => (await browser.$(remediationSwitch).getAttribute("aria-checked")) === "true", {
    timeout: 30000,
    timeoutMsg: "the switch did not go on",
  });
  await waitForText("Microsoft Graph accepted validateCredentials with HTTP 204");
  await shot("enabled");

  // Provision on demand from the Logs drawer.
  await nav("Provisioning logs");
  const rows = '//*[@role="row" and contains(@aria-label, "open details")]';
  await browser.waitUntil(async () => (await browser.$$(rows)).length > 0, { timeout: 90000, interval: 1000, timeoutMsg: "no log rows" });
  let found = false;
  for (let i = 0; i < 8 && !found; i++) {
    const list = await browser.$$(rows);
    if (i >= list.length) break;
    await list[i].click();
    const drawer = await browser.$('//*[@role="dialog"]');
    await drawer.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /Identities/.test(await dialogText()), { timeout: 20000 }).catch(() => {});
    found = (await browser.$$('//*[@role="dialog"]//button[normalize-space(.)="Provision on demand"]')).length > 0;
    if (!found) {
      await browser.keys(["Escape"]);
      await browser.waitUntil(async () => !(await browser.$('//*[@role="dialog"]').isExisting()), { timeout: 10000 });
    }
  }
  assert.ok(found, "a user's log entry offers Provision on demand");
  await dialogButton("Provision on demand");
  await browser.waitUntil(async () => /provisionOnDemand/.test(await dialogText()), { timeout: 30000, timeoutMsg: "the request is not shown" });
  const confirm = await dialogText();
  assert.match(confirm, /POST/);
  assert.match(confirm, /\/v1\.0\/servicePrincipals\/[^/\s]+\/synchronization\/jobs\/[^/\s]+\/provisionOnDemand/);
  assert.match(confirm, /"objectTypeName": "User"/);
  assert.match(confirm, /"ruleId": "/);
  assert.match(confirm, /nothing is sent until you confirm/i);
  await app.shotShowing("on-demand-confirm", '[role="dialog"]');
  await dialogButton("Send to Microsoft Graph");
  await browser.waitUntil(async () => /Perform action/.test(await dialogText()), { timeout: 30000, timeoutMsg: "no steps shown" });
  const result = await dialogText();
  for (const step of ["Import user", "Match user between source and target system", "Determine if user is in scope", "Perform action"]) {
    assert.ok(result.includes(step), `step "${step}" shown`);
  }
  // The result is painted, not only in the DOM (a screenshot once showed the dialog blank).
  await app.shotShowing("on-demand-result", '[data-testid="on-demand-result"]');
  await closeDialogs();

  // Quarantine from the demo faults panel, then Restart from the Overview job card.
  await nav("Overview");
  await click(`//*[@role="switch" and contains(@aria-label, "${QUARANTINE_FAULT}")]`, "quarantine fault switch");
  await waitForText("In quarantine", 90000);
  await click('//*[contains(@class, "quarantine")]//button[normalize-space(.)="Restart provisioning"]', "Restart provisioning");
  await dialogButton("Review the request");
  await browser.waitUntil(async () => /"resetScope": "Watermark, Escrows, QuarantineState"/.test(await dialogText()), {
    timeout: 30000,
    timeoutMsg: "the restart request is not shown",
  });
  assert.match(await dialogText(), /\/restart/);
  await shot("restart-confirm");
  await dialogButton("Send to Microsoft Graph");
  await browser.waitUntil(async () => /accepted the restart \(HTTP 204\)/.test(await dialogText()), { timeout: 30000, timeoutMsg: "restart not accepted" });
  await shot("restart-result");
  await closeDialogs();
  await button("Clear all faults").catch(() => {});

  // The connection lists what was done.
  await nav("Connections");
  const actions = '//*[@data-testid="remediation-action"]';
  await browser.waitUntil(async () => (await browser.$$(actions)).length >= 4, { timeout: 30000, timeoutMsg: "actions taken not listed" });
  const listed = await browser.execute(() => [...document.querySelectorAll('[data-testid="remediation-action"]')].map((e) => e.innerText));
  assert.match(listed[0], /restart/);
  assert.match(listed[0], /HTTP 204/);
  assert.match(listed[1], /provision on demand/);
  assert.match(listed.join("\n"), /enable[\s\S]*refused/);
  await shot("actions-taken");
  // The list of long entries (URLs, application ids) stays inside its card.
  await app.frames();
  const problems = await browser.execute(layoutProbe, BOXES);
  assert.deepEqual(problems, [], `the actions taken:\n  ${problems.join("\n  ")}`);
});
