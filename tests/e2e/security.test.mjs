// The real web view's sandbox: no network beyond IPC (CSP), no command
// outside the capability's allow-list, no Tauri globals.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { session } from "./support.mjs";

const app = session("sec");
let browser;

before(async () => {
  browser = await app.launch({ timeout: 20000 });
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
