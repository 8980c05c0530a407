// Settings → Appearance in the real window (issue 18, item 9): the theme
// switch applies at once (same page, no reload), is stored by the engine and
// is back at the next start before the page's own scripts run (the shell's
// init script sets <html data-theme> and data-theme-boot, which nothing else
// writes). And placeholders look like placeholders (italic, quieter than a
// typed value) in light and dark. The web view itself prefers light here
// (Xvfb, no GTK dark theme), so Dark can only come from the switch.
// Screenshots: target/e2e/theme-*.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { session, tempDir } from "./support.mjs";

const data = tempDir("theme");
const DARK_BG = "rgb(14, 16, 21)"; // --bg, dark
const LIGHT_BG = "rgb(246, 247, 249)"; // --bg, light
const app = session("theme");
const { click, shot } = app;
let browser;

const look = () =>
  browser.execute(() => ({
    theme: document.documentElement.getAttribute("data-theme"),
    boot: document.documentElement.getAttribute("data-theme-boot"),
    bg: getComputedStyle(document.body).backgroundColor,
    scheme: getComputedStyle(document.documentElement).colorScheme,
    marker: window.__sameDocument === true,
  }));

async function launch() {
  browser = await app.launch({ data });
}

async function openAppearance() {
  await browser.execute(() => {
    window.location.hash = "#/settings";
  });
  const group = await browser.$('[role="radiogroup"][aria-label="Theme"]');
  await group.waitForExist({ timeout: 20000 });
  await group.scrollIntoView();
}

const choose = (label) => click(`//*[@role="radiogroup" and @aria-label="Theme"]//label[normalize-space(.)="${label}"]`, `theme ${label}`);

/**
 * How placeholders are drawn in the connection form. WebKit does not compute
 * styles for `::placeholder` (getComputedStyle ignores the pseudo-element),
 * so this reads the rule the window loaded for a real input's placeholder
 * and resolves its colour against the typed value's, in the current theme.
 */
async function placeholderStyle() {
  await app.nav("Connections");
  await browser.execute(() => {
    window.location.hash = "#/connections/new";
  });
  const input = await browser.$('input[placeholder="https://api.example.com/scim/v2"]');
  await input.waitForExist({ timeout: 20000 });
  return browser.execute((el) => {
    const rules = [...document.styleSheets].flatMap((s) => [...s.cssRules]).filter((r) => r.selectorText?.includes("::placeholder"));
    const applies = rules.filter((r) => r.selectorText.split(",").some((sel) => el.matches(sel.trim().replace(/::placeholder$/, ""))));
    const rule = applies[applies.length - 1];
    const root = getComputedStyle(document.documentElement);
    const resolve = (v) => (v.startsWith("var(") ? root.getPropertyValue(v.slice(4, -1).trim()).trim() : v);
    const v = getComputedStyle(el);
    return {
      placeholderStyle: rule?.style.fontStyle ?? "none",
      placeholderColor: rule ? resolve(rule.style.color) : "none",
      valueStyle: v.fontStyle,
      valueColor: resolve("var(--text)"),
      valueComputed: v.color,
    };
  }, input);
}

test("Dark applies at once, survives a relaunch from before the first script, and System follows the web view again", async () => {
  await launch();
  let l = await look();
  assert.equal(l.theme, null, "System by default");
  assert.equal(l.boot, "system");
  assert.equal(l.bg, LIGHT_BG);

  await openAppearance();
  await browser.execute(() => {
    window.__sameDocument = true;
  });
  await choose("Dark");
  await browser.waitUntil(async () => (await look()).bg === DARK_BG, { timeout: 3000, timeoutMsg: "Dark did not apply at once" });
  l = await look();
  assert.equal(l.theme, "dark");
  assert.equal(l.scheme, "dark");
  assert.ok(l.marker, "the same document: no reload");
  await shot("dark-settings");
  const stored = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__.invoke("get_theme").then(done, (e) => done(`error: ${JSON.stringify(e)}`));
  });
  assert.equal(stored, "dark");

  const dark = await placeholderStyle();
  assert.equal(dark.placeholderStyle, "italic", JSON.stringify(dark));
  assert.equal(dark.valueStyle, "normal");
  assert.notEqual(dark.placeholderColor, dark.valueColor);
  await shot("dark-placeholders");

  // Relaunch: dark from the init script, before the UI asked for it.
  await app.quit();
  await launch();
  l = await look();
  assert.equal(l.boot, "dark", "set by the shell's init script at document start");
  assert.equal(l.theme, "dark");
  assert.equal(l.bg, DARK_BG);
  await shot("dark-relaunch");

  await openAppearance();
  const checked = await browser.execute(() => document.querySelector('[aria-label="Theme"] input:checked')?.value);
  assert.equal(checked, "dark");
  await choose("Light");
  await browser.waitUntil(async () => (await look()).bg === LIGHT_BG, { timeout: 3000, timeoutMsg: "Light did not apply at once" });
  const light = await placeholderStyle();
  assert.equal(light.placeholderStyle, "italic", JSON.stringify(light));
  assert.notEqual(light.placeholderColor, light.valueColor);
  await shot("light-placeholders");

  await openAppearance();
  await choose("System");
  await browser.waitUntil(async () => (await look()).theme === null, { timeout: 3000, timeoutMsg: "System did not apply" });
  assert.equal((await look()).bg, LIGHT_BG, "the web view prefers light here");
});
