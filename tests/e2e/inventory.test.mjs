// The Inventory in the real window with the demo tenant (issue 18, item 7):
// crawl, let the simulated tenant run a provisioning cycle (its churn
// changes users' job titles, which Entra exports to the SaaS), crawl again;
// the diff shows old → new values and opens the user's versions; the
// snapshot is browsed and searched; a group shows its members. Each view is
// checked with the layout probe at 1024×700. Screenshots under
// target/e2e/inventory-*.png.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { BOXES, layoutProbe } from "./layout-probe.mjs";
import { session } from "./support.mjs";

const app = session("inventory");
const { click, button, text, shot, waitFor } = app;
let browser;

const tab = (name) => click(`//*[@role="tab" and normalize-space(.)="${name}"]`, `tab ${name}`);

/** The layout probe over what is shown now, at 1024×700 (the narrowest size the layout test checks). */
async function layoutClean(where) {
  await app.frames();
  const problems = await browser.execute(layoutProbe, BOXES);
  assert.deepEqual(problems, [], `${where}:\n  ${problems.join("\n  ")}`);
}

const completeSnapshots = () =>
  browser.execute(() =>
    [...document.querySelectorAll("table tbody tr")].filter((r) => r.querySelector("th")?.textContent.startsWith("#") && r.textContent.includes("Complete")).length,
  );

/** Crawl now, and wait until the snapshots list shows one more complete snapshot. */
async function crawl() {
  await tab("Snapshots");
  const before = await completeSnapshots();
  await button("Crawl now");
  await waitFor(async () => (await completeSnapshots()) > before, "the crawl never stored a complete snapshot", 90000);
}

/** The simulated tenant runs a provisioning cycle now (its control API, beside its SCIM endpoint). */
async function simCycle() {
  const url = await browser.execute(() => document.querySelector(".toolbar .mono")?.textContent ?? "");
  const base = url.replace(/\/scim\/v2\/?$/, "");
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, `the demo's SCIM URL: ${url}`);
  const r = await fetch(`${base}/_sim/cycle`, { method: "POST" });
  assert.equal(r.status, 200, `POST ${base}/_sim/cycle`);
  return r.json();
}

before(async () => {
  browser = await app.launch();
  await app.sizeTo(1024, 700);
});

let changedUser = null;

test("crawl twice with a change between: the diff shows old → new and opens the user's versions", async () => {
  await app.openDemo();
  await click('//nav//a[@href="#/inventory"]', "Inventory in the sidebar");
  await waitFor(() => browser.execute(() => document.querySelector("h1")?.textContent === "Inventory"), "no Inventory screen");
  // Until the users the tenant provisions are in two snapshots with a changed title between them.
  for (let round = 0; round < 5 && !changedUser; round++) {
    await simCycle();
    await crawl();
    if ((await completeSnapshots()) < 2) continue;
    await tab("Compare");
    await click('//form//button[@type="submit" and normalize-space(.)="Compare"]', "the Compare button");
    await waitFor(() => browser.execute(() => !!document.querySelector('[role="region"][aria-label^="Differences between snapshot"]')), "no diff shown");
    changedUser = await browser.execute(() => {
      for (const li of document.querySelectorAll('ul[aria-label="Users changed"] > li')) {
        const title = [...li.querySelectorAll(".attr-change")].find((c) => c.querySelector("dt .path")?.textContent === "title");
        if (title) {
          return {
            name: li.querySelector(".item-label").textContent,
            old: title.querySelector(".attr-old")?.textContent ?? null,
            now: title.querySelector(".attr-new")?.textContent ?? null,
          };
        }
      }
      return null;
    });
  }
  assert.ok(changedUser, "no user's title changed between two snapshots in five cycles");
  assert.ok(changedUser.old && changedUser.now && changedUser.old !== changedUser.now, JSON.stringify(changedUser));
  assert.match(await text(), new RegExp(`title\\s+${changedUser.old}\\s+→\\s+${changedUser.now}`));
  await shot("diff-values");
  await layoutClean("the diff");

  await click(`//button[@aria-label="Versions of ${changedUser.name}"]`, "Versions");
  const dialog = `//*[@role="dialog" and .//*[contains(., "Versions of ${changedUser.name}")]]`;
  await waitFor(() => browser.$(`${dialog}//*[contains(@class, "version-head")]`).isExisting(), "the versions never loaded");
  await waitFor(async () => /Changed/.test(await app.dialogText()), "the versions never showed a change", 20000);
  const versions = await app.dialogText();
  assert.match(versions, /Changed/);
  assert.match(versions, /First seen|Added/);
  assert.ok(versions.includes(changedUser.now) && versions.includes(changedUser.old), versions);
  await shot("versions");
  await layoutClean("a user's versions");
  await browser.keys("Escape");
  await waitFor(async () => !(await browser.$('//*[@role="dialog"]').isExisting()), "the versions drawer stayed open", 10000);
});

test("browse the snapshot: search a user, open a group's members", async () => {
  assert.ok(changedUser, "needs the diff test's user");
  await tab("Browse");
  const users = '//ul[starts-with(@aria-label, "Users in snapshot #")]';
  await waitFor(() => browser.$(users).isExisting(), "no users table");
  await waitFor(async () => /of \d+ users/.test(await text()), "no page count");
  await shot("browse-users");
  await layoutClean("the users of a snapshot");

  const search = await browser.$('//input[@type="search"]');
  await search.setValue(changedUser.name);
  await browser.keys("Enter");
  await waitFor(async () => (await text()).includes(`matching “${changedUser.name}”`), "the search never applied");
  const rows = await browser.$$(`${users}/li`);
  assert.ok(rows.length >= 1, "the searched user is listed");
  assert.ok((await rows[0].getText()).includes(changedUser.name));
  await shot("browse-search");

  await click('//label[normalize-space(.)="Groups"]', "Groups");
  const groups = '//ul[starts-with(@aria-label, "Groups in snapshot #")]';
  await waitFor(() => browser.$(groups).isExisting(), "no groups table");
  // A group with members (the demo's groups are provisioned with some).
  const target = await browser.execute(() => {
    for (const li of document.querySelectorAll('ul[aria-label^="Groups in snapshot #"] > li')) {
      const count = Number(/(\d+) members?/.exec(li.textContent)?.[1] ?? "0");
      if (count > 0) return li.querySelector('button[aria-label^="Members of "]').getAttribute("aria-label");
    }
    return null;
  });
  assert.ok(target, "no group with members in the demo's snapshot");
  await click(`//button[@aria-label="${target}"]`, target);
  const dialog = '//*[@role="dialog"]';
  await waitFor(() => browser.$(`${dialog}//ul[contains(@class, "item-list")]/li`).isExisting(), "no members listed");
  const members = await browser.execute(() =>
    [...document.querySelectorAll('[role="dialog"] ul.item-list > li')].map((li) => ({
      name: li.querySelector(".item-label")?.textContent ?? "",
      missing: li.textContent.includes("not in this snapshot"),
    })),
  );
  assert.ok(members.length > 0);
  assert.ok(members.some((m) => !m.missing && m.name.includes("@")), `members resolved to userNames: ${JSON.stringify(members)}`);
  await layoutClean("a group's members");
  await shot("group-members");
  await browser.keys("Escape");
});
