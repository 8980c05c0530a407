import type { Connection } from "../bindings/Connection";

export function connection(over: Partial<Connection> = {}): Connection {
  return {
    id: "c1",
    name: "Contoso → Acme",
    entra: {
      cloud: "global",
      login_url: "https://login.microsoftonline.com",
      graph_url: "https://graph.microsoft.com",
      tenant_id: "contoso.onmicrosoft.com",
      client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e",
      auth_mode: "delegated",
      app: "Acme (SCIM)",
      service_principal_id: null,
      app_id: null,
      app_display_name: null,
      job_id: null,
    },
    scim: { url: "https://api.acme.example/scim/v2", token_expires_at: "2099-03-31T23:59:59Z" },
    has_scim_token: true,
    has_client_secret: false,
    created_at: "2026-11-01T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    ...over,
  };
}
