import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import type { GraphCall } from "../bindings/GraphCall";
import type { RemediationStatus } from "../bindings/RemediationStatus";
import type { SignInSession } from "../bindings/SignInSession";
import { fakeBackend, reject } from "../test/backend";
import { ProvisionOnDemandButton, RemediationSettings, RestartButton } from "./RemediationActions";

const URL_ = "https://graph.microsoft.com/v1.0/servicePrincipals/sp1/synchronization/jobs/scim.1/provisionOnDemand";

function status(over: Partial<RemediationStatus> = {}): RemediationStatus {
  return {
    connection_id: "c1",
    enabled: true,
    auth_mode: "client_secret",
    available: true,
    unavailable_reason: null,
    changed_at: null,
    changed_by: null,
    evidence: null,
    portal: {
      provisioning: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/sp1/appId/a1",
      api_permissions: null,
      admin_consent: null,
      click_path: "Entra admin center → Enterprise applications → the app → Provisioning",
    },
    actions: [],
    ...over,
  };
}

const CALL: GraphCall = {
  action: "provision_on_demand",
  method: "POST",
  url: URL_,
  body: '{\n  "parameters": [{"ruleId": "r1", "subjects": [{"objectId": "u1", "objectTypeName": "User"}]}]\n}',
  summary: "Provision ada@contoso.com now",
};

