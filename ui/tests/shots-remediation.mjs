// The mocked back end of the remediation actions (the switch, Provision on
// demand, Restart provisioning) and of "Find a user" (trace_user), for the
// Chromium shots. Run in the page: shots.test.mjs serialises
// `remediationBackend` with toString(), so it must not use anything from
// this module. Command and argument names are those of src/lib/ipc.ts, shapes
// those of src/bindings/ (RemediationStatus, AuditEntry, GraphCall,
// OnDemandOutcome, RestartOutcome, UserTrace); wording follows the engine
// (remediate/, core's trace/ and entra-sim's provisionOnDemand steps).
// `remediationTour` below drives the screens and takes the shots.

/**
 * Commands by name. `scenario.remediation` switches the actions on for every
 * connection with an Entra side; without it they are off (the portal's way).
 */
export function remediationBackend(db, scenario) {
  const MIN = 60000;
  const HOUR = 3600000;
  const DAY = 86400000;
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const err = (kind, message) => ({ kind, message, fields: [] });
  const conn = (id) => {
    const c = db.find((x) => x.id === id);
    if (!c) throw err("not_found", "no such connection");
    return c;
  };
  const SP = "4e1bab1c-df9b-4a5e-adef-c70f10418028";
  const APP = "8a3c6f2d-91b4-4c7e-a1d2-5f6e7a8b9c0d";
  const JOB = "scim.1c2f0e4d5a";
  const jobUrl = (c) => `${c.entra.graph_url}/v1.0/servicePrincipals/${SP}/synchronization/jobs/${JOB}`;
  const portal = (c) => ({
    provisioning: c.entra.cloud === "usgov"
      ? `https://portal.azure.us/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/${SP}/appId/${APP}`
      : `https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/${SP}/appId/${APP}`,
    api_permissions: null,
    admin_consent: `${c.entra.login_url}/${c.entra.tenant_id}/adminconsent?client_id=${c.entra.client_id}`,
    click_path: "Entra admin center → Enterprise applications → " + (c.entra.app ?? "the app") + " → Provisioning",
  });
  let audit = 40;
  const actions = {};
  const log = (id, entry) => {
    const row = { id: ++audit, request_id: "req-" + audit, at: iso(Date.now()), actor: "admin", ...entry };
    (actions[id] = actions[id] ?? []).unshift(row);
    return row.id;
  };
  const enabled = {};
  // As the engine's remediate/switch.rs: switching on checks the permission
  // with validateCredentials, and both directions are audited.
  const how = (c) => (c.entra.auth_mode === "delegated" ? "the signed-in account consented to" : "the app registration holds");
  const evidence = (c) => `Remediation actions on: ${how(c)} Synchronization.ReadWrite.All — Microsoft Graph accepted validateCredentials with HTTP 204`;
  function setSwitch(id, on) {
    const c = conn(id);
    if (!c.entra) throw err("conflict", "This connection has no Entra side: there is no provisioning job to act on.");
    enabled[id] = on;
    if (on) {
      log(id, { action: "enable", method: "POST", url: jobUrl(c) + "/validateCredentials", request_body: JSON.stringify({ useSavedCredentials: true }, null, 2), http_status: 204, outcome: "success", summary: evidence(c) });
    } else {
      log(id, { action: "disable", method: "", url: "", request_body: null, http_status: null, outcome: "success", summary: "Remediation actions off: scimwatch is read-only for this connection" });
    }
    return status(id);
  }
  function status(id) {
    const c = conn(id);
    const on = enabled[id] ?? !!scenario.remediation;
    if (!c.entra) {
      return {
        connection_id: id, enabled: false, auth_mode: null, available: false,
        unavailable_reason: "This connection has no Entra side: there is no provisioning job to act on.",
        changed_at: null, changed_by: null, evidence: null, actions: [],
        portal: { provisioning: null, api_permissions: null, admin_consent: null, click_path: "Entra admin center → Enterprise applications → the app → Provisioning" },
      };
    }
    return {
      connection_id: id, enabled: on, auth_mode: c.entra.auth_mode, available: true, unavailable_reason: null,
      changed_at: on ? iso(now - 2 * DAY) : null, changed_by: on ? "admin" : null,
      evidence: on ? evidence(c) : null,
      portal: portal(c), actions: JSON.parse(JSON.stringify(actions[id] ?? [])),
    };
  }
  const PEOPLE = [
    { key: "5f1e0c7a-2b3d-4e5f-8a9b-000000000017", display_name: "Ada Lovelace", upn: "ada.lovelace@contoso.com", scim: "ada.lovelace@contoso.com", found_in: ["assignments", "logs", "saas"] },
    { key: "5f1e0c7a-2b3d-4e5f-8a9b-000000000231", display_name: "Adam Okonkwo-Bergström", upn: "adam.okonkwo-bergstrom@contoso.com", scim: null, found_in: ["assignments", "logs"] },
    { key: "5f1e0c7a-2b3d-4e5f-8a9b-000000000458", display_name: "Adaeze Nwosu", upn: "adaeze.nwosu@contoso.com", scim: "adaeze.nwosu@contoso.com", found_in: ["assignments", "saas"] },
  ];
  const candidate = (p, exact) => ({
    key: p.key, display_name: p.display_name, user_principal_name: p.upn, mail: p.upn, object_id: p.key,
    scim_id: p.scim ? "u-" + p.key.slice(-3) : null, scim_user_name: p.scim, found_in: p.found_in, exact,
  });
  function events(p) {
    const rows = [];
    for (let i = 0; i < 4; i++) {
      const failed = p.scim === null && i === 0;
      rows.push({
        id: 900 + i, event_id: "ev-trace-" + i, activity_ms: now - 12 * MIN - i * 40 * MIN, job_id: JOB,
        cycle_id: "cyc-c1-" + (1000 - i), change_id: "chg-trace-" + i, action: i === 3 ? "create" : "update",
        status: failed ? "failure" : "success", source_id: p.key, source_name: p.display_name,
        target_id: p.scim ? "u-" + p.key.slice(-3) : null, target_name: p.upn, identity_type: "User",
        error_code: failed ? "SystemForCrossDomainIdentityManagementBadRequest" : null,
        error_reason: failed ? "The SCIM endpoint answered 400: emails[type eq \"work\"].value is not a valid address." : null,
        error_category: failed ? "NonServiceFailure" : null, duration_ms: 120,
      });
    }
    return rows;
  }
  function trace({ id, query }) {
    const c = conn(id);
    const q = query.trim().toLowerCase();
    const hits = PEOPLE.filter((p) => [p.key, p.display_name, p.upn].some((v) => v.toLowerCase().includes(q)));
    const exact = hits.filter((p) => [p.key, p.display_name.toLowerCase(), p.upn].includes(q));
    const base = {
      connection_id: id, query, candidates: hits.map((p) => candidate(p, exact.includes(p))), more_candidates: false,
      traced: null, judgement: null, events: [], logs_filter: null, provisioning_link: c.entra ? portal(c).provisioning : null,
    };
    const who = exact.length === 1 ? exact[0] : hits.length === 1 ? hits[0] : null;
    if (!who) return base;
    const ev = events(who);
    const newest = ev[0];
    const snapshot = iso(now - 3 * HOUR);
    const line = (tone, text) => ({ tone, text });
    return {
      ...base,
      traced: candidate(who, true),
      events: ev,
      logs_filter: who.key,
      judgement: {
        verdict: newest.status === "failure"
          ? line("problem", `Entra tried at ${iso(newest.activity_ms)} and the SaaS refused: SystemForCrossDomainIdentityManagementBadRequest — the SCIM endpoint answered 400: emails[type eq "work"].value is not a valid address.`)
          : line("ok", `Provisioned at ${iso(newest.activity_ms)} — present in the SaaS`),
        assignment: line("ok", `Assigned through the group “Acme users”, as a direct member (assignments read at ${iso(now - 2 * MIN)})`),
        scope: line("ok", "Sync only assigned users and groups: a user is provisioned only when assigned directly or as a direct member of an assigned group. Scoping filters on the mappings are not read by scimwatch: could not check them."),
        saas: who.scim
          ? line("ok", `In the SaaS as “${who.scim}”, active, in the snapshot of ${snapshot}`)
          : line("problem", `Not in the SaaS snapshot of ${snapshot} (1,264 users)`),
        next_cycle: line("waiting", `The next cycle at ~${iso(now + 28 * MIN)}`),
        events: newest.status === "failure"
          ? line("problem", `${ev.length} events stored; the newest: update failure at ${iso(newest.activity_ms)}`)
          : line("ok", `${ev.length} events stored; the newest: ${newest.action} success at ${iso(newest.activity_ms)}`),
      },
    };
  }
  // The engine names the user by their userPrincipalName when it knows it, else by the id given.
  const who = (user) => PEOPLE.find((p) => p.key === user || p.upn === user)?.upn ?? user;
  function onDemandCall({ id, user }) {
    const c = conn(id);
    const upn = who(user);
    return {
      action: "provision_on_demand",
      method: "POST",
      url: jobUrl(c) + "/provisionOnDemand",
      body: JSON.stringify({ parameters: [{ ruleId: "00000000-0000-4001-8000-000000005c4e", subjects: [{ objectId: user, objectTypeName: "User" }] }] }, null, 2),
      summary: `Provision ${upn} now: Entra imports the user, checks the scope, matches them in the SaaS and creates or updates them there, outside the ~40-minute cycle`,
    };
  }
  function onDemand(args) {
    const call = onDemandCall(args);
    const upn = who(args.user);
    const name = upn.includes("@") ? upn.split("@")[0].split(".").map((p) => p[0].toUpperCase() + p.slice(1)).join(" ") : upn;
    const at = iso(Date.now());
    const step = (name_, kind, title, status_, description, details) => ({ name: name_, kind, title, status: status_, description, timestamp: at, details });
    const result = {
      result: "Success", error_code: null, error_message: null, action: "Update", reportable_identifier: upn,
      modified: [["title", "Engineer", "Senior Engineer"], ["emails[type eq \"work\"].value", upn.replace("@", "@old."), upn]],
      steps: [
        step("EntryImport", "Import", "Import user", "Success", `Retrieved User '${upn}' from Microsoft Entra ID`, [
          ["objectId", args.user], ["accountEnabled", "True"], ["displayName", name], ["userPrincipalName", upn], ["IsSoftDeleted", "False"], ["appRoleAssignments", "User"],
        ]),
        step("EntryImport", "Matching", "Match user between source and target system", "Success", `Retrieved  '${upn}' from ${conn(args.id).entra.app}`, [
          ["active", "True"], ["displayName", name], ["externalId", upn.split("@")[0]], ["id", "2819c223-7f76-453a-919d-413861904646"], ["userName", upn],
        ]),
        step("EntrySynchronizationScoping", "Scoping", "Determine if user is in scope", "Success", "Determine if User in scope by evaluating against each scoping filter", [
          ["IsActive", "True"], ["Assigned", "True"], ["IsEffectivelyEntitledForProvisioning", "True"], ["IsInProvisioningScopeDisplayName", "True"], ["ScopeEvaluationResult", "{}"],
        ]),
        step("EntryExportUpdate", "Export", "Perform action", "Success", `User '${name}' was updated in ${conn(args.id).entra.app}`, [
          ["ReportableIdentifier", upn], ["title", "Senior Engineer"], ["emails[type eq \"work\"].value", upn],
        ]),
      ],
    };
    const audit_id = log(args.id, { action: "provision_on_demand", method: call.method, url: call.url, request_body: call.body, http_status: 200, outcome: "success", summary: `${upn}: Update, Success` });
    return { call, result, audit_id };
  }
  function restartCall({ id, scope }) {
    const c = conn(id);
    return {
      action: "restart",
      method: "POST",
      url: jobUrl(c) + "/restart",
      body: JSON.stringify({ criteria: { resetScope: scope.join(", ") } }, null, 2),
      summary: `Restart provisioning, resetting ${scope.join(", ")}: the job runs again at once${scope.includes("QuarantineState") ? " and leaves quarantine" : ""}`,
    };
  }
  const later = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
  // The engine sends only the request the admin confirmed, and only while the switch is on.
  function confirmed(args, call) {
    if (!(enabled[args.id] ?? !!scenario.remediation)) throw err("conflict", "Remediation actions are off for this connection: switch them on first");
    if (JSON.stringify(args.confirmed) !== JSON.stringify(call)) throw err("conflict", "The request changed since it was shown: review it again");
    return call;
  }
  return {
    remediation_status: ({ id }) => status(id),
    enable_remediation: ({ id }) => later(300, setSwitch(id, true)),
    disable_remediation: ({ id }) => setSwitch(id, false),
    remediation_actions: ({ id }) => JSON.parse(JSON.stringify(actions[id] ?? [])),
    preview_provision_on_demand: (args) => onDemandCall(args),
    provision_on_demand: (args) => (confirmed(args, onDemandCall(args)), later(400, onDemand(args))),
    preview_restart: (args) => restartCall(args),
    restart_provisioning: (args) => {
      const call = confirmed(args, restartCall(args));
      const audit_id = log(args.id, { action: "restart", method: call.method, url: call.url, request_body: call.body, http_status: 204, outcome: "success", summary: "Microsoft Graph accepted the restart (HTTP 204): the job runs again with the next poll's status showing its new state" });
      return later(400, { call, http_status: 204, summary: "Microsoft Graph accepted the restart (HTTP 204): the job runs again with the next poll's status showing its new state", audit_id });
    },
    trace_user: (args) => later(150, trace(args)),
  };
}

