// SCIMMY (npm `scimmy` + `scimmy-routers`) behind Express, with an in-memory
// store: an independent open-source SCIM 2.0 server for scimwatch's interop
// tests. Nothing here adapts SCIMMY to scimwatch: the handlers only store,
// find (SCIMMY's own filter matching) and delete what SCIMMY hands them.
//
//   node server.mjs PORT TOKEN      → serves http://127.0.0.1:PORT/scim/v2
import { randomUUID } from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const [port, token] = process.argv.slice(2);
if (!port || !token) {
  console.error("usage: node server.mjs PORT TOKEN");
  process.exit(2);
}

function store(kind) {
  const items = new Map();
  return {
    ingress: (resource, data) => {
      const now = new Date().toISOString();
      if (resource.id) {
        const old = items.get(resource.id);
        if (!old) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
        items.set(resource.id, { ...data, id: resource.id, meta: { ...old.meta, lastModified: now } });
        return items.get(resource.id);
      }
      const id = randomUUID();
      items.set(id, { ...data, id, meta: { resourceType: kind, created: now, lastModified: now } });
      return items.get(id);
    },
    egress: (resource) => {
      if (resource.id) {
        const one = items.get(resource.id);
        if (!one) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
        return one;
      }
      const all = [...items.values()];
      return resource.filter ? resource.filter.match(all) : all;
    },
    degress: (resource) => {
      if (!items.delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
    },
  };
}

for (const [type, kind] of [[SCIMMY.Resources.User, "User"], [SCIMMY.Resources.Group, "Group"]]) {
  const s = store(kind);
  SCIMMY.Resources.declare(type).ingress(s.ingress).egress(s.egress).degress(s.degress);
}
SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);

const app = express();
app.use("/scim/v2", new SCIMMYRouters({
  type: "bearer",
  handler: (request) => {
    if (request.header("Authorization") !== `Bearer ${token}`) throw new Error("Authorization failed");
    return "scimwatch-tests";
  },
}));
app.listen(Number(port), "127.0.0.1", () => console.log(`scimmy on http://127.0.0.1:${port}/scim/v2`));
