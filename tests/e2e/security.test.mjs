// The real web view's sandbox: no network beyond IPC (CSP), no command
// outside the capability's allow-list, no Tauri globals.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
let browser;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), "scimwatch-sec-"));
  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    capabilities: {
      "tauri:options": { application: process.env.SCIMWATCH_APP, args: ["--data-dir", data] },
    },
  });
  await browser.waitUntil(async () => (await browser.execute(() => document.body.innerText)).includes("Overview"), {
    timeout: 20000,
  });
});
after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
});

test("fetch to any host but IPC is blocked by the CSP", async () => {
  const result = await browser.executeAsync((done) => {
    fetch("http://127.0.0.1:9/")
      .then(() => done("allowed"))
      .catch((e) => done(`blocked: ${e}`));
  });
  assert.match(result, /^blocked/);
});

test("no global Tauri object is exposed", async () => {
  assert.equal(await browser.execute(() => typeof window.__TAURI__), "undefined");
});

test("a command outside the allow-list is refused; an allowed one works", async () => {
  const denied = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__
      .invoke("plugin:fs|read_text_file", { path: "/etc/passwd" })
      .then(() => done("allowed"))
      .catch((e) => done(`refused: ${e}`));
  });
  assert.match(denied, /^refused/);
  const allowed = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__
      .invoke("list_connections")
      .then((v) => done(JSON.stringify(v)))
      .catch((e) => done(`refused: ${e}`));
  });
  assert.equal(allowed, "[]");
});
