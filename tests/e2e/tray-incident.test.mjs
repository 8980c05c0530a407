// The tray menu's item for an open incident (issue 18, items 9 and 10) in
// the real window. The item emits `show-incident` (src-tauri/src/tray.rs:
// action_for and show_incident, unit-tested there), and the UI goes to
// `#/incidents/<connection>?incident=<id>` (ui/src/screens/ShowIncident.test.tsx
// drives the event). The tray itself cannot be clicked under Xvfb (no
// StatusNotifier host), so this test opens that address in the real window
// with a real incident of the demo tenant and checks that the Incidents
// screen shows it focused and outlined, not the Overview.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { session } from "./support.mjs";

const app = session("tray");
const { click, invoke } = app;
let browser;

before(async () => {
  browser = await app.launch();
});

test("the tray's incident address opens that incident, focused, on the Incidents screen", async () => {
  await app.openDemo({ polled: true });
  await click('//*[@role="switch" and contains(@aria-label, "Groups object mapping disabled")]', "groups mapping switch");
  let open = [];
  await browser.waitUntil(
    async () => {
      const r = await invoke("list_incidents", { connection: null, activeOnly: true });
      open = Array.isArray(r) ? r : [];
      return open.length > 0;
    },
    { timeout: 90000, interval: 1000, timeoutMsg: "no incident opened" },
  );
  const target = open[0];
  await browser.execute((h) => {
    window.location.hash = h;
  }, `#/incidents/${encodeURIComponent(target.connection_id)}?incident=${target.id}`);
  await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === `incident-${target.id}`, {
    timeout: 20000,
    timeoutMsg: "the incident was not focused",
  });
  const seen = await browser.execute(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    return {
      h1: document.querySelector("h1")?.textContent,
      text: el.innerText,
      current: el.getAttribute("aria-current"),
      ring: getComputedStyle(el.querySelector(".incident-card")).boxShadow,
      visible: r.top >= 0 && r.bottom <= window.innerHeight + 1,
    };
  });
  assert.equal(seen.h1, "Incidents");
  assert.ok(seen.text.includes(target.incident.title), seen.text);
  assert.equal(seen.current, "true");
  assert.match(seen.ring, /rgb/, "outlined");
  assert.ok(seen.visible, "scrolled into view");
  await app.shot("incident-focused");
});
