// Desktop notifications reach a real notification server: dunst, on the
// private D-Bus session that scripts/e2e.sh starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = process.env.SCIMWATCH_CLI;

function dunstHistory() {
  return JSON.parse(execFileSync("dunstctl", ["history"], { encoding: "utf8" }));
}

test("a notification sent from Rust is received and shown by the notification server", () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "the e2e runs inside a D-Bus session");
  const data = mkdtempSync(join(tmpdir(), "scimwatch-notify-"));
  const out = execFileSync(CLI, ["--data-dir", data, "notify-test", "--json"], { encoding: "utf8" });
  assert.equal(JSON.parse(out).sent, true);
  // dunst keeps shown notifications; close them all so they move to history.
  execFileSync("dunstctl", ["close-all"]);
  const entries = dunstHistory().data.flat();
  const ours = entries.find((n) => n.summary?.data === "scimwatch notifications work");
  assert.ok(ours, `not in dunst's history: ${JSON.stringify(entries).slice(0, 500)}`);
  assert.equal(ours.appname.data, "scimwatch");
});