describe("ProvisionOnDemandButton", () => {
  test("shows the exact Graph call and sends nothing before Send; then the steps", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status();
    b.handlers.preview_provision_on_demand = () => CALL;
    b.handlers.provision_on_demand = () => ({
      call: CALL,
      audit_id: 7,
      result: {
        result: "Success",
        error_code: null,
        error_message: null,
        action: "Create",
        reportable_identifier: "ada@contoso.com",
        modified: [],
        steps: [
          { name: "EntryImport", kind: "Import", title: "Import user", status: "Success", description: "Retrieved User 'ada@contoso.com'", timestamp: null, details: [] },
          { name: "EntryExportAdd", kind: "Export", title: "Perform action", status: "Success", description: "User 'ada@contoso.com' was created in customappsso", timestamp: null, details: [["id", "t1"]] },
        ],
      },
    });
    // Graph takes the object id; the confirmation names the person.
    render(<ProvisionOnDemandButton connectionId="c1" user="5f1e0c7a-2b4d-4e6f-8a9b-0c1d2e3f4a5b" name="ada@contoso.com" />);
    fireEvent.click(await screen.findByRole("button", { name: "Provision on demand" }));
    const dialog = await screen.findByRole("dialog", { name: "Provision ada@contoso.com on demand" });
    expect((await within(dialog).findByTestId("graph-call-url")).textContent).toContain(URL_);
    expect((within(dialog).getByTestId("graph-call-body")).textContent).toContain('"objectTypeName": "User"');
    expect(within(dialog).getByText("POST")).toBeTruthy();
    expect(b.last("preview_provision_on_demand")?.args).toEqual({ id: "c1", user: "5f1e0c7a-2b4d-4e6f-8a9b-0c1d2e3f4a5b" });
    expect(b.count("provision_on_demand")).toBe(0);

    fireEvent.click(within(dialog).getByRole("button", { name: "Send to Microsoft Graph" }));
    await waitFor(() => expect(b.count("provision_on_demand")).toBe(1));
    expect(b.last("provision_on_demand")?.args).toEqual({ id: "c1", user: "5f1e0c7a-2b4d-4e6f-8a9b-0c1d2e3f4a5b", confirmed: CALL });
    const steps = await within(dialog).findByRole("list", { name: "Provisioning steps" });
    expect(within(steps).getAllByRole("listitem")).toHaveLength(2);
    expect(within(steps).getByText("Perform action")).toBeTruthy();
  });

  test("without a name the confirmation names the object id", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status();
    b.handlers.preview_provision_on_demand = () => CALL;
    render(<ProvisionOnDemandButton connectionId="c1" user="5f1e0c7a-2b4d-4e6f-8a9b-0c1d2e3f4a5b" name="  " />);
    fireEvent.click(await screen.findByRole("button", { name: "Provision on demand" }));
    expect(await screen.findByRole("dialog", { name: "Provision 5f1e0c7a-2b4d-4e6f-8a9b-0c1d2e3f4a5b on demand" })).toBeTruthy();
  });

  test("Cancel sends nothing", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status();
    b.handlers.preview_provision_on_demand = () => CALL;
    render(<ProvisionOnDemandButton connectionId="c1" user="ada@contoso.com" />);
    fireEvent.click(await screen.findByRole("button", { name: "Provision on demand" }));
    const dialog = await screen.findByRole("dialog");
    await within(dialog).findByTestId("graph-call-url");
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.count("provision_on_demand")).toBe(0);
  });

  test("without the switch: the portal instead of a button", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status({ enabled: false });
    render(<ProvisionOnDemandButton connectionId="c1" user="ada@contoso.com" />);
    const fallback = await screen.findByTestId("portal-fallback");
    expect((fallback).textContent).toContain("ManagedAppMenuBlade/~/Provisioning");
    expect(screen.queryByRole("button", { name: "Provision on demand" })).toBeNull();
    expect(b.count("preview_provision_on_demand")).toBe(0);
  });

  test("a refusal is shown, not a result", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status();
    b.handlers.preview_provision_on_demand = () => CALL;
    b.handlers.provision_on_demand = () => reject("auth", "the app registration (a1) lacks the application permission Synchronization.ReadWrite.All");
    render(<ProvisionOnDemandButton connectionId="c1" user="ada@contoso.com" />);
    fireEvent.click(await screen.findByRole("button", { name: "Provision on demand" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(await within(dialog).findByRole("button", { name: "Send to Microsoft Graph" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("lacks the application permission");
  });
});

describe("RestartButton", () => {
  test("scope checkboxes, then the exact body, sent only on confirm", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status();
    b.handlers.preview_restart = (args) => ({
      action: "restart",
      method: "POST",
      url: "https://graph.microsoft.com/v1.0/servicePrincipals/sp1/synchronization/jobs/scim.1/restart",
      body: JSON.stringify({ criteria: { resetScope: (args.scope as string[]).join(", ") } }, null, 2),
      summary: "Restart provisioning",
    });
    b.handlers.restart_provisioning = () => ({ call: null, http_status: 204, summary: "Microsoft Graph accepted the restart (HTTP 204)", audit_id: 3 });
    render(<RestartButton connectionId="c1" />);
    fireEvent.click(await screen.findByRole("button", { name: "Restart provisioning" }));
    const choose = await screen.findByRole("dialog", { name: "Restart provisioning" });
    fireEvent.click(within(choose).getByRole("checkbox", { name: /^Escrows/ }));
    fireEvent.click(within(choose).getByRole("button", { name: "Review the request" }));
    const dialog = await screen.findByRole("dialog", { name: "Restart provisioning" });
    expect((await within(dialog).findByTestId("graph-call-body")).textContent).toContain('"resetScope": "Watermark, QuarantineState"');
    expect(b.count("restart_provisioning")).toBe(0);
    fireEvent.click(within(dialog).getByRole("button", { name: "Send to Microsoft Graph" }));
    expect(await within(dialog).findByText(/accepted the restart/)).toBeTruthy();
    expect(b.last("restart_provisioning")?.args.scope).toEqual(["Watermark", "QuarantineState"]);
  });
});

describe("RemediationSettings", () => {
  test("a refused switch says what to do and stays off", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status({ enabled: false });
    b.handlers.enable_remediation = () => reject("auth", "the app registration (a1) lacks the application permission Synchronization.ReadWrite.All: grant it");
    render(<RemediationSettings connectionId="c1" name="Acme" />);
    const sw = await screen.findByRole("switch", { name: "Remediation actions" });
    expect((sw).getAttribute("aria-checked")).toBe("false");
    fireEvent.click(sw);
    expect((await screen.findByRole("alert")).textContent).toContain("lacks the application permission");
    expect((screen.getByRole("switch", { name: "Remediation actions" })).getAttribute("aria-checked")).toBe("false");
    // An application sign-in has no interactive consent to offer.
    expect(screen.queryByRole("button", { name: "Sign in and consent…" })).toBeNull();
  });

  test("delegated without the consent: Sign in and consent…, then the switch goes on by itself", async () => {
    const b = fakeBackend();
    let on = false;
    b.handlers.remediation_status = () => status({ enabled: on, auth_mode: "delegated" });
    b.handlers.enable_remediation = () => {
      if (b.count("start_sign_in") === 0) {
        return reject("consent", "the signed-in account has not consented to Synchronization.ReadWrite.All: sign in again and consent in the app");
      }
      on = true;
      return status({ enabled: true, auth_mode: "delegated", evidence: "Remediation actions on: the signed-in account consented to Synchronization.ReadWrite.All" });
    };
    const waiting = session();
    let now = waiting;
    b.handlers.start_sign_in = () => now;
    b.handlers.sign_in_state = () => ({ connection_id: "c1", delegated: true, signed_in: true, problem: null, problem_since: null, last_sign_in: null, session: now });
    render(<RemediationSettings connectionId="c1" name="Acme" signInPollMs={20} />);
    fireEvent.click(await screen.findByRole("switch", { name: "Remediation actions" }));
    expect((await screen.findByRole("alert")).textContent).toContain("has not consented");
    expect(b.count("start_sign_in")).toBe(0);

    fireEvent.click(screen.getByRole("button", { name: "Sign in and consent…" }));
    const dialog = await screen.findByRole("dialog", { name: "Sign in and consent — Acme" });
    expect(dialog.textContent).toContain("Synchronization.ReadWrite.All");
    fireEvent.click(within(dialog).getByLabelText(/Device code/));
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    expect((await within(dialog).findByTestId("device-code")).textContent).toBe("GQ7PLRZ4K");
    expect(b.last("start_sign_in")?.args).toEqual({ id: "c1", method: "device_code", remediation: true });
    expect(b.count("enable_remediation")).toBe(1);

    // Approved: the dialog closes and the switch is tried again, once.
    now = session({ phase: "succeeded", finished_at: "2026-12-07T16:01:30Z" });
    expect(await screen.findByText("Consent given: remediation actions on.")).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.count("enable_remediation")).toBe(2);
    expect(screen.getByRole("switch", { name: "Remediation actions" }).getAttribute("aria-checked")).toBe("true");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByText(/signed-in account consented/)).toBeTruthy();
  });

  test("delegated, refused for a missing role: no Sign in and consent… (a new sign-in would not fix it)", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status({ enabled: false, auth_mode: "delegated" });
    b.handlers.enable_remediation = () =>
      reject("auth", "Microsoft Graph answered 403: the signed-in account lacks a role that may change provisioning (Application Administrator)");
    render(<RemediationSettings connectionId="c1" name="Acme" signInPollMs={20} />);
    fireEvent.click(await screen.findByRole("switch", { name: "Remediation actions" }));
    expect((await screen.findByRole("alert")).textContent).toContain("lacks a role");
    expect(screen.queryByRole("button", { name: "Sign in and consent…" })).toBeNull();
  });

  test("the consent sign-in cancelled: still off, nothing tried again", async () => {
    const b = fakeBackend();
    b.handlers.remediation_status = () => status({ enabled: false, auth_mode: "delegated" });
    b.handlers.enable_remediation = () => reject("consent", "the signed-in account has not consented to Synchronization.ReadWrite.All");
    b.handlers.start_sign_in = () => session();
    b.handlers.cancel_sign_in = () => session({ phase: "cancelled" });
    render(<RemediationSettings connectionId="c1" name="Acme" signInPollMs={20} />);
    fireEvent.click(await screen.findByRole("switch", { name: "Remediation actions" }));
    fireEvent.click(await screen.findByRole("button", { name: "Sign in and consent…" }));
    const dialog = await screen.findByRole("dialog", { name: "Sign in and consent — Acme" });
    fireEvent.click(within(dialog).getByLabelText(/Device code/));
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    fireEvent.click(await within(dialog).findByRole("button", { name: "Cancel sign-in" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(b.count("cancel_sign_in")).toBe(1);
    expect(b.count("enable_remediation")).toBe(1);
    expect(screen.getByRole("switch", { name: "Remediation actions" }).getAttribute("aria-checked")).toBe("false");
  });
});

function session(over: Partial<SignInSession> = {}): SignInSession {
  return {
    connection_id: "c1",
    method: "device_code",
    phase: "waiting",
    started_at: "2026-12-07T16:00:00Z",
    deadline: "2026-12-07T16:15:00Z",
    finished_at: null,
    sign_in_url: null,
    browser_opened: null,
    browser_error: null,
    device_code: {
      user_code: "GQ7PLRZ4K",
      verification_uri: "https://microsoft.com/devicelogin",
      message: "To sign in, open https://microsoft.com/devicelogin and enter the code GQ7PLRZ4K.",
    },
    failure: null,
    extra_permissions: ["Synchronization.ReadWrite.All"],
    ...over,
  };
}
