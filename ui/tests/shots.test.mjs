// Screenshots of every screen, rendered by Debian's Chromium from the
// production bundle (`ui/dist`) with the app's Content Security Policy. The
// Tauri IPC is replaced by `mockIPC` from `@tauri-apps/api/mocks`, injected as
// an init script, so the bundle itself is unchanged.
//
//   npm run shots            (builds ui/dist first, then writes <repo>/target/ui-shots/*.png)
//   SHOTS_SKIP_BUILD=1 npm run shots
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = resolve(here, "..");
const dist = join(uiDir, "dist");
const outDir = resolve(uiDir, "..", "target", "ui-shots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// The policy the Tauri shell applies: read from <repo>/tauri.conf.json when it
// is there, so violations of the real CSP show up here as console errors.
const FALLBACK_CSP = {
  "default-src": "'self'",
  "connect-src": "ipc: http://ipc.localhost",
  "script-src": "'self'",
  "style-src": "'self' 'unsafe-inline'",
  "img-src": "'self'",
};
function loadTauriConf() {
  const path = resolve(uiDir, "..", "tauri.conf.json");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}
const tauriConf = loadTauriConf();
const cspConf = tauriConf?.app?.security?.csp ?? FALLBACK_CSP;
const CSP =
  typeof cspConf === "string"
    ? cspConf
    : Object.entries(cspConf)
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(" ") : v}`)
        .join("; ");
// Tauri's `freezePrototype` freezes Object.prototype before the app runs.
const FREEZE = tauriConf?.app?.security?.freezePrototype ? "Object.freeze(Object.prototype);" : "";

const SCREENS = [
  "overview",
  "connections",
  "mappings",
  "token",
  "logs",
  "inventory",
  "troubleshooting",
  "incidents",
  "settings",
];

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

let server;
let baseUrl;
let browser;
let mocksBundle;

/** The in-page mock back end: an in-memory list of connections. */
function backendScript(seed) {
  return `