/**
 * The remediation and "Find a user" shots, in one page that starts with the
 * switch off: switch it on for c1 and c2 on Connections, provision on demand
 * from the Logs drawer, see the button on the drift report, restart c2's
 * quarantined job from the Overview, read the actions taken, and trace a user.
 * `h` holds the shots module's helpers (gotoHash, scrollTo, shot, name).
 */
export async function remediationTour(page, h) {
  const { gotoHash, scrollTo, shot, name } = h;
  const section = (conn) => page.getByRole("region", { name: `Remediation actions of ${conn}` });
  const switchOn = async (conn) => {
    const s = section(conn);
    await s.getByRole("switch", { name: "Remediation actions" }).click();
    await s.locator('[role="switch"][aria-checked="true"]').waitFor();
    await s.getByText(/^Remediation actions on: .* Microsoft Graph accepted validateCredentials with HTTP 204/).first().waitFor();
    return s;
  };

  await gotoHash(page, "#/connections");
  const acme = await switchOn("Contoso → Acme HR");
  await scrollTo(acme);
  await shot(page, name("remediation-switch-on"));
  await switchOn("Fabrikam (GCC High) → Ticketing");

  // Provision on demand from the Logs drawer: the exact request, then Graph's steps.
  await gotoHash(page, "#/logs/c1");
  await page.getByRole("table", { name: "Provisioning events, newest first" }).waitFor();
  await page.locator(".log-row-bad .log-open").first().click();
  const drawer = page.getByRole("dialog");
  await drawer.getByRole("button", { name: "Provision on demand" }).click();
  const confirm = page.getByRole("dialog", { name: /^Provision .* on demand$/ });
  await confirm.getByText(/\/synchronization\/jobs\/scim\.1c2f0e4d5a\/provisionOnDemand/).first().waitFor();
  await shot(page, name("remediation-on-demand-confirm"));
  await confirm.getByRole("button", { name: "Send to Microsoft Graph" }).click();
  const steps = confirm.getByRole("list", { name: "Provisioning steps" });
  await steps.getByText("User '5f1e0c7a-2b3d-4e5f-8a9b-100000000004' was updated in Acme HR (SCIM)").waitFor();
  await steps.evaluate((el) => el.scrollIntoView({ block: "start" }));
  await shot(page, name("remediation-on-demand-result"));
  await page.keyboard.press("Escape");

  // The drift report offers it on every user missing in the SaaS.
  await gotoHash(page, "#/inventory/c1/drift");
  const missing = page.getByRole("list", { name: "Missing in the SaaS" });
  await missing.getByRole("button", { name: "Provision on demand" }).first().waitFor();
  await scrollTo(missing);
  await shot(page, name("remediation-drift-on-demand"));

  // Restart provisioning of c2's quarantined job, from the Overview's job card.
  await gotoHash(page, "#/overview");
  await page.getByRole("button", { name: "Restart provisioning" }).first().click();
  const scope = page.getByRole("dialog", { name: "Restart provisioning" });
  await scope.getByRole("checkbox", { name: /^QuarantineState/ }).waitFor();
  await scope.getByRole("button", { name: "Review the request" }).click();
  await scope.getByText(/"resetScope": "Watermark, Escrows, QuarantineState"/).waitFor();
  await shot(page, name("remediation-restart-confirm"));
  await scope.getByRole("button", { name: "Send to Microsoft Graph" }).click();
  await scope.getByText(/^Microsoft Graph accepted the restart \(HTTP 204\)/).waitFor();
  await page.keyboard.press("Escape");

  // Both actions (and the switches) are in the connections' actions taken.
  await gotoHash(page, "#/connections");
  const taken = section("Contoso → Acme HR").getByRole("list", { name: "Actions taken" });
  await taken.getByText("provision on demand", { exact: true }).waitFor();
  await taken.getByText("enable", { exact: true }).waitFor();
  await section("Fabrikam (GCC High) → Ticketing").getByRole("list", { name: "Actions taken" }).getByText("restart", { exact: true }).waitFor();
  await scrollTo(section("Contoso → Acme HR").getByText("Actions taken (2)"));
  await shot(page, name("remediation-actions-taken"));

  // Find a user: one exact match is traced through assignments, logs, the SaaS and the next cycle.
  await gotoHash(page, "#/overview");
  const find = page.getByRole("search", { name: "Find a user" });
  await find.getByRole("textbox", { name: "User" }).or(find.getByRole("searchbox", { name: "User" })).fill("ada.lovelace@contoso.com");
  await find.getByRole("button", { name: "Trace" }).click();
  const trace = page.getByRole("region", { name: "Trace of Ada Lovelace" });
  await trace.getByText(/^Provisioned at .* — present in the SaaS$/).waitFor();
  await scrollTo(page.getByRole("heading", { name: "Find a user" }));
  await shot(page, name("find-user-trace"));
}
