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
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
const APP = process.env.SCIMWATCH_APP;
const OUT = process.env.SCIMWATCH_E2E_OUT;
const DEMO = "Demo tenant (simulated)";
const COPIED = "Couldn't open a browser — link copied";
const OPENED = "Opened in your browser";

const dir = mkdtempSync(join(tmpdir(), "scimwatch-links-"));
const bin = join(dir, "bin");
const LOG = join(dir, "opened.log");
const MODE = join(dir, "mode");
let browser;

const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The app behind fake launchers: each records its argument, then exits as MODE says. */
function wrappedApp() {
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
  const app = join(dir, "scimwatch-links");
  writeFileSync(app, `#!/bin/sh\nPATH=${quote(bin)}:"$PATH" exec ${quote(APP)} "$@"\n`);
  chmodSync(app, 0o755);
  return app;
}

const text = () => browser.execute(() => document.body.innerText);
const shot = (name) => browser.saveScreenshot(join(OUT, `links-${name}.png`));
const opened = () => (existsSync(LOG) ? readFileSync(LOG, "utf8").trim().split("\n").filter(Boolean) : []);

async function click(xpath, what, timeout = 30000) {
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
    { timeout, timeoutMsg: `no clickable ${what}` },
  );
}

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
  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "error",
    capabilities: { "tauri:options": { application: wrappedApp(), args: ["--data-dir", join(dir, "data")] } },
  });
  await browser.waitUntil(async () => (await text()).includes("Overview"), { timeout: 30000 });
  await click(`//button[contains(normalize-space(.), "Open the demo tenant")]`, "Open the demo tenant");
  await browser.waitUntil(async () => (await text()).includes(DEMO), { timeout: 60000, timeoutMsg: "the demo never opened" });
  await click(`//nav//*[(self::a or self::button) and contains(normalize-space(.), "Troubleshooting")]`, "nav Troubleshooting");
});
after(async () => {
  if (browser) await browser.deleteSession().catch(() => {});
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