(() => {
  const DAY = 86400000;
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const endOfDay = (ms) => new Date(ms).toISOString().slice(0, 10) + "T23:59:59Z";
  const seed = ${JSON.stringify(seed)};
  const db = seed.map((c) => ({
    ...c,
    created_at: iso(now - c.created_days_ago * DAY),
    updated_at: iso(now - c.updated_days_ago * DAY),
    scim: c.scim ? { url: c.scim.url, token_expires_at: c.scim.expires_in_days == null ? null : endOfDay(now + c.scim.expires_in_days * DAY) } : null,
  }));
  for (const c of db) { delete c.created_days_ago; delete c.updated_days_ago; }
  let next = 100;
  const hosts = {
    global: ["https://login.microsoftonline.com", "https://graph.microsoft.com"],
    usgov: ["https://login.microsoftonline.us", "https://graph.microsoft.us"],
    china: ["https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"],
  };
  const blank = (v) => v == null || String(v).trim() === "";
  function validate(input, secrets, existing) {
    const fields = [];
    const notes = [];
    if (blank(input.name)) fields.push({ field: "name", message: "give the connection a name" });
    if (blank(input.tenant_id) && blank(input.scim_url)) {
      fields.push({ field: "tenant_id", message: "enter an Entra tenant, a SCIM Tenant URL, or both" });
      fields.push({ field: "scim_url", message: "enter a SCIM Tenant URL, an Entra tenant, or both" });
    }
    if (!blank(input.tenant_id) && ["common", "organizations", "consumers"].includes(input.tenant_id.trim().toLowerCase())) {
      fields.push({ field: "tenant_id", message: "\`" + input.tenant_id.trim() + "\` is not a tenant: a monitor needs one specific tenant ID or domain" });
    }
    let url = null;
    if (!blank(input.scim_url)) {
      url = input.scim_url.trim();
      if (url.startsWith("http://")) fields.push({ field: "scim_url", message: "plain http is refused: the token would travel unencrypted; use https" });
      if (url.endsWith("/")) { url = url.replace(/\\/+$/, ""); notes.push("Tenant URL: removed the trailing slash"); }
      if (blank(secrets.scim_token) && !(existing && existing.has_scim_token)) {
        fields.push({ field: "scim_token", message: "paste the Secret Token the SaaS gave you (the same one entered in Entra)" });
      }
    }
    return { fields, notes, url };
  }
  function save(input, secrets, existing) {
    const v = validate(input, secrets, existing);
    if (v.fields.length) {
      throw { kind: "validation", message: v.fields.map((f) => f.field + ": " + f.message).join("; "), fields: v.fields };
    }
    if (db.some((c) => c.name.toLowerCase() === input.name.trim().toLowerCase() && (!existing || c.id !== existing.id))) {
      throw { kind: "conflict", message: "a connection named \\u201c" + input.name.trim() + "\\u201d already exists", fields: [] };
    }
    const cloud = input.cloud;
    const entra = blank(input.tenant_id) ? null : {
      cloud,
      login_url: cloud === "custom" ? input.login_url : hosts[cloud][0],
      graph_url: cloud === "custom" ? input.graph_url : hosts[cloud][1],
      tenant_id: input.tenant_id.trim().toLowerCase(),
      client_id: blank(input.client_id) ? "14d82eec-204b-4c2f-b7e8-296a70dab67e" : input.client_id.trim(),
      auth_mode: input.auth_mode,
      app: blank(input.app) ? null : input.app.trim(),
      service_principal_id: null, app_id: null, app_display_name: null, job_id: null,
    };
    const scim = v.url ? { url: v.url, token_expires_at: blank(input.scim_token_expires) ? null : input.scim_token_expires + "T23:59:59Z" } : null;
    const stamp = new Date().toISOString();
    const conn = {
      id: existing ? existing.id : "c" + (next++),
      name: input.name.trim(),
      entra,
      scim,
      has_scim_token: !!scim && (!blank(secrets.scim_token) || !!(existing && existing.has_scim_token)),
      has_client_secret: !!entra && input.auth_mode === "client_secret" && (!blank(secrets.client_secret) || !!(existing && existing.has_client_secret)),
      created_at: existing ? existing.created_at : stamp,
      updated_at: stamp,
    };
    if (existing) db[db.indexOf(existing)] = conn; else db.push(conn);
    return { connection: conn, notes: v.notes };
  }
  window.__SHOT_CALLS__ = [];
  window.__TAURI_MOCKS__.mockIPC(async (cmd, args) => {
    window.__SHOT_CALLS__.push({ cmd, args });
    await new Promise((r) => setTimeout(r, 60));
    switch (cmd) {
      case "list_connections": return JSON.parse(JSON.stringify(db));
      case "add_connection": return save(args.input, args.secrets, null);
      case "update_connection": {
        const existing = db.find((c) => c.id === args.id);
        if (!existing) throw { kind: "not_found", message: "no such connection", fields: [] };
        return save(args.input, args.secrets, existing);
      }
      case "remove_connection": {
        const i = db.findIndex((c) => c.id === args.id);
        if (i < 0) throw { kind: "not_found", message: "no such connection", fields: [] };
        return db.splice(i, 1)[0];
      }
      case "app_info": return {
        version: "0.1.0",
        data_dir: "/home/admin/.local/share/scimwatch",
        database: "/home/admin/.local/share/scimwatch/scimwatch.db",
        secret_store: "keychain",
        dev_build: true,
      };
      default: throw { kind: "internal", message: "unknown command " + cmd, fields: [] };
    }
  });
})();
`;
}

const SEED = [
  {
    id: "c1",
    name: "Contoso → Acme HR",
    created_days_ago: 12,
    updated_days_ago: 2,
    entra: {
      cloud: "global",
      login_url: "https://login.microsoftonline.com",
      graph_url: "https://graph.microsoft.com",
      tenant_id: "contoso.onmicrosoft.com",
      client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e",
      auth_mode: "delegated",
      app: "Acme HR (SCIM)",
      service_principal_id: null,
      app_id: null,
      app_display_name: null,
      job_id: null,
    },
    scim: { url: "https://api.acme-hr.example/scim/v2", expires_in_days: 23 },
    has_scim_token: true,
    has_client_secret: false,
  },
  {
    id: "c2",
    name: "Fabrikam (GCC High) → Ticketing",
    created_days_ago: 40,
    updated_days_ago: 40,
    entra: {
      cloud: "usgov",
      login_url: "https://login.microsoftonline.us",
      graph_url: "https://graph.microsoft.us",
      tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      client_id: "3f1c2e4a-9b7d-4c1e-8a2f-5d6e7f809a1b",
      auth_mode: "client_secret",
      app: "Ticketing SCIM",
      service_principal_id: null,
      app_id: null,
      app_display_name: null,
      job_id: null,
    },
    scim: { url: "https://tickets.example.net/api/scim", expires_in_days: 4 },
    has_scim_token: true,
    has_client_secret: true,
  },
  {
    id: "c3",
    name: "Wiki SCIM only",
    created_days_ago: 1,
    updated_days_ago: 1,
    entra: null,
    scim: { url: "https://wiki.example.org/scim/v2", expires_in_days: null },
    has_scim_token: true,
    has_client_secret: false,
  },
];

function isLoopback(url) {
  try {
    const u = new URL(url);
    if (u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:") return true;
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

async function openPage({ seed, colorScheme = "light", hash = "#/overview", width = 1280, height = 820 }) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = { console: [], external: [], failed: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.console.push(msg.text());
  });
  page.on("pageerror", (err) => problems.console.push(String(err)));
  page.on("request", (req) => {
    if (!isLoopback(req.url())) problems.external.push(req.url());
  });
  page.on("requestfailed", (req) => problems.failed.push(`${req.url()} ${req.failure()?.errorText ?? ""}`));
  // One script: the mocks bundle defines a local `__TAURI_MOCKS__`, the back end uses it.
  await page.addInitScript({
    content: `${mocksBundle}\nwindow.__TAURI_MOCKS__ = __TAURI_MOCKS__;\n${backendScript(seed)}\n${FREEZE}`,
  });
  await page.goto(`${baseUrl}/index.html${hash}`);
  return { page, context, problems };
}

function assertClean(problems, what) {
  assert.deepEqual(problems.console, [], `console errors on ${what}`);
  assert.deepEqual(problems.external, [], `requests to non-loopback hosts on ${what}`);
  assert.deepEqual(
    problems.failed.filter((f) => !isLoopback(f.split(" ")[0])),
    [],
    `failed requests on ${what}`,
  );
}

async function shot(page, name) {
  // Let animations settle (they are short) and fonts load.
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(outDir, `${name}.png`) });
}

async function gotoScreen(page, screen) {
  await page.evaluate((s) => (window.location.hash = `#/${s}`), screen);
  await page.locator("h1.page-title").filter({ hasText: /./ }).first().waitFor();
  // Wait until no skeleton is left (the list or app info has loaded).
  await page.waitForFunction(() => document.querySelectorAll(".skeleton").length === 0);
}

