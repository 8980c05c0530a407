// The connection form's secrets: a pasted file is refused, not cut; an edit
// that moves an endpoint keeps a stored secret only when the admin says so.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection } from "../test/fixtures";
import { movedSecrets, secretTooLong, formFromConnection } from "../lib/connectionForm";

async function openForm(name: "Add connection" | RegExp) {
  window.location.hash = "#/connections";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Connections" });
  if (name === "Add connection") {
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
  } else {
    fireEvent.click(await screen.findByRole("link", { name: "Edit Contoso → Acme" }));
  }
  return screen.findByRole("dialog", { name });
}

function paste(el: HTMLElement, text: string) {
  fireEvent.paste(el, { clipboardData: { getData: () => text, types: ["text/plain"] } });
}

function submit(d: HTMLElement) {
  fireEvent.submit(d.querySelector("form")!);
}

const MB = "a".repeat(1024 * 1024);

describe("secret size", () => {
  test("the limits follow Rust's, counted in UTF-8 bytes", () => {
    expect(secretTooLong("scim_token", "a".repeat(16 * 1024))).toBeNull();
    expect(secretTooLong("scim_token", "a".repeat(16 * 1024 + 1))).toContain("17 KB; a SCIM token is at most 16 KB");
    // 6000 × "é" is 12,000 bytes: over a 1 KB client secret, under a 16 KB token.
    expect(secretTooLong("client_secret", "é".repeat(6000))).toContain("at most 1 KB");
    expect(secretTooLong("scim_token", "é".repeat(6000))).toBeNull();
    expect(secretTooLong("client_certificate", MB)).toContain("1024 KB; a certificate with its key is at most 64 KB");
  });

  test("a pasted 1 MB token is refused with its size, not cut and sent", async () => {
    const b = fakeBackend();
    const d = await openForm("Add connection");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Big" } });
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://a.example/scim" } });
    const token = within(d).getByLabelText("Secret Token") as HTMLInputElement;
    paste(token, MB);
    expect(token.value).toBe("");
    const error = await within(d).findByText(/1024 KB; a SCIM token is at most 16 KB/);
    expect(error.textContent).toContain("Nothing was pasted");
    expect(token.getAttribute("aria-invalid")).toBe("true");
    expect(b.last("add_connection")).toBeUndefined();
  });

  test("an over-long token that got in another way is refused before calling Rust", async () => {
    const b = fakeBackend();
    const d = await openForm("Add connection");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Big" } });
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://a.example/scim" } });
    fireEvent.change(within(d).getByLabelText("Secret Token"), { target: { value: "x".repeat(20 * 1024) } });
    submit(d);
    expect(await within(d).findByText(/20 KB; a SCIM token is at most 16 KB/)).toBeTruthy();
    expect(b.last("add_connection")).toBeUndefined();
  });
});

describe("moving an endpoint with a stored secret", () => {
  test("movedSecrets names the secret and what changed", () => {
    const c = connection();
    const initial = formFromConnection(c);
    expect(movedSecrets(initial, initial, c).fields).toEqual([]);
    const moved = { ...initial, scim_url: "https://other.example/scim/v2" };
    expect(movedSecrets(moved, initial, c)).toEqual({ fields: ["scim_token"], changes: ["the Tenant URL"] });
    // A trailing slash is no move; a new token replaces the stored one.
    expect(movedSecrets({ ...initial, scim_url: `${initial.scim_url}/` }, initial, c).fields).toEqual([]);
    expect(movedSecrets({ ...moved, scim_token: "new" }, initial, c).fields).toEqual([]);
    // Adding a connection moves nothing.
    expect(movedSecrets(moved, initial, undefined).fields).toEqual([]);
    // An unattended credential follows the login.
    const un = connection({
      has_client_secret: true,
      entra: { ...c.entra!, auth_mode: "client_secret", client_id: "11111111-2222-3333-4444-555555555555" },
    });
    const f = formFromConnection(un);
    expect(movedSecrets({ ...f, tenant_id: "fabrikam.onmicrosoft.com" }, f, un)).toEqual({
      fields: ["client_secret"],
      changes: ["the tenant"],
    });
    expect(movedSecrets({ ...f, cloud: "usgov" }, f, un).changes).toEqual(["the cloud"]);
    expect(movedSecrets({ ...f, tenant_id: "x.example", client_secret: "new" }, f, un).fields).toEqual([]);
  });

  test("a changed Tenant URL with the token left empty asks before saving", async () => {
    const b = fakeBackend([connection()]);
    const d = await openForm(/Edit/);
    expect(within(d).queryByRole("checkbox")).toBeNull();
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://other.example/scim/v2" } });
    const keep = within(d).getByRole("checkbox", { name: /stored Secret Token belongs to the changed endpoint/ });
    expect(d.textContent).toContain("You changed the Tenant URL. Saving sends the stored Secret Token there.");

    // Not confirmed: nothing is sent, the token field says why.
    submit(d);
    expect(await within(d).findByText(/paste the Secret Token for it, or confirm below/)).toBeTruthy();
    expect(b.last("update_connection")).toBeUndefined();

    // Confirmed: saved with the confirmation.
    fireEvent.click(keep);
    submit(d);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.last("update_connection")!.args).toMatchObject({
      input: { scim_url: "https://other.example/scim/v2", keep_secrets_for_new_endpoint: true },
      secrets: { scim_token: null },
    });
  });

  test("a new token with the new Tenant URL needs no confirmation", async () => {
    const b = fakeBackend([connection()]);
    const d = await openForm(/Edit/);
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://other.example/scim/v2" } });
    fireEvent.change(within(d).getByLabelText("Secret Token"), { target: { value: "tok-new" } });
    expect(within(d).queryByRole("checkbox")).toBeNull();
    submit(d);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.last("update_connection")!.args).toMatchObject({
      input: { keep_secrets_for_new_endpoint: false },
      secrets: { scim_token: "tok-new" },
    });
  });

  test("a rename sends no confirmation", async () => {
    const b = fakeBackend([connection()]);
    const d = await openForm(/Edit/);
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Renamed" } });
    submit(d);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.last("update_connection")!.args).toMatchObject({ input: { keep_secrets_for_new_endpoint: false } });
  });
});

describe("rotating the token", () => {
  test("a pasted 1 MB new token is refused with its size and never sent", async () => {
    const b = fakeBackend([connection()]);
    window.location.hash = "#/token";
    render(<App />);
    const input = (await screen.findByLabelText("New Secret Token")) as HTMLInputElement;
    paste(input, MB);
    expect(await screen.findByText(/1024 KB; a SCIM token is at most 16 KB/)).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
    fireEvent.change(input, { target: { value: "y".repeat(17 * 1024) } });
    fireEvent.click(screen.getByRole("button", { name: "Test new token" }));
    expect(await screen.findByText(/17 KB; a SCIM token is at most 16 KB/)).toBeTruthy();
    expect(b.count("test_new_token")).toBe(0);
  });
});
