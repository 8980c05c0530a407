// Layout of every screen in the real WebKitGTK window (issue 18, items 1–2),
// with the demo tenant, at 1024×700, 1280×800 and 1920×1080, light and dark:
// the document never scrolls (only the content pane does, the sidebar stays
// put), nothing overflows horizontally, labels never sit on their values and
// prose is never broken mid-word. See layout-probe.mjs for the checks.
//
// One app session per theme, resized through WebDriver for each size. Dark is
// the web view's real preferred colour scheme: the app is started with
// GTK_THEME=Adwaita:dark (WebKitGTK derives prefers-color-scheme from it):
// the theme stays on System, which follows the web view's preference.
// Settings → Appearance's Light / Dark switch is tested in theme.test.mjs.
//
// Screenshots: target/e2e/<screen>-<w>x<h>-<theme>.png.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { BOXES, layoutProbe } from "./layout-probe.mjs";
import { APP, DEMO, session, tempDir, wrappedApp } from "./support.mjs";

const SIZES = [
  [1024, 700],
  [1280, 800],
  [1920, 1080],
];
const SCREENS = [
  { id: "overview", title: "Overview" },
  { id: "connections", title: "Connections" },
  { id: "mappings", title: "Mappings" },
  { id: "token", title: "Token" },
  { id: "logs", title: "Provisioning logs" },
  { id: "logs-drawer", nav: "logs", title: "Provisioning logs", drawer: true },
  { id: "inventory", title: "Inventory" },
  { id: "troubleshooting", title: "Troubleshooting" },
  { id: "incidents", title: "Incidents" },
  { id: "settings", title: "Settings" },
];

/** The app, started with GTK's dark theme so the web view prefers dark. */
const darkApp = () => wrappedApp(tempDir("dark"), "scimwatch-dark", "GTK_THEME=Adwaita:dark");

for (const theme of ["light", "dark"]) {
  describe(`layout, ${theme}`, () => {
    const app = session(`layout-${theme}`, { shots: "" });
    const { text, shot } = app;
    let browser;

    /** Loading is over: no skeleton, nothing busy (bounded; a slow screen is still checked). */
    async function settle() {
      await browser
        .waitUntil(
          () =>
            browser.execute(
              () => !document.querySelector('.skeleton, [aria-busy="true"], [role="status"][aria-label^="Loading"]'),
            ),
          { timeout: 10000, interval: 200 },
        )
        .catch(() => {});
      await app.frames();
    }

    async function go(screen) {
      const link = await browser.$(`nav a.nav-item[href="#/${screen.nav ?? screen.id}"]`);
      await link.click();
      await browser.waitUntil(
        () => browser.execute((t) => (document.querySelector("h1")?.textContent ?? "").startsWith(t), screen.title),
        { timeout: 20000, timeoutMsg: `the ${screen.title} screen never appeared` },
      );
      await settle();
    }

    async function openDrawer() {
      // An event with an error code if there is one: its drawer has the error, the steps and their details.
      await browser.waitUntil(() => browser.execute(() => !!document.querySelector(".log-open")), {
        timeout: 60000,
        interval: 500,
        timeoutMsg: "the demo tenant's log stayed empty",
      });
      await browser.execute(() => {
        const withCode = [...document.querySelectorAll(".log-row")].find((r) => r.querySelector(".log-error .mono"));
        (withCode?.querySelector(".log-open") ?? document.querySelector(".log-row-bad .log-open") ?? document.querySelector(".log-open")).click();
      });
      await browser.waitUntil(() => browser.execute(() => !!document.querySelector(".dialog-drawer .drawer-body")), {
        timeout: 20000,
        timeoutMsg: "the event drawer never showed its details",
      });
      await settle();
    }

    /** The viewport to w×h (see support.mjs), then loading and layout settle. */
    async function resize(w, h) {
      await app.sizeTo(w, h);
      await settle();
    }

    /** Real wheel turns over the content pane and the sidebar: the document stays put. */
    async function wheel(w, h) {
      const state = () =>
        browser.execute(() => [document.scrollingElement.scrollTop, document.querySelector(".sidebar").getBoundingClientRect().top]);
      const [, top0] = await state();
      const problems = [];
      for (const [x, y, where] of [
        [Math.round(w * 0.6), Math.round(h * 0.6), "content"],
        [Math.round(w * 0.6), Math.round(h * 0.6), "content, past its end"],
        [100, Math.round(h * 0.5), "sidebar"],
      ]) {
        await browser.action("wheel").scroll({ x, y, deltaX: 0, deltaY: 4000, duration: 100 }).perform();
        await browser.pause(150);
        const [scrollTop, top] = await state();
        if (scrollTop !== 0) problems.push(`a wheel over the ${where} scrolled the document by ${scrollTop}px`);
        if (top !== top0) problems.push(`a wheel over the ${where} moved the sidebar from ${top0}px to ${top}px`);
      }
      await browser.execute(() => {
        document.querySelector(".main").scrollTop = 0;
        document.scrollingElement.scrollTop = 0;
      });
      return problems;
    }

    before(async () => {
      browser = await app.launch({ application: theme === "dark" ? darkApp() : APP });
      const dark = await browser.execute(() => matchMedia("(prefers-color-scheme: dark)").matches);
      assert.equal(dark, theme === "dark", `the web view does not prefer ${theme}`);
      // The Overview offers the demo once it knows there is no connection yet.
      await browser.waitUntil(
        () =>
          browser.execute(() => {
            const open = [...document.querySelectorAll("button")].find((b) => b.textContent.includes("Open the demo tenant"));
            open?.click();
            return !!open;
          }),
        { timeout: 30000, interval: 300, timeoutMsg: "no button opens the demo tenant" },
      );
      await browser.waitUntil(async () => (await text()).includes(DEMO), { timeout: 60000, timeoutMsg: "no demo tenant" });
      // Polled: the overview card reads the job.
      await browser.waitUntil(async () => /Last cycle/.test(await text()), { timeout: 60000, interval: 500 }).catch(() => {});
    });

    for (const screen of SCREENS) {
      test(`${screen.id}: only the content pane scrolls, nothing overflows or overlaps (${theme})`, async () => {
        await go(screen);
        if (screen.drawer) await openDrawer();
        const problems = [];
        for (const [w, h] of SIZES) {
          await resize(w, h);
          await browser.execute(() => (document.querySelector(".main").scrollTop = 0));
          await shot(`${screen.id}-${w}x${h}-${theme}`);
          const found = await browser.execute(layoutProbe, BOXES);
          // Real wheel turns where the page is longest against the window (the programmatic check runs at every size).
          if (!screen.drawer && w === SIZES[0][0]) found.push(...(await wheel(w, h)));
          problems.push(...found.map((p) => `${w}×${h}: ${p}`));
        }
        if (screen.drawer) await browser.keys("Escape");
        assert.deepEqual(problems, [], `${screen.id} (${theme}):\n  ${problems.join("\n  ")}`);
      });
    }
  });
}
