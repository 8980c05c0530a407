// End to end on the real desktop app: WebKitWebDriver drives the real window
// (started by tauri-driver under Xvfb) against a fresh data folder. Adds a
// connection through the UI, reads it back in the UI after a restart and
// through `scimwatch-cli connections list --json` on the same database.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const APP = process.env.SCIMWATCH_APP;
const CLI = process.env.SCIMWATCH_CLI;
const OUT = process.env.SCIMWATCH_E2E_OUT;
const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
const DATA = mkdtempSync(join(tmpdir(), "scimwatch-e2e-"));
const TOKEN = "e2e-SECRET-token-5b8d1f";

async function openApp() {
  const browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    connectionRetryTimeout: 120000,
    capabilities: {
      "tauri:options": { application: APP, args: ["--data-dir", DATA] },
    },
  });
  await browser.setTimeout({ implicit: 0 });
  await waitForText(browser, "Connections");
  return browser;
}

async function waitForText(browser, text, timeout = 20000) {
  try {
    await browser.waitUntil(
      async () =>
        (await browser.execute(() => document.body.innerText))
          .toLowerCase()
          .includes(text.toLowerCase()),
      { timeout, timeoutMsg: `"${text}" never appeared` },
    );
  } catch (e) {
    await shot(browser, `failed-${text.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`).catch(() => {});
    throw e;
  }
}

/** The form control labelled `label` (its <label> text starts with it). */
async function field(browser, label) {
  const ref = await browser.execute((t) => {
    const l = [...document.querySelectorAll("label")].find((x) =>
      x.textContent.trim().toLowerCase().startsWith(t.toLowerCase()),
    );
    return l ? l.control : null;
  }, label);
  assert.ok(ref, `no control labelled "${label}"`);
  return browser.$(ref);
}

/** Click the first visible button or link whose text contains `name`. */
async function clickButton(browser, name) {
  const xpath = `//*[(self::button or self::a) and contains(normalize-space(.), "${name}")]`;
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
    { timeout: 10000, timeoutMsg: `no clickable "${name}"` },
  );
}

async function shot(browser, name) {
  await browser.saveScreenshot(join(OUT, `${name}.png`));
}

let browser;
before(async () => {
  assert.ok(APP && existsSync(APP), `app binary missing: ${APP}`);
  browser = await openApp();
});
after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
});

test("the window opens with the navigation", async () => {
  const text = await browser.execute(() => document.body.innerText);
  for (const screen of ["Overview", "Connections", "Provisioning logs", "Troubleshooting", "Settings"]) {
    assert.ok(text.includes(screen), `navigation lacks ${screen}`);
  }
  await shot(browser, "01-start");
});

test("a bad Tenant URL is refused with a specific message", async () => {
  await clickButton(browser, "Connections");
  await clickButton(browser, "Add connection");
  await (await field(browser, "Name")).setValue("E2E Refused");
  await (await field(browser, "Tenant URL")).setValue("http://insecure.example.com/scim");
  await (await field(browser, "Secret Token")).setValue(TOKEN);
  await browser.keys("Enter");
  await waitForText(browser, "plain http is refused");
  await shot(browser, "02-validation-error");
  await clickButton(browser, "Cancel");
  // The form was edited: the app asks before discarding it.
  await waitForText(browser, "Discard unsaved changes?");
  await clickButton(browser, "Discard");
  await browser.waitUntil(async () => !(await (await browser.$('//*[@role="dialog"]')).isExisting()), {
    timeout: 5000,
    timeoutMsg: "the dialog did not close",
  });
  const cli = JSON.parse(execFileSync(CLI, ["--data-dir", DATA, "connections", "list", "--json"]));
  assert.equal(cli.length, 0, "a refused connection must not be stored");
});

test("add a connection through the UI and see it listed", async () => {
  await clickButton(browser, "Add connection");
  await (await field(browser, "Name")).setValue("E2E Acme");
  await (await field(browser, "Tenant URL")).setValue("https://127.0.0.1:9/scim/v2/");
  await (await field(browser, "Secret Token")).setValue(TOKEN);
  await shot(browser, "03-form-filled");
  const submit = await browser.$('//*[@role="dialog"]//button[@type="submit"]');
  await submit.click();
  await browser.waitUntil(async () => !(await (await browser.$('//*[@role="dialog"]')).isExisting()), {
    timeout: 10000,
    timeoutMsg: "the dialog did not close after saving",
  });
  await waitForText(browser, "https://127.0.0.1:9/scim/v2");
  await waitForText(browser, "E2E Acme");
  const text = await browser.execute(() => document.body.innerText);
  assert.ok(!text.includes(TOKEN), "the token must never be shown");
  await shot(browser, "04-connection-added");
});

test("the CLI reads the same database", () => {
  const list = JSON.parse(
    execFileSync(CLI, ["--data-dir", DATA, "connections", "list", "--json"], { encoding: "utf8" }),
  );
  assert.equal(list.length, 1);
  assert.equal(list[0].name, "E2E Acme");
  assert.equal(list[0].scim.url, "https://127.0.0.1:9/scim/v2");
  assert.equal(list[0].has_scim_token, true);
  // Every file of the data folder, lock files in locks/ included.
  for (const f of readdirSync(DATA, { recursive: true })) {
    const path = join(DATA, String(f));
    if (!statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    assert.ok(!bytes.includes(Buffer.from(TOKEN)), `token found in ${f}`);
  }
});

test("after a restart the UI reads the connection back", async () => {
  await browser.deleteSession();
  browser = await openApp();
  await clickButton(browser, "Connections");
  await waitForText(browser, "E2E Acme");
  await waitForText(browser, "https://127.0.0.1:9/scim/v2");
  await shot(browser, "05-after-restart");
});
