import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection } from "../test/fixtures";
import { KEEP_SECRET_PLACEHOLDER } from "./ConnectionForm";

async function openConnections() {
  window.location.hash = "#/connections";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Connections" });
}

function dialog(name: RegExp | string) {
  return screen.findByRole("dialog", { name });
}

function submit(d: HTMLElement) {
  fireEvent.submit(d.querySelector("form")!);
}

describe("Connections", () => {
  test("lists connections with both sides summarised", async () => {
    fakeBackend([connection(), connection({ id: "c2", name: "Wiki", entra: null, has_scim_token: false })]);
    await openConnections();
    const list = await screen.findByRole("list", { name: "Connections" });
    const [first, second] = within(list).getAllByRole("article");
    expect(within(first!).getByText("contoso.onmicrosoft.com")).toBeTruthy();
    expect(within(first!).getByText("https://api.acme.example/scim/v2")).toBeTruthy();
    expect(await within(first!).findByText("Stored in keychain")).toBeTruthy();
    expect(within(first!).getByText(/expires in/)).toBeTruthy();
    expect(within(first!).getByText(/Microsoft Graph Command Line Tools/)).toBeTruthy();
    expect(within(second!).getByText(/Not watched/)).toBeTruthy();
    expect(within(second!).getByText("Not stored")).toBeTruthy();
  });

  test("with the file secret store, the list and the remove dialog say the file, not a keychain", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.app_info = () => ({
      version: "0.1.0",
      data_dir: "/srv/scimwatch",
      database: "/srv/scimwatch/scimwatch.db",
      secret_store: "file",
      secret_store_path: "/srv/scimwatch/secrets.json",
      dev_build: false,
      notes: [],
      proxies: [],
      trust: ["bundled webpki roots"],
    });
    await openConnections();
    const list = await screen.findByRole("list", { name: "Connections" });
    const [first] = within(list).getAllByRole("article");
    expect(await within(first!).findByText("Stored in secrets file")).toBeTruthy();
    expect(list.textContent).not.toContain("keychain");
    fireEvent.click(within(first!).getByRole("button", { name: /^Remove / }));
    const d = await screen.findByRole("alertdialog", { name: /^Remove/ });
    expect(d.textContent).toContain("deletes its secrets from the secrets file (/srv/scimwatch/secrets.json)");
    expect(d.textContent).not.toContain("keychain");
  });

  test("with the file secret store, the connection form says the secrets file", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.app_info = () => ({
      version: "0.1.0",
      data_dir: "/srv/scimwatch",
      database: "/srv/scimwatch/scimwatch.db",
      secret_store: "file",
      secret_store_path: "/srv/scimwatch/secrets.json",
      dev_build: false,
      notes: [],
      proxies: [],
      trust: ["bundled webpki roots"],
    });
    await openConnections();
    fireEvent.click(await screen.findByRole("link", { name: "Edit Contoso → Acme" }));
    const d = await dialog(/Edit/);
    const token = within(d).getByLabelText("Secret Token") as HTMLInputElement;
    await waitFor(() =>
      expect(token.placeholder).toBe("Stored in the secrets file (/srv/scimwatch/secrets.json) — leave empty to keep"),
    );
    expect(d.textContent).toContain("Secrets go to the secrets file (/srv/scimwatch/secrets.json), never to the database.");
    expect(d.textContent).not.toContain("keychain");
  });

  test("add → saves, shows notes as a toast and refreshes the list", async () => {
    const b = fakeBackend();
    b.notes = ["Tenant URL: removed the trailing slash"];
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Acme" } });
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://acme.example/scim/" } });
    fireEvent.change(within(d).getByLabelText("Secret Token"), { target: { value: "tok" } });
    const lists = b.count("list_connections");
    submit(d);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.last("add_connection")!.args).toMatchObject({
      input: { name: "Acme", scim_url: "https://acme.example/scim/", tenant_id: null },
      secrets: { scim_token: "tok", client_secret: null },
    });
    const region = screen.getByRole("status", { name: "Notifications" });
    expect(within(region).getByText("Tenant URL: removed the trailing slash")).toBeTruthy();
    await screen.findByRole("heading", { name: "Acme" });
    expect(b.count("list_connections")).toBeGreaterThan(lists);
  });

  test("certificate sign-in: the PEM is pasted or read from a chosen file and sent as a secret", async () => {
    const b = fakeBackend();
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Contoso" } });
    fireEvent.change(within(d).getByLabelText("Tenant ID or domain"), {
      target: { value: "contoso.onmicrosoft.com" },
    });
    fireEvent.click(within(d).getByRole("radio", { name: /Certificate/ }));
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    const file = new File([pem], "app.pem", { type: "application/x-pem-file" });
    fireEvent.change(within(d).getByLabelText(/Choose a PEM file/), { target: { files: [file] } });
    const area = within(d).getByLabelText("Certificate and private key") as HTMLTextAreaElement;
    await waitFor(() => expect(area.value).toBe(pem));
    submit(d);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.last("add_connection")!.args).toMatchObject({
      input: { auth_mode: "certificate" },
      secrets: { client_secret: null, client_certificate: pem },
    });
  });

  test("a validation CommandError shows each message under its field and focuses the first", async () => {
    const b = fakeBackend();
    b.failNextSave = {
      kind: "validation",
      message: "tenant_id: …; scim_token: …",
      fields: [
        { field: "scim_token", message: "paste the Secret Token the SaaS gave you" },
        { field: "tenant_id", message: "`common` is not a tenant" },
        { field: "login_url", message: "only used with the custom cloud" },
      ],
    };
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Acme" } });
    fireEvent.change(within(d).getByLabelText("Tenant ID or domain"), { target: { value: "common" } });
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://acme.example/scim" } });
    submit(d);

    const tenant = within(d).getByLabelText("Tenant ID or domain");
    await waitFor(() => expect(tenant.getAttribute("aria-invalid")).toBe("true"));
    const described = tenant.getAttribute("aria-describedby")!.split(" ");
    const errorText = described.map((id) => document.getElementById(id)?.textContent).join(" ");
    expect(errorText).toContain("common is not a tenant");
    const token = within(d).getByLabelText("Secret Token");
    expect(token.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(tenant));
    // An error for a field the form is not showing is listed in the summary.
    expect(within(d).getByText("3 fields need attention")).toBeTruthy();
    expect(within(d).getByText(/only used with the custom cloud/)).toBeTruthy();
    // Editing a field clears its error.
    fireEvent.change(tenant, { target: { value: "contoso.example" } });
    expect(tenant.getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByRole("dialog")).toBeTruthy();
  });

  test("client-side checks run before calling Rust", async () => {
    const b = fakeBackend();
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    submit(d);
    const name = within(d).getByLabelText("Name");
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    expect(within(d).getByLabelText("Tenant URL").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(name);
    expect(b.count("add_connection")).toBe(0);
  });

  test("other error kinds show as an alert with the message", async () => {
    const b = fakeBackend();
    b.failNextSave = { kind: "keychain", message: "the login keychain is locked", fields: [] };
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Acme" } });
    fireEvent.change(within(d).getByLabelText("Tenant ID or domain"), { target: { value: "contoso.example" } });
    submit(d);
    const alert = await within(d).findByRole("alert");
    expect(alert.textContent).toContain("The OS keychain refused the request");
    expect(alert.textContent).toContain("the login keychain is locked");
  });

  test("edit leaves secrets empty, says they are kept, and sends null", async () => {
    const b = fakeBackend([connection()]);
    await openConnections();
    fireEvent.click(await screen.findByRole("link", { name: "Edit Contoso → Acme" }));
    const d = await dialog(/Edit/);
    const token = within(d).getByLabelText("Secret Token") as HTMLInputElement;
    expect(token.value).toBe("");
    expect(token.type).toBe("password");
    await waitFor(() => expect(token.placeholder).toBe(KEEP_SECRET_PLACEHOLDER));
    expect((within(d).getByLabelText("Tenant ID or domain") as HTMLInputElement).value).toBe("contoso.onmicrosoft.com");
    expect((within(d).getByLabelText(/Token expires/) as HTMLInputElement).value).toBe("2099-03-31");
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Renamed" } });
    submit(d);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.last("update_connection")!.args).toMatchObject({
      id: "c1",
      input: { name: "Renamed", tenant_id: "contoso.onmicrosoft.com", client_id: null },
      secrets: { scim_token: null, client_secret: null },
    });
    await screen.findByRole("heading", { name: "Renamed" });
  });

  test("the token field can be shown and hidden", async () => {
    fakeBackend();
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    const token = within(d).getByLabelText("Secret Token") as HTMLInputElement;
    const toggle = within(d).getByRole("button", { name: "Show Secret Token" });
    fireEvent.click(toggle);
    expect(token.type).toBe("text");
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(within(d).getByRole("button", { name: "Hide Secret Token" }));
    expect(token.type).toBe("password");
  });

  test("the client secret and custom hosts appear only when they apply", async () => {
    fakeBackend();
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    expect(within(d).queryByLabelText("Client secret")).toBeNull();
    expect(within(d).queryByLabelText("Login URL")).toBeNull();
    fireEvent.click(within(d).getByRole("radio", { name: /Client secret/ }));
    expect(within(d).getByLabelText("Client secret")).toBeTruthy();
    fireEvent.change(within(d).getByLabelText("Cloud"), { target: { value: "custom" } });
    expect(within(d).getByLabelText("Login URL")).toBeTruthy();
    expect(within(d).getByLabelText("Graph URL")).toBeTruthy();
  });

  test("Escape closes the form", async () => {
    fakeBackend();
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    const d = await dialog("Add connection");
    expect(d.getAttribute("aria-modal")).toBe("true");
    fireEvent.keyDown(within(d).getByLabelText("Name"), { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  test("remove asks for confirmation first", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" })]);
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Remove Wiki" }));
    let confirm = await screen.findByRole("alertdialog", { name: "Remove “Wiki”?" });
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Cancel" }));
    fireEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(b.count("remove_connection")).toBe(0);

    fireEvent.click(screen.getByRole("button", { name: "Remove Wiki" }));
    confirm = await screen.findByRole("alertdialog");
    await act(async () => {
      fireEvent.click(within(confirm).getByRole("button", { name: "Remove connection" }));
    });
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(b.last("remove_connection")!.args).toEqual({ id: "c2" });
    await waitFor(() => expect(screen.queryByRole("heading", { name: "Wiki" })).toBeNull());
    expect(screen.getByRole("heading", { name: "Contoso → Acme" })).toBeTruthy();
  });

  test("empty list offers to add the first connection", async () => {
    fakeBackend();
    await openConnections();
    expect(await screen.findByRole("heading", { name: "No connections yet" })).toBeTruthy();
  });
});

describe("dialog keyboard handling", () => {
  test("Tab wraps from the last control to the first and back", async () => {
    fakeBackend([connection()]);
    await openConnections();
    fireEvent.click(await screen.findByRole("button", { name: "Remove Contoso → Acme" }));
    const confirm = await screen.findByRole("alertdialog");
    const close = within(confirm).getByRole("button", { name: "Close dialog" });
    const remove = within(confirm).getByRole("button", { name: "Remove connection" });
    remove.focus();
    fireEvent.keyDown(remove, { key: "Tab" });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(close, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(remove);
    fireEvent.keyDown(remove, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
  });
});
