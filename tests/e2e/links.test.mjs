// Portal deep links in the real window (issue 18, item 9): Troubleshooting's
// "Open … in the Entra admin center" goes through tauri-plugin-opener, which
// on Linux runs xdg-open (then gio, …). The app is started through a wrapper
// that puts a fake xdg-open and gio first on PATH: they record each URL they
// are given, and either fail like a desktop with no browser (exit 3 / 2) or
// succeed like one with a browser (exit 0), as tests/e2e's MODE file says.
// - no browser: the link is copied and "Couldn't open a browser — link
//   copied" shows; xdg-open was asked for exactly that URL;
// - a browser: "Opened in your browser", the URL handed over unchanged;
// - the capability: a URL on any other host is refused by Tauri before any
//   launcher runs.
// Screenshots: target/e2e/links-*.png.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { session, shQuote as quote, tempDir, wrappedApp } from "./support.mjs";

const COPIED = "Couldn't open a browser — link copied";
const OPENED = "Opened in your browser";

const dir = tempDir("links");
const bin = join(dir, "bin");
const LOG = join(dir, "opened.log");
const MODE = join(dir, "mode");
const app = session("links");
const { shot } = app;
let browser;

/** The app behind fake launchers: each records its argument, then exits as MODE says. */
function appBehindFakeLaunchers() {
  mkdirSync(bin);
  const fake = (name, failCode, argIndex) =>
    writeFileSync(
      join(bin, name),
      `#!/bin/sh\nprintf '%s %s\\n' ${name} "$${argIndex}" >> ${quote(LOG)}\n` +
        `[ "$(cat ${quote(MODE)})" = browser ] && exit 0\nexit ${failCode}\n`,
      { mode: 0o755 },
    );
  fake("xdg-open", 3, 1); // xdg-open: 3 = "a required tool could not be found"
  fake("gio", 2, 2); // gio open <url>: 2 = launch error
  return wrappedApp(dir, "scimwatch-links", `PATH=${quote(bin)}:"$PATH"`);
}

const opened = () => (existsSync(LOG) ? readFileSync(LOG, "utf8").trim().split("\n").filter(Boolean) : []);

/** The first portal link of the checklist: steps are selected in turn until one shows it. */
async function portalLink() {
  let href = null;
  await browser.waitUntil(
    async () => {
      href = await browser.execute(() => {
        const a = document.querySelector('.deep-link a[href^="https://entra.microsoft.com/"]');
        if (a) return a.getAttribute("href");
        const steps = [...document.querySelectorAll('nav[aria-label="Checklist steps"] button')];
        const at = steps.findIndex((b) => b.getAttribute("aria-current") === "step");
        steps[(at + 1) % Math.max(steps.length, 1)]?.click();
        return null;
      });
      return href !== null;
    },
    { timeout: 30000, interval: 300, timeoutMsg: "no step shows a portal link" },
  );
  return href;
}

async function statusText() {
  return browser.execute(() => document.querySelector(".deep-link .external-link")?.innerText ?? "");
}

before(async () => {
  writeFileSync(MODE, "none");
  browser = await app.launch({ application: appBehindFakeLaunchers(), data: join(dir, "data") });
  await app.openDemo();
  await app.nav("Troubleshooting");
});

test("with no browser, a portal link is copied and the window says so", async () => {
  const href = await portalLink();
  assert.match(href, /^https:\/\/entra\.microsoft\.com\/#view\/Microsoft_AAD_IAM\/ManagedAppMenuBlade\//);
  const link = await browser.$(`.deep-link a[href="${href}"]`);
  await link.scrollIntoView();
  await link.click();
  let status = "";
  await browser.waitUntil(async () => (status = await statusText()).includes("Couldn't open a browser"), {
    timeout: 20000,
    timeoutMsg: "no fallback message after the click",
  });
  await shot("no-browser");
  assert.ok(status.includes(COPIED), `the link was copied: ${status}`);
  const state = await browser.execute(() => document.querySelector(".deep-link .external-link")?.dataset.externalLink);
  assert.equal(state, "copied");
  // The opener asked xdg-open (then gio) for exactly that URL, nothing else.
  assert.deepEqual(opened(), [`xdg-open ${href}`, `gio ${href}`]);
});

test("with a browser, the portal link is handed to it unchanged", async () => {
  writeFileSync(MODE, "browser");
  writeFileSync(LOG, "");
  const href = await portalLink();
  await (await browser.$(`.deep-link a[href="${href}"]`)).click();
  await browser.waitUntil(async () => (await statusText()).includes(OPENED), { timeout: 20000, timeoutMsg: "never said opened" });
  await shot("opened");
  assert.deepEqual(opened(), [`xdg-open ${href}`]);
});

test("the capability refuses any other host before a launcher runs", async () => {
  writeFileSync(LOG, "");
  for (const url of ["https://evil.example/", "https://entra.microsoft.com.evil.example/x", "http://entra.microsoft.com/", "file:///etc/passwd"]) {
    const r = await browser.executeAsync((u, done) => {
      window.__TAURI_INTERNALS__.invoke("plugin:opener|open_url", { url: u }).then(
        () => done("opened"),
        (e) => done(`refused: ${typeof e === "string" ? e : JSON.stringify(e)}`),
      );
    }, url);
    assert.match(r, /^refused: .*not allowed/i, `${url}: ${r}`);
  }
  assert.deepEqual(opened(), [], "no launcher ran");
});
