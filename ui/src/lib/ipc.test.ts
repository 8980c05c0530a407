import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, test } from "vitest";
import { connection } from "../test/fixtures";
import { addConnection, appInfo, isCommandError, listConnections, removeConnection, toCommandError, updateConnection } from "./ipc";
import { emptyForm, toPayload } from "./connectionForm";

describe("ipc wrappers", () => {
  test("each command is invoked by name with the documented argument keys", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    const c = connection();
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "list_connections":
          return [c];
        case "add_connection":
        case "update_connection":
          return { connection: c, notes: [] };
        case "remove_connection":
          return c;
        case "app_info":
          return { version: "0.1.0", data_dir: "/d", database: "/d/db", secret_store: "memory", dev_build: true };
      }
    });
    const { input, secrets } = toPayload({ ...emptyForm(), name: "x", scim_url: "https://a.example/scim" });

    expect(await listConnections()).toEqual([c]);
    expect((await addConnection(input, secrets)).connection).toEqual(c);
    await updateConnection("c1", input, secrets);
    expect(await removeConnection("c1")).toEqual(c);
    expect((await appInfo()).secret_store).toBe("memory");

    expect(calls.map((x) => x.cmd)).toEqual([
      "list_connections",
      "add_connection",
      "update_connection",
      "remove_connection",
      "app_info",
    ]);
    expect(calls[1]!.args).toEqual({ input, secrets });
    expect(calls[2]!.args).toEqual({ id: "c1", input, secrets });
    expect(calls[3]!.args).toEqual({ id: "c1" });
  });

  test("a CommandError rejection passes through unchanged", async () => {
    const err = { kind: "keychain", message: "the keychain is locked", fields: [] };
    mockIPC(() => {
      throw err;
    });
    await expect(listConnections()).rejects.toEqual(err);
  });

  test("anything else becomes an internal CommandError", async () => {
    mockIPC(() => {
      throw "command list_connections not found";
    });
    await expect(listConnections()).rejects.toEqual({
      kind: "internal",
      message: "command list_connections not found",
      fields: [],
    });
  });
});

describe("isCommandError", () => {
  test("accepts the Rust shape only", () => {
    expect(isCommandError({ kind: "validation", message: "m", fields: [{ field: "name", message: "x" }] })).toBe(true);
    expect(isCommandError({ kind: "nope", message: "m", fields: [] })).toBe(false);
    expect(isCommandError({ kind: "storage", message: "m" })).toBe(false);
    expect(isCommandError("storage")).toBe(false);
    expect(isCommandError(null)).toBe(false);
    expect(toCommandError(new Error("boom"))).toEqual({ kind: "internal", message: "boom", fields: [] });
  });
});

describe("outside the app", () => {
  test("without the Tauri bridge a command fails with a clear internal error", async () => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
    await expect(listConnections()).rejects.toMatchObject({ kind: "internal", fields: [] });
  });
});