before(async () => {
  if (!process.env.SHOTS_SKIP_BUILD) {
    execFileSync(join(uiDir, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], {
      cwd: uiDir,
      stdio: "inherit",
    });
  }
  assert.ok(existsSync(join(dist, "index.html")), "ui/dist is missing: run npm run build");
  mkdirSync(outDir, { recursive: true });

  const built = await esbuild.build({
    stdin: {
      contents: 'export { mockIPC, clearMocks } from "@tauri-apps/api/mocks";',
      resolveDir: uiDir,
      loader: "js",
    },
    bundle: true,
    format: "iife",
    globalName: "__TAURI_MOCKS__",
    write: false,
    platform: "browser",
    logLevel: "warning",
  });
  mocksBundle = built.outputFiles[0].text;

  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    const file = normalize(join(dist, path === "/" ? "index.html" : path));
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-security-policy": CSP,
      "cache-control": "no-store",
    });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${server.address().port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
});

describe("screens with connections", () => {
  for (const scheme of ["light", "dark"]) {
    test(`every screen renders (${scheme})`, async () => {
      const { page, context, problems } = await openPage({ seed: SEED, colorScheme: scheme });
      try {
        for (const screen of SCREENS) {
          await gotoScreen(page, screen);
          const current = await page.locator('nav[aria-label="Main"] [aria-current="page"]').getAttribute("href");
          assert.equal(current, `#/${screen}`);
          await shot(page, scheme === "light" ? screen : `${screen}-dark`);
        }
        assertClean(problems, `screens (${scheme})`);
      } finally {
        await context.close();
      }
    });
  }
});

describe("without connections", () => {
  test("overview and connections show their empty states", async () => {
    const { page, context, problems } = await openPage({ seed: [] });
    try {
      await gotoScreen(page, "overview");
      await page.getByRole("heading", { name: "Add your first connection" }).waitFor();
      await shot(page, "overview-empty");
      await gotoScreen(page, "connections");
      await page.getByRole("heading", { name: "No connections yet" }).waitFor();
      await shot(page, "connections-empty");
      await gotoScreen(page, "logs");
      await shot(page, "logs-empty");
      assertClean(problems, "empty screens");
    } finally {
      await context.close();
    }
  });
});

