// The Inventory's diff with values, a resource's versions, and browsing a
// snapshot (issue 18, item 7).
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { connection, snapshot, snapshotDiff } from "../test/fixtures";
import { groupsPage, moverHistory, salesMembers, usersPage } from "../test/inventoryFixtures";

async function openInventory(hash: string) {
  window.location.hash = hash;
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Inventory" });
}

describe("Inventory: diff values, versions, browse", () => {
  test("the diff shows each changed attribute old → new, members by name, and opens a user's versions", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [snapshot({ id: 5 }), snapshot({ id: 2 })];
    b.handlers.diff_snapshots = () => snapshotDiff();
    b.handlers.resource_history = () => moverHistory();
    await openInventory("#/inventory/c1/compare");
    fireEvent.click(await screen.findByRole("button", { name: "Compare" }));
    const changes = await screen.findByLabelText("Changes of mover@contoso.com");
    const given = within(changes).getByText("name.givenName").closest(".attr-change")!;
    expect(given.querySelector(".attr-old")!.textContent).toBe("Mo");
    expect(given.querySelector(".attr-new")!.textContent).toBe("Morgan");
    // Added users with their key attributes; members named.
    const added = screen.getByRole("list", { name: "Users added" });
    expect(added.textContent).toContain("New Hire");
    expect(added.textContent).toContain("E-2041");
    expect(screen.getByRole("list", { name: "Members added to Sales" }).textContent).toContain("new.hire@contoso.com");
    expect(screen.getByRole("list", { name: "Members removed from Sales" }).textContent).toContain("leaver@contoso.com");

    fireEvent.click(screen.getByRole("button", { name: "Versions of mover@contoso.com" }));
    const dialog = await screen.findByRole("dialog", { name: "Versions of mover@contoso.com" });
    await within(dialog).findByText("Changed");
    expect(within(dialog).getByText("First seen")).toBeTruthy();
    expect(within(dialog).getByText(/unchanged until #3/)).toBeTruthy();
    expect(within(dialog).getByText("Morgan")).toBeTruthy();
    expect(within(dialog).getByText("(value hidden)")).toBeTruthy();
    expect(b.last("resource_history")!.args).toEqual({ id: "c1", kind: "User", resource: "u-chg" });
  });

  test("a snapshot's users are paged and searched by the engine", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [snapshot({ id: 2 }), snapshot({ id: 1 })];
    b.handlers.browse_snapshot = (a) => usersPage(a.offset as number, a.limit as number, a.search ? 3 : 120, (a.search as string) ?? null);
    await openInventory("#/inventory/c1/browse");
    const list = await screen.findByRole("list", { name: "Users in snapshot #2" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(50);
    expect(list.textContent).toContain("E-0");
    expect(screen.getByText("1–50 of 120 users")).toBeTruthy();
    expect(b.last("browse_snapshot")!.args).toEqual({ id: "c1", snapshot: 2, kind: "User", search: null, offset: 0, limit: 50 });
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByText("51–100 of 120 users");
    expect(b.last("browse_snapshot")!.args.offset).toBe(50);
    fireEvent.change(screen.getByLabelText(/Search userName/), { target: { value: "user7" } });
    fireEvent.submit(screen.getByRole("search", { name: "Browse a snapshot" }));
    await screen.findByText(/1–3 of 3 users matching “user7”/);
    expect(b.last("browse_snapshot")!.args).toMatchObject({ search: "user7", offset: 0 });
    // Another snapshot from the picker.
    fireEvent.change(screen.getByLabelText("Snapshot"), { target: { value: "1" } });
    await waitFor(() => expect(window.location.hash).toBe("#/inventory/c1/browse/1"));
    await waitFor(() => expect(b.last("browse_snapshot")!.args.snapshot).toBe(1));
  });

  test("a group opens its members, resolved or not in this snapshot", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.list_snapshots = () => [snapshot({ id: 2 })];
    b.handlers.browse_snapshot = (a) => (a.kind === "Group" ? groupsPage() : usersPage(0, 50, 2));
    b.handlers.group_members = () => salesMembers();
    await openInventory("#/inventory/c1/browse/2");
    await screen.findByRole("list", { name: "Users in snapshot #2" });
    fireEvent.click(screen.getByRole("radio", { name: "Groups" }));
    const table = await screen.findByRole("list", { name: "Groups in snapshot #2" });
    expect(table.textContent).toContain("3 members");
    expect(table.textContent).toContain("grp-sales");
    fireEvent.click(within(table).getByRole("button", { name: "Members of Sales" }));
    const dialog = await screen.findByRole("dialog", { name: "Members of Sales" });
    const list = await within(dialog).findByRole("list", { name: "Members of Sales" });
    const items = within(list).getAllByRole("listitem");
    expect(items[0]!.textContent).toContain("user1@contoso.com");
    expect(items[1]!.textContent).toContain("Lee Leaver");
    expect(items[1]!.textContent).toContain("not in this snapshot");
    expect(items[2]!.textContent).toContain("Finance");
    expect(b.last("group_members")!.args).toEqual({ id: "c1", snapshot: 2, group: "g1", offset: 0, limit: 100 });
  });

  test("an incomplete snapshot is browsable and labelled; the snapshots list links to Browse", async () => {
    const b = fakeBackend([connection()]);
    const inc = snapshot({ id: 3, state: "incomplete", error: "read 40 of 120 users" });
    b.handlers.list_snapshots = () => [inc];
    b.handlers.browse_snapshot = (a) => usersPage(0, a.limit as number, 40, null, inc);
    await openInventory("#/inventory/c1/snapshots");
    fireEvent.click(await screen.findByRole("link", { name: "Browse snapshot #3" }));
    await waitFor(() => expect(window.location.hash).toBe("#/inventory/c1/browse/3"));
    expect(await screen.findByText("Snapshot #3 is incomplete")).toBeTruthy();
    expect(screen.getByText(/It lists only what the crawl read/)).toBeTruthy();
    expect((screen.getByLabelText("Snapshot") as HTMLSelectElement).selectedOptions[0]!.textContent).toContain("incomplete");
  });

  test("without a SCIM connection the empty state offers the demo too", async () => {
    fakeBackend([]);
    await openInventory("#/inventory");
    await screen.findByRole("heading", { name: "No SCIM endpoint to read" });
    expect(screen.getByRole("button", { name: "Add a connection" })).toBeTruthy();
    expect(screen.getByRole("button", { name: /Open the demo tenant/ })).toBeTruthy();
  });
});
