// Fixtures of the Inventory's browse, members and versions (issue 18, item 7).
import type { GroupMembers } from "../bindings/GroupMembers";
import type { ResourceHistory } from "../bindings/ResourceHistory";
import type { ResourceRef } from "../bindings/ResourceRef";
import type { SnapshotPage } from "../bindings/SnapshotPage";
import type { SnapshotSummary } from "../bindings/SnapshotSummary";
import { snapshot } from "./fixtures";

export function ref(over: Partial<ResourceRef> & { id: string }): ResourceRef {
  return { label: null, display_name: null, external_id: null, active: null, members: null, ...over };
}

/** `total` users named user<i>@contoso.com, paged as the engine pages them. */
export function usersPage(offset: number, limit: number, total = 120, search: string | null = null, snap: SnapshotSummary = snapshot({ id: 2 })): SnapshotPage {
  const count = Math.max(0, Math.min(limit, total - offset));
  return {
    snapshot: snap,
    resource_type: "User",
    search,
    offset,
    total,
    items: Array.from({ length: count }, (_, i) =>
      ref({
        id: `u${String(offset + i).padStart(4, "0")}`,
        label: `user${offset + i}@contoso.com`,
        display_name: `User ${offset + i}`,
        external_id: `E-${offset + i}`,
        active: (offset + i) % 7 !== 3,
      }),
    ),
  };
}

export function groupsPage(snap: SnapshotSummary = snapshot({ id: 2 })): SnapshotPage {
  return {
    snapshot: snap,
    resource_type: "Group",
    search: null,
    offset: 0,
    total: 2,
    items: [ref({ id: "g1", label: "Sales", external_id: "grp-sales", members: 3 }), ref({ id: "g2", label: "Finance", members: 0 })],
  };
}

export function salesMembers(snap: SnapshotSummary = snapshot({ id: 2 })): GroupMembers {
  return {
    snapshot: snap,
    group: ref({ id: "g1", label: "Sales", external_id: "grp-sales", members: 3 }),
    offset: 0,
    total: 3,
    members: [
      { id: "u0001", display: "User 1", member_type: "User", resolved: ref({ id: "u0001", label: "user1@contoso.com", display_name: "User 1", active: true }), resolved_type: "User" },
      { id: "u-gone", display: "Lee Leaver", member_type: null, resolved: null, resolved_type: null },
      { id: "g2", display: null, member_type: "Group", resolved: ref({ id: "g2", label: "Finance", members: 0 }), resolved_type: "Group" },
    ],
  };
}

export function moverHistory(): ResourceHistory {
  return {
    resource_type: "User",
    id: "u-chg",
    label: "mover@contoso.com",
    snapshots: 3,
    versions: [
      {
        kind: "first_seen",
        snapshot_id: 1,
        at: "2026-11-19T10:01:00Z",
        last_snapshot_id: 1,
        changes: [],
        body: '{\n  "active": true,\n  "id": "u-chg",\n  "name": {\n    "givenName": "Mo"\n  },\n  "userName": "mover@contoso.com"\n}',
      },
      {
        kind: "changed",
        snapshot_id: 2,
        at: "2026-11-20T10:01:00Z",
        last_snapshot_id: 3,
        changes: [
          { path: "active", old: "true", new: "false", added: [], removed: [], omitted: 0, redacted: false },
          { path: "name.givenName", old: "Mo", new: "Morgan", added: [], removed: [], omitted: 0, redacted: false },
          { path: "password", old: "(hidden)", new: "(hidden)", added: [], removed: [], omitted: 0, redacted: true },
        ],
        body: '{\n  "active": false,\n  "id": "u-chg",\n  "name": {\n    "givenName": "Morgan"\n  },\n  "userName": "mover@contoso.com"\n}',
      },
    ],
  };
}
