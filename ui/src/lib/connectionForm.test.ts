import { describe, expect, test } from "vitest";
import { connection } from "../test/fixtures";
import { clientChecks, emptyForm, formFromConnection, isFormDirty, splitFieldErrors, toPayload } from "./connectionForm";

describe("toPayload", () => {
  test("empty text becomes null and empty secrets keep what is stored", () => {
    const { input, secrets } = toPayload({ ...emptyForm(), name: "A", scim_url: "https://a.example/scim" });
    expect(input).toEqual({
      name: "A",
      cloud: "global",
      login_url: null,
      graph_url: null,
      tenant_id: null,
      client_id: null,
      auth_mode: "delegated",
      app: null,
      scim_url: "https://a.example/scim",
      scim_token_expires: null,
      keep_secrets_for_new_endpoint: false,
    });
    expect(secrets).toEqual({ scim_token: null, client_secret: null, client_certificate: null });
  });

  test("custom hosts are sent only for the custom cloud", () => {
    const f = { ...emptyForm(), name: "A", tenant_id: "t.example", login_url: "https://l", graph_url: "https://g" };
    expect(toPayload(f).input.login_url).toBeNull();
    expect(toPayload({ ...f, cloud: "custom" }).input).toMatchObject({ login_url: "https://l", graph_url: "https://g" });
  });

  test("a client secret is sent only with client-secret sign-in and a tenant", () => {
    const f = { ...emptyForm(), name: "A", tenant_id: "t.example", client_secret: "s" };
    expect(toPayload(f).secrets.client_secret).toBeNull();
    expect(toPayload({ ...f, auth_mode: "client_secret" }).secrets.client_secret).toBe("s");
    expect(toPayload({ ...f, auth_mode: "client_secret", tenant_id: "" }).secrets.client_secret).toBeNull();
  });

  test("a certificate is sent only with certificate sign-in", () => {
    const f = { ...emptyForm(), name: "A", tenant_id: "t.example", client_certificate: "PEM" };
    expect(toPayload(f).secrets.client_certificate).toBeNull();
    expect(toPayload({ ...f, auth_mode: "certificate" }).secrets.client_certificate).toBe("PEM");
    expect(toPayload({ ...f, auth_mode: "certificate", client_certificate: "  " }).secrets.client_certificate).toBeNull();
  });

  test("the token is sent as typed (Rust trims it and says so)", () => {
    const f = { ...emptyForm(), name: "A", scim_url: "https://a", scim_token: "abc\n" };
    expect(toPayload(f).secrets.scim_token).toBe("abc\n");
    expect(toPayload({ ...f, scim_url: "" }).secrets.scim_token).toBeNull();
  });
});

describe("formFromConnection", () => {
  test("prefills everything but secrets; the default public client shows as empty", () => {
    const f = formFromConnection(connection());
    expect(f).toMatchObject({
      name: "Contoso → Acme",
      tenant_id: "contoso.onmicrosoft.com",
      client_id: "",
      app: "Acme (SCIM)",
      scim_url: "https://api.acme.example/scim/v2",
      scim_token: "",
      client_secret: "",
      scim_token_expires: "2099-03-31",
    });
  });

  test("a SCIM-only connection", () => {
    const f = formFromConnection(connection({ entra: null }));
    expect(f.tenant_id).toBe("");
    expect(f.cloud).toBe("global");
  });
});

describe("checks", () => {
  test("name and one side are required", () => {
    expect(clientChecks(emptyForm()).map((e) => e.field)).toEqual(["name", "tenant_id", "scim_url"]);
    expect(clientChecks({ ...emptyForm(), name: "x", tenant_id: "t" })).toEqual([]);
  });

  test("errors for hidden or unknown fields are listed apart", () => {
    const { byField, other } = splitFieldErrors(
      [
        { field: "name", message: "a" },
        { field: "name", message: "b" },
        { field: "login_url", message: "c" },
        { field: "mystery", message: "d" },
      ],
      (f) => f !== "login_url",
    );
    expect(byField).toEqual({ name: "a" });
    expect(other.map((o) => o.field)).toEqual(["login_url", "mystery"]);
  });
});

describe("isFormDirty", () => {
  test("any change counts, surrounding spaces do not, a typed secret does", () => {
    const initial = formFromConnection(connection());
    expect(isFormDirty(initial, initial)).toBe(false);
    expect(isFormDirty({ ...initial, name: ` ${initial.name} ` }, initial)).toBe(false);
    expect(isFormDirty({ ...initial, name: "Other" }, initial)).toBe(true);
    expect(isFormDirty({ ...initial, auth_mode: "client_secret" }, initial)).toBe(true);
    expect(isFormDirty({ ...initial, scim_token: "tok" }, initial)).toBe(true);
    expect(isFormDirty(emptyForm(), emptyForm())).toBe(false);
    expect(isFormDirty({ ...emptyForm(), cloud: "usgov" }, emptyForm())).toBe(true);
  });
});
