// Every app in a tenant (issue 21) in the real window: a real entra-sim
// process with three provisioning apps (`--extra-apps 2`) is added as one
// all-apps tenant through the app's own add_connection command; after a
// poll the Connections screen lists its apps under it, and the tenant's
// Overview card — it has no job of its own — names them worst first with
// what needs attention and the Graph budget its plan spends (a refused or
// quarantined app is covered by the engine's fleet_sim and the CLI's
// fleet_cli tests and the card's Vitest). Layout probe on the Overview;
// screenshot target/e2e/fleet-overview-tenant.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { BOXES, layoutProbe } from "./layout-probe.mjs";
import { CLI, session } from "./support.mjs";

const TENANT = "E2E Fleet";
const app = session("fleet");
const { click, nav, waitForText } = app;
let browser;
let sim;

/** entra-sim, built beside the CLI, on a free port: its info line (URLs, client id and secret). */
async function startSim() {
  sim = spawn(join(dirname(CLI), "entra-sim"), ["--demo", "--port", "0", "--extra-apps", "2"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: sim.stdout }).once("line", resolve);
    sim.once("exit", (code) => reject(new Error(`entra-sim exited with ${code} before it served`)));
  });
  return JSON.parse(line);
}

/** The tenant's Overview card's text. */
const cardText = () =>
  browser.execute((name) => {
    const card = [...document.querySelectorAll("article.overview-card")].find((a) => a.querySelector("h2")?.textContent === name);
    return card ? card.innerText : "";
  }, TENANT);

before(async () => {
  browser = await app.launch();
});

after(() => {
  sim?.kill();
});

test("an all-apps tenant's apps are listed under it, and its Overview card names them worst first with its Graph budget", async () => {
  const info = await startSim();
  const saved = await app.invoke("add_connection", {
    input: {
      name: TENANT,
      cloud: "custom",
      login_url: info.login_url,
      graph_url: info.graph_url,
      tenant_id: info.tenant_id,
      client_id: info.client_id,
      auth_mode: "client_secret",
      app: null,
      all_apps: true,
      scim_url: null,
      scim_token_expires: null,
      keep_secrets_for_new_endpoint: false,
    },
    secrets: { scim_token: null, client_secret: info.client_secret, client_certificate: null },
  });
  assert.ok(saved && !saved.error, `add_connection: ${JSON.stringify(saved?.error)}`);

  // Discovery at the first poll, then the apps' jobs.
  await app.waitFor(
    async () => {
      await app.invoke("poll_now", { id: null });
      const s = await app.invoke("tenant_summary", { tenant: saved.connection.id });
      return s && !s.error && s.watched === 3 && s.apps.every((a) => a.state === "active");
    },
    "the tenant's three apps were never found and read",
    90000,
    2000,
  );

  await nav("Connections");
  await click('//button[@aria-label="Refresh connections"]', "Refresh connections");
  const apps = await browser.$(`//ul[@aria-label="Apps of ${TENANT}, worst first"]`);
  await apps.waitForExist({ timeout: 30000, timeoutMsg: "the tenant's apps are not listed under it" });
  for (const name of ["Contoso HR", "Litware Wiki"]) await waitForText(`${TENANT} / ${name}`);

  await nav("Overview");
  await app.waitFor(async () => /3 watched/.test(await cardText()), "the tenant's card never summarised its apps", 30000);
  let text = await cardText();
  assert.match(text, /Healthy/, text);
  assert.match(text, /\d+ of 1200 requests an hour/, text);
  assert.match(text, /jobs in trouble every 2 min, steady every 10 min/, text);
  assert.doesNotMatch(text, /Last cycle/, "no job facts on the tenant's card");
  const problems = await browser.execute(layoutProbe, BOXES);
  assert.deepEqual(problems, [], `the Overview with a tenant:\n  ${problems.join("\n  ")}`);
  await app.shotShowing("overview-tenant", "article.overview-card");
});
