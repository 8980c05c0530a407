// Desktop notifications reach a real notification server: dunst, on the
// private D-Bus session that scripts/e2e.sh starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { CLI, notificationHistory, tempDir } from "./support.mjs";

test("a notification sent from Rust is received and shown by the notification server", () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "the e2e runs inside a D-Bus session");
  const data = tempDir("notify");
  const out = execFileSync(CLI, ["--data-dir", data, "notify-test", "--json"], { encoding: "utf8" });
  assert.equal(JSON.parse(out).sent, true);
  // dunst keeps shown notifications; notificationHistory closes them all so they move to history.
  const entries = notificationHistory().map((n) => n.raw);
  const ours = entries.find((n) => n.summary?.data === "scimwatch notifications work");
  assert.ok(ours, `not in dunst's history: ${JSON.stringify(entries).slice(0, 500)}`);
  assert.equal(ours.appname.data, "scimwatch");
});