describe("connection form", () => {
  test("add shows server validation errors, then saves", async () => {
    const { page, context, problems } = await openPage({ seed: [] });
    try {
      await gotoScreen(page, "overview");
      await page.getByRole("button", { name: "Add your first connection" }).click();
      const dialog = page.getByRole("dialog", { name: "Add connection" });
      await dialog.waitFor();
      await shot(page, "connection-form-add");

      await dialog.getByLabel("Name").fill("Contoso → Acme HR");
      await dialog.getByLabel("Tenant ID or domain").fill("common");
      await dialog.getByLabel("Tenant URL").fill("http://api.acme-hr.example/scim/v2");
      await dialog.getByLabel("Tenant URL").press("Enter");
      await dialog.locator('[aria-invalid="true"]').first().waitFor();
      const focusedId = await page.evaluate(() => document.activeElement?.getAttribute("name"));
      assert.equal(focusedId, "tenant_id", "the first invalid field has focus");
      await page.waitForTimeout(100);
      await shot(page, "connection-form-errors");
      await dialog.evaluate((el) => el.querySelector(".dialog-body")?.scrollTo({ top: 10000 }));
      await shot(page, "connection-form-errors-scim");

      await dialog.getByLabel("Tenant ID or domain").fill("contoso.onmicrosoft.com");
      await dialog.getByLabel("Tenant URL").fill("https://api.acme-hr.example/scim/v2/");
      await dialog.getByLabel("Secret Token", { exact: true }).fill("s3cr3t-token");
      await dialog.getByRole("button", { name: "Add connection" }).click();
      await page.getByRole("status", { name: "Notifications" }).getByText("Tenant URL: removed the trailing slash").waitFor();
      await dialog.waitFor({ state: "detached" });
      await page.locator(".connection-card").first().waitFor();
      await shot(page, "connections-after-add");
      assertClean(problems, "add form");
    } finally {
      await context.close();
    }
  });

  test("edit keeps secrets, remove asks first", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, hash: "#/connections" });
    try {
      await gotoScreen(page, "connections");
      await page.getByRole("link", { name: "Edit Fabrikam (GCC High) → Ticketing" }).click();
      const dialog = page.getByRole("dialog", { name: /Edit/ });
      await dialog.waitFor();
      assert.equal(
        await dialog.getByLabel("Secret Token", { exact: true }).getAttribute("placeholder"),
        "Stored in the OS keychain — leave empty to keep",
      );
      await shot(page, "connection-form-edit");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });

      await page.getByRole("button", { name: "Remove Wiki SCIM only" }).click();
      const confirm = page.getByRole("alertdialog");
      await confirm.waitFor();
      await shot(page, "connection-remove-confirm");
      await confirm.getByRole("button", { name: "Remove connection" }).click();
      await confirm.waitFor({ state: "detached" });
      await page.waitForFunction(() => document.querySelectorAll(".connection-card").length === 2);
      assertClean(problems, "edit and remove");
    } finally {
      await context.close();
    }
  });

  test("keyboard: Tab through the navigation, Enter opens the form, Escape closes it", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, hash: "#/connections" });
    try {
      await gotoScreen(page, "connections");
      // Clicking the (unfocusable) brand sets where sequential focus navigation starts.
      await page.locator(".brand").click();
      const focused = async () =>
        page.evaluate(() => {
          const el = document.activeElement;
          return el ? (el.getAttribute("aria-label") ?? el.textContent ?? "").trim() : "";
        });
      await page.keyboard.press("Tab");
      assert.equal(await focused(), "Overview");
      await page.keyboard.press("Shift+Tab");
      assert.equal(await focused(), "Skip to content");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      assert.match(await focused(), /^Connections/);
      // The focus ring is visible.
      const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.equal(ring, "solid");
      await shot(page, "keyboard-focus");

      const add = page.getByRole("button", { name: "Add connection" });
      await add.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Add connection" });
      await dialog.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "name");
      await page.keyboard.type("Keyboard only");
      await page.keyboard.press("Enter");
      await dialog.locator('[aria-invalid="true"]').first().waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      assert.equal(await focused(), "Add connection", "focus returns to the opener");
      assertClean(problems, "keyboard");
    } finally {
      await context.close();
    }
  });

  test("narrow window", async () => {
    const { page, context, problems } = await openPage({ seed: SEED, width: 760, height: 900 });
    try {
      await gotoScreen(page, "connections");
      await shot(page, "connections-narrow");
      assertClean(problems, "narrow window");
    } finally {
      await context.close();
    }
  });
});
