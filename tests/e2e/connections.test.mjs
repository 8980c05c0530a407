// End to end on the real desktop app: WebKitWebDriver drives the real window
// (started by tauri-driver under Xvfb) against a fresh data folder. Adds a
// connection through the UI, reads it back in the UI after a restart and
// through `scimwatch-cli connections list --json` on the same database.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { APP, CLI, session, tempDir } from "./support.mjs";

const DATA = tempDir("e2e");
const TOKEN = "e2e-SECRET-token-5b8d1f";
const app = session("connections", { shots: "" });
const { field, shot, waitForText } = app;

async function openApp() {
  const browser = await app.launch({ data: DATA, ready: "Connections", timeout: 20000 });
  await browser.setTimeout({ implicit: 0 });
  return browser;
}

/** Click the first visible button or link whose text contains `name`. */
const clickButton = (name) => app.button(name, 10000);

let browser;
before(async () => {
  assert.ok(APP && existsSync(APP), `app binary missing: ${APP}`);
  browser = await openApp();
});

test("the window opens with the navigation", async () => {
  const text = await browser.execute(() => document.body.innerText);
  for (const screen of ["Overview", "Connections", "Provisioning logs", "Troubleshooting", "Settings"]) {
    assert.ok(text.includes(screen), `navigation lacks ${screen}`);
  }
  await shot("01-start");
});

test("a bad Tenant URL is refused with a specific message", async () => {
  await clickButton("Connections");
  await clickButton("Add connection");
  await (await field("Name")).setValue("E2E Refused");
  await (await field("Tenant URL")).setValue("http://insecure.example.com/scim");
  await (await field("Secret Token")).setValue(TOKEN);
  await browser.keys("Enter");
  await waitForText("plain http is refused");
  await shot("02-validation-error");
  await clickButton("Cancel");
  // The form was edited: the app asks before discarding it.
  await waitForText("Discard unsaved changes?");
  await clickButton("Discard");
  await browser.waitUntil(async () => !(await (await browser.$('//*[@role="dialog"]')).isExisting()), {
    timeout: 5000,
    timeoutMsg: "the dialog did not close",
  });
  const cli = JSON.parse(execFileSync(CLI, ["--data-dir", DATA, "connections", "list", "--json"]));
  assert.equal(cli.length, 0, "a refused connection must not be stored");
});

test("add a connection through the UI and see it listed", async () => {
  await clickButton("Add connection");
  await (await field("Name")).setValue("E2E Acme");
  await (await field("Tenant URL")).setValue("https://127.0.0.1:9/scim/v2/");
  await (await field("Secret Token")).setValue(TOKEN);
  await shot("03-form-filled");
  const submit = await browser.$('//*[@role="dialog"]//button[@type="submit"]');
  await submit.click();
  await browser.waitUntil(async () => !(await (await browser.$('//*[@role="dialog"]')).isExisting()), {
    timeout: 10000,
    timeoutMsg: "the dialog did not close after saving",
  });
  await waitForText("https://127.0.0.1:9/scim/v2");
  await waitForText("E2E Acme");
  const text = await browser.execute(() => document.body.innerText);
  assert.ok(!text.includes(TOKEN), "the token must never be shown");
  await shot("04-connection-added");
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
  await app.quit();
  browser = await openApp();
  await clickButton("Connections");
  await waitForText("E2E Acme");
  await waitForText("https://127.0.0.1:9/scim/v2");
  await shot("05-after-restart");
});
