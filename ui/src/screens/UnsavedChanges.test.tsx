// "Discard unsaved changes?" before leaving the Settings form or the
// connection form with edits: links, Back/Forward (a hash change), closing
// the dialog, and the browser's own beforeunload question.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { DEFAULT_SETTINGS } from "../lib/settingsForm";
import { fakeBackend } from "../test/backend";
import { connection } from "../test/fixtures";

function sidebarLink(name: string) {
  return within(screen.getByRole("navigation", { name: "Main" })).getByRole("link", { name: new RegExp(name) });
}

function beforeUnloadPrevented(): boolean {
  const e = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(e);
  return e.defaultPrevented;
}

async function editSettings() {
  const b = fakeBackend();
  window.location.hash = "#/settings";
  render(<App />);
  const form = await screen.findByRole("form", { name: "Monitoring settings" });
  const job = (await within(form).findByRole("spinbutton", { name: /Provisioning job/ })) as HTMLInputElement;
  return { b, form, job };
}

describe("Settings with unsaved changes", () => {
  test("a clean form lets you leave without asking", async () => {
    await editSettings();
    expect(beforeUnloadPrevented()).toBe(false);
    fireEvent.click(sidebarLink("Overview"));
    expect(await screen.findByRole("heading", { level: 1, name: "Overview" })).toBeTruthy();
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  test("a sidebar link asks; Keep editing stays with the edits, Discard leaves", async () => {
    const { job } = await editSettings();
    fireEvent.change(job, { target: { value: "7" } });
    fireEvent.click(sidebarLink("Overview"));
    const ask = await screen.findByRole("alertdialog", { name: "Discard unsaved changes?" });
    expect(window.location.hash).toBe("#/settings");
    const keep = within(ask).getByRole("button", { name: "Keep editing" });
    expect(document.activeElement).toBe(keep);
    fireEvent.click(keep);
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(screen.getByRole("heading", { level: 1, name: "Settings" })).toBeTruthy();
    expect((screen.getByRole("spinbutton", { name: /Provisioning job/ }) as HTMLInputElement).value).toBe("7");

    fireEvent.click(sidebarLink("Incidents"));
    fireEvent.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Discard" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Incidents" })).toBeTruthy();
    expect(window.location.hash).toBe("#/incidents");
    // Gone with the screen: nothing is guarded any more.
    expect(beforeUnloadPrevented()).toBe(false);
  });

  test("Back/Forward (a hash change) is put back and asks; Escape keeps editing", async () => {
    const { job } = await editSettings();
    fireEvent.change(job, { target: { value: "9" } });
    window.location.hash = "#/logs";
    const ask = await screen.findByRole("alertdialog", { name: "Discard unsaved changes?" });
    expect(window.location.hash).toBe("#/settings");
    fireEvent.keyDown(ask, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(screen.getByRole("heading", { level: 1, name: "Settings" })).toBeTruthy();

    window.location.hash = "#/logs";
    fireEvent.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Discard" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Provisioning logs" })).toBeTruthy();
  });

  test("reloading or closing the page with edits asks the browser's question; saving lifts it", async () => {
    const { b, form, job } = await editSettings();
    fireEvent.change(job, { target: { value: "4" } });
    expect(beforeUnloadPrevented()).toBe(true);
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(b.count("save_settings")).toBe(1));
    expect(b.last("save_settings")!.args).toEqual({ settings: { ...DEFAULT_SETTINGS, job_poll_minutes: 4 } });
    await waitFor(() => expect(within(form).queryByText("Unsaved changes")).toBeNull());
    expect(beforeUnloadPrevented()).toBe(false);
    fireEvent.click(sidebarLink("Overview"));
    expect(await screen.findByRole("heading", { level: 1, name: "Overview" })).toBeTruthy();
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  test("changing a value back to what is saved is not an unsaved change", async () => {
    const { job } = await editSettings();
    fireEvent.change(job, { target: { value: "5" } });
    fireEvent.change(job, { target: { value: "2" } });
    fireEvent.click(sidebarLink("Overview"));
    expect(await screen.findByRole("heading", { level: 1, name: "Overview" })).toBeTruthy();
  });
});

describe("Connection form with unsaved changes", () => {
  async function openAdd() {
    const b = fakeBackend([connection()]);
    window.location.hash = "#/connections/new";
    render(<App />);
    const d = await screen.findByRole("dialog", { name: "Add connection" });
    return { b, d };
  }

  test("an untouched form closes at once", async () => {
    const { d } = await openAdd();
    fireEvent.click(within(d).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(window.location.hash).toBe("#/connections");
  });

  test("Cancel, Escape and the close button ask; Keep editing keeps the text, Discard closes", async () => {
    const { d } = await openAdd();
    const name = within(d).getByLabelText("Name") as HTMLInputElement;
    fireEvent.change(name, { target: { value: "Acme" } });
    expect(beforeUnloadPrevented()).toBe(true);

    const cancel = within(d).getByRole("button", { name: "Cancel" });
    cancel.focus();
    fireEvent.click(cancel);
    let ask = await screen.findByRole("alertdialog", { name: "Discard unsaved changes?" });
    expect(document.activeElement).toBe(within(ask).getByRole("button", { name: "Keep editing" }));
    fireEvent.click(within(ask).getByRole("button", { name: "Keep editing" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(screen.getByRole("dialog", { name: "Add connection" })).toBeTruthy();
    expect(name.value).toBe("Acme");
    // Focus goes back to the button that asked.
    expect(document.activeElement).toBe(cancel);

    // Escape inside the form asks; Escape in the question only closes the question.
    fireEvent.keyDown(name, { key: "Escape" });
    ask = await screen.findByRole("alertdialog");
    fireEvent.keyDown(ask, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(screen.getByRole("dialog", { name: "Add connection" })).toBeTruthy();

    fireEvent.click(within(d).getByRole("button", { name: "Close dialog" }));
    fireEvent.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Discard" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(window.location.hash).toBe("#/connections");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(beforeUnloadPrevented()).toBe(false);
  });

  test("leaving the screen while editing a connection asks, once", async () => {
    fakeBackend([connection()]);
    window.location.hash = "#/connections/c1/edit";
    render(<App />);
    const d = await screen.findByRole("dialog", { name: /Edit/ });
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Contoso → Acme (prod)" } });
    window.location.hash = "#/overview";
    const asks = await screen.findAllByRole("alertdialog", { name: "Discard unsaved changes?" });
    expect(asks).toHaveLength(1);
    expect(window.location.hash).toBe("#/connections/c1/edit");
    fireEvent.click(within(asks[0]!).getByRole("button", { name: "Discard" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Overview" })).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  test("a successful save closes without asking", async () => {
    const { b, d } = await openAdd();
    fireEvent.change(within(d).getByLabelText("Name"), { target: { value: "Acme" } });
    fireEvent.change(within(d).getByLabelText("Tenant URL"), { target: { value: "https://acme.example/scim" } });
    fireEvent.submit(d.querySelector("form")!);
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Add connection" })).toBeNull());
    expect(b.count("add_connection")).toBe(1);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(window.location.hash).toBe("#/connections");
  });
});
