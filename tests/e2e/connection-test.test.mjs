// Test before saving on the real window (issue 18, item 5): the demo tenant's
// connection, edited: Test with its stored token (Tenant URL unchanged) passes,
// a wrong typed token is rejected, an unresolvable host is named, and nothing
// typed is saved.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DEMO, session } from "./support.mjs";

const WRONG = "e2e-WRONG-token-7c3a9e";
const app = session("connection-test");
const { click, text, shot, waitFor, waitForText } = app;
let browser;

const button = (name) => click(`//*[(self::button or self::a) and normalize-space(.)="${name}"]`, name);
const buttonContaining = (name) => app.button(name);

/** Set a labelled control's value as typing would (React sees an input event). */
async function setField(label, value) {
  const ok = await browser.execute(
    (l, v) => {
      const lab = [...document.querySelectorAll("[role=dialog] label")].find((x) => x.textContent.trim().startsWith(l));
      const el = lab?.control;
      if (!el) return false;
      const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, "value").set.call(el, v);
      el.dispatchEvent(new Event("input", { bubbles: true }));
      return true;
    },
    label,
    value,
  );
  assert.ok(ok, `no control labelled ${label}`);
}

/** The Test results panel's text, once a test has finished. */
async function testResults() {
  await waitFor(
    () =>
      browser.execute(() => {
        const p = document.querySelector(".test-panel");
        return !!p && p.getAttribute("aria-busy") !== "true" && /Working|Token rejected|Unreachable|Signed in|Sign-in refused|not tested/i.test(p.textContent);
      }),
    "test results",
  );
  return browser.execute(() => document.querySelector(".test-panel").innerText);
}

before(async () => {
  browser = await app.launch();
});

test("Test before saving: the demo endpoint passes, a wrong token and an unresolvable host fail, nothing is saved", async () => {
  await buttonContaining("Open the demo tenant");
  await waitForText("Demo faults", 40000).catch(() => {});
  await browser.execute(() => {
    window.location.hash = "#/connections";
  });
  await waitForText(DEMO);
  await click(`//a[contains(@aria-label, "Edit ${DEMO}") or normalize-space(.)="Edit"]`, "Edit link");
  await waitFor(() => browser.execute(() => !!document.querySelector("[role=dialog] .test-panel, [role=dialog] form")), "the form");

  // Good: the stored token, the Tenant URL unchanged.
  await button("Test");
  let r = await testResults();
  await shot("good");
  assert.match(r, /SCIM Test Connection/);
  assert.match(r, /Working/, r);
  assert.match(r, /Signed in|Microsoft Graph sign-in|delegated/i, r);

  // Bad: a typed wrong token is rejected, and never shown back.
  await setField("Secret Token", WRONG);
  await button("Test");
  await waitFor(async () => /Token rejected/.test(await browser.execute(() => document.querySelector(".test-panel")?.innerText ?? "")), "Token rejected");
  r = await testResults();
  await shot("wrong-token");
  assert.ok(!(await browser.execute(() => document.body.innerText)).includes(WRONG), "the typed token was shown");

  // Bad: a host name that does not resolve.
  await setField("Tenant URL", "https://nonexistent.invalid/scim");
  await button("Test");
  await waitFor(async () => /cannot be resolved/.test(await browser.execute(() => document.querySelector(".test-panel")?.innerText ?? "")), "cannot be resolved");
  r = await testResults();
  assert.match(r, /Unreachable/);
  assert.match(r, /host name nonexistent\.invalid cannot be resolved/);
  await shot("unresolvable");

  // Save warns first; nothing is saved without Save anyway.
  await buttonContaining("Save changes");
  await waitForText("A host name cannot be resolved");
  assert.ok(await browser.execute(() => !!document.querySelector("[role=dialog]")), "the form stayed open");
  await button("Cancel");
  await buttonContaining("Discard").catch(() => {});
  await waitFor(async () => !(await browser.execute(() => !!document.querySelector("[role=dialog]"))), "form closed");
  assert.ok(!(await text()).includes("nonexistent.invalid"), "the unsaved Tenant URL was saved");
});
