// What every end-to-end file shares: the environment scripts/e2e.sh sets,
// one app session through tauri-driver (a fresh data folder, the window up),
// waiting, clicking, the sidebar, screenshots (with a check that a region of
// one is not blank), window sizing, IPC from the web view and dunst's
// notification history.
//
//   import { session } from "./support.mjs";
//   const app = session("incidents");          // ends its window after the file
//   before(async () => (browser = await app.launch()));
//   await app.button("Open the demo tenant");
//   await app.waitForText(DEMO);
//   await app.shot("acknowledged");            // target/e2e/incidents-acknowledged.png
import { after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { remote } from "webdriverio";

export const PORT = Number(process.env.E2E_DRIVER_PORT || 4444);
export const APP = process.env.SCIMWATCH_APP;
export const CLI = process.env.SCIMWATCH_CLI;
export const OUT = process.env.SCIMWATCH_E2E_OUT;
export const DEMO = "Demo tenant (simulated)";

/** A fresh folder under the system's temporary directory. */
export const tempDir = (name) => mkdtempSync(join(tmpdir(), `scimwatch-${name}-`));

/** A string quoted for /bin/sh. */
export const shQuote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

/** A script that runs the app with `prelude` before it (e.g. `GTK_THEME=Adwaita:dark`). */
export function wrappedApp(dir, name, prelude) {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${prelude} exec ${shQuote(APP)} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

const slug = (s) => s.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);

/**
 * One app window at a time. `name` names its data folder and its failure
 * screenshots (`<name>-failed-….png`); `shots` prefixes `shot(…)`'s files
 * (`<name>-` unless told). The helpers are bound: destructure them freely.
 */
export class App {
  constructor(name, { shots = `${name}-`, clickTimeout = 30000 } = {}) {
    this.name = name;
    this.prefix = shots;
    this.clickTimeout = clickTimeout;
    this.browser = undefined;
    for (const k of Object.getOwnPropertyNames(App.prototype)) {
      if (k !== "constructor" && typeof this[k] === "function") this[k] = this[k].bind(this);
    }
  }

  /** Starts the app on `data` (a fresh folder unless given) and waits for `ready` in the page. */
  async launch({ data = tempDir(this.name), application = APP, ready = "Overview", timeout = 30000 } = {}) {
    this.data = data;
    this.browser = await remote({
      hostname: "127.0.0.1",
      port: PORT,
      logLevel: "error",
      capabilities: { "tauri:options": { application, args: ["--data-dir", data] } },
    });
    if (ready) await this.waitForText(ready, timeout);
    return this.browser;
  }

  /** Ends the window (the driver ends the app's process). */
  async quit() {
    const b = this.browser;
    this.browser = undefined;
    if (b) await b.deleteSession().catch(() => {});
  }

  text() {
    return this.browser.execute(() => document.body.innerText);
  }

  /**
   * The text of every open dialog (innerText, not WebDriver's getText: a
   * drawer slides in from opacity 0, and getText is empty while an element
   * is not yet "displayed").
   */
  dialogText() {
    return this.browser.execute(() => [...document.querySelectorAll('[role="dialog"]')].map((d) => d.innerText).join("\n"));
  }

  async shot(name) {
    return this.browser.saveScreenshot(join(OUT, `${this.prefix}${name}.png`));
  }

  /** Waits for `pred()`; on a timeout, a screenshot of what was shown instead. */
  async waitFor(pred, what, timeout = 60000, interval = 300) {
    try {
      await this.browser.waitUntil(pred, { timeout, interval, timeoutMsg: what });
    } catch (e) {
      await this.browser.saveScreenshot(join(OUT, `${this.name}-failed-${slug(what)}.png`)).catch(() => {});
      throw e;
    }
  }

  /** `pred(page text)` becomes true. */
  waitForPage(pred, what, timeout = 60000) {
    return this.waitFor(async () => pred(await this.text()), what, timeout, 500);
  }

  /** The page's text contains `t` (case aside). */
  waitForText(t, timeout = 60000) {
    return this.waitForPage((s) => s.toLowerCase().includes(t.toLowerCase()), `"${t}" never appeared`, timeout);
  }

  /** Clicks the first of `xpath`'s elements that is shown and clickable, once there is one. */
  async click(xpath, what, timeout = this.clickTimeout) {
    await this.waitFor(
      async () => {
        for (const el of await this.browser.$$(xpath)) {
          if ((await el.isDisplayed()) && (await el.isClickable())) {
            await el.click();
            return true;
          }
        }
        return false;
      },
      `no clickable ${what}`,
      timeout,
    );
  }

  /** A button or link whose text contains `name`. */
  button(name, timeout) {
    return this.click(`//*[(self::button or self::a) and contains(normalize-space(.), "${name}")]`, name, timeout);
  }

  /** A sidebar entry. */
  nav(name) {
    return this.click(`//nav//*[(self::a or self::button) and contains(normalize-space(.), "${name}")]`, `nav ${name}`);
  }

  /** The form control labelled `label` (its <label>'s text starts with it, case aside), once there is one. */
  async field(label, timeout = 20000) {
    let ref = null;
    const find = (t) => {
      const l = [...document.querySelectorAll("label")].find((x) => x.textContent.trim().toLowerCase().startsWith(t.toLowerCase()));
      return l?.control ?? null;
    };
    await this.waitFor(async () => (ref = await this.browser.execute(find, label)) !== null, `no control labelled "${label}"`, timeout);
    return this.browser.$(ref);
  }

  /** First launch: Open the demo tenant, until it is listed (and, with `polled`, read once). */
  async openDemo({ polled = false } = {}) {
    await this.button("Open the demo tenant");
    await this.waitForText(DEMO);
    if (polled) await this.waitForPage((t) => !/not polled yet/i.test(t), "the demo was never polled");
  }

  /** Two animation frames: the layout of the last render is done. */
  frames() {
    return this.browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  }

  /** Sizes the web view's viewport (not the outer window) to w×h; GTK sometimes drops a request, so ask again. */
  async sizeTo(w, h) {
    await this.browser.waitUntil(
      async () => {
        const [iw, ih] = await this.browser.execute(() => [window.innerWidth, window.innerHeight]);
        if (iw === w && ih === h) return true;
        const { width, height } = await this.browser.getWindowRect();
        await this.browser.setWindowSize(width + w - iw, height + h - ih);
        return false;
      },
      { timeout: 10000, interval: 300, timeoutMsg: `the window never became ${w}×${h}` },
    );
  }

  /** A Tauri command from the web view: its answer, or `{ error }`. */
  invoke(cmd, args = {}) {
    return this.browser.executeAsync(
      (c, a, done) => window.__TAURI_INTERNALS__.invoke(c, a).then(done, (e) => done({ error: e })),
      cmd,
      args,
    );
  }

  /**
   * A screenshot in which the last element matching `selector` shows
   * something: its visible box in the picture holds more than a few colours
   * (text is antialiased; a blank box is one flat colour, a scrollbar adds
   * one or two). Painting can trail the DOM, so it is taken again a few
   * frames later until it does; it fails if it never does.
   */
  async shotShowing(name, selector, timeout = 5000) {
    let last = null;
    const deadline = Date.now() + timeout;
    for (;;) {
      await this.frames();
      const box = await this.browser.execute((sel) => {
        const all = document.querySelectorAll(sel);
        const el = all[all.length - 1];
        if (!el) return null;
        const r = el.getBoundingClientRect();
        const x = Math.max(0, r.left);
        const y = Math.max(0, r.top);
        const w = Math.min(window.innerWidth, r.right) - x;
        const h = Math.min(window.innerHeight, r.bottom) - y;
        return { x, y, w, h, dpr: window.devicePixelRatio || 1 };
      }, selector);
      assert.ok(box && box.w > 0 && box.h > 0, `${selector} is not on the page`);
      const png = Buffer.from(await this.browser.takeScreenshot(), "base64");
      last = regionColours(decodePng(png), box);
      if (last > 4) {
        writeFileSync(join(OUT, `${this.prefix}${name}.png`), png);
        return;
      }
      if (Date.now() > deadline) {
        writeFileSync(join(OUT, `${this.name}-failed-${slug(name)}-blank.png`), png);
        assert.fail(`${selector} is painted blank (${last} colours) in the screenshot ${name} although it is in the DOM`);
      }
      await this.browser.pause(200);
    }
  }
}

/** An `App` whose window is ended after the file's (or the enclosing describe's) tests. */
export function session(name, options) {
  const app = new App(name, options);
  after(() => app.quit());
  return app;
}

/** Every notification dunst has shown in this D-Bus session: its id and "summary | body" (closed ones move to its history). */
export function notificationHistory() {
  execFileSync("dunstctl", ["close-all"]);
  const h = JSON.parse(execFileSync("dunstctl", ["history"], { encoding: "utf8" }));
  return h.data.flat().map((n) => ({ id: n.id?.data, text: `${n.summary?.data ?? ""} | ${n.body?.data ?? ""}`, raw: n }));
}

// ---------- PNG, enough to read WebKitWebDriver's screenshots ----------

/** 8-bit RGB or RGBA, not interlaced (what WebKitWebDriver writes): `{ width, height, channels, pixels }`. */
export function decodePng(buf) {
  assert.equal(buf.toString("latin1", 1, 4), "PNG", "not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      assert.ok(depth === 8 && (colour === 2 || colour === 6) && interlace === 0, `unsupported PNG (depth ${depth}, colour type ${colour}, interlace ${interlace})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[out + x - channels] : 0;
      const b = y > 0 ? pixels[out - stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[out - stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[out + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many distinct colours the box (CSS pixels, scaled by `dpr`) holds, up to 64. */
export function regionColours(img, { x, y, w, h, dpr = 1 }) {
  const x0 = Math.max(0, Math.floor(x * dpr));
  const y0 = Math.max(0, Math.floor(y * dpr));
  const x1 = Math.min(img.width, Math.ceil((x + w) * dpr));
  const y1 = Math.min(img.height, Math.ceil((y + h) * dpr));
  const seen = new Set();
  for (let py = y0; py < y1 && seen.size < 64; py++) {
    for (let px = x0; px < x1; px++) {
      const i = (py * img.width + px) * img.channels;
      seen.add((img.pixels[i] << 16) | (img.pixels[i + 1] << 8) | img.pixels[i + 2]);
    }
  }
  return seen.size;
}
