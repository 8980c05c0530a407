// The connection form's "Watch Entra ID" section: cloud, tenant, sign-in and
// its credential. The form owns the state; this renders it.
import type { ChangeEvent, ClipboardEvent, ReactNode } from "react";
import { Icon } from "../../components/Icon";
import { FieldErrorLine } from "../../components/Field";
import { AUTH_MODES, CLOUDS, type FieldName, type FormState, type SecretField } from "../../lib/connectionForm";
import type { SecretStoreWording } from "../../lib/secretStore";
import { SecretInput } from "./SecretInput";

type ControlProps = { id: string; name: string; "aria-invalid"?: true; "aria-describedby"?: string };

/** How a field is labelled and explained. */
export type FieldOpts = { hint?: ReactNode; optional?: boolean; label?: string };

/** A text box's own attributes (see the form's `textField`). */
export type TextBox = { type?: "url"; mono?: false; placeholder: string; autoCapitalize?: "off" };

export interface EntraSectionProps {
  form: FormState;
  uid: string;
  byField: Partial<Record<FieldName, string>>;
  idOf: (f: FieldName) => string;
  control: (f: FieldName, hasHint?: boolean) => ControlProps;
  field: (f: FieldName, input: ReactNode, opts?: FieldOpts) => ReactNode;
  textField: (f: FieldName, box: TextBox, opts?: FieldOpts) => ReactNode;
  set: <K extends FieldName>(key: K, value: FormState[K]) => void;
  onText: (key: FieldName) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void;
  onSecretPaste: (key: SecretField) => (e: ClipboardEvent<HTMLInputElement | HTMLTextAreaElement>) => void;
  onPemFile: (e: ChangeEvent<HTMLInputElement>) => void;
  keepSecret: boolean;
  keepCert: boolean;
  keepPlaceholder: string;
  showSecret: boolean;
  setShowSecret: (f: (s: boolean) => boolean) => void;
  secretStore: SecretStoreWording;
}

export function EntraSection(props: EntraSectionProps) {
  const { form, uid, byField, idOf, control, field, textField, set, onText, onSecretPaste, onPemFile } = props;
  const { keepSecret, keepCert, keepPlaceholder, showSecret, setShowSecret, secretStore } = props;
  const custom = form.cloud === "custom";
  const wantsSecret = form.auth_mode === "client_secret";
  const wantsCert = form.auth_mode === "certificate";
  const cloud = CLOUDS.find((c) => c.value === form.cloud);
  return (
    <fieldset className="form-section">
      <legend className="section-legend">
        <span className="section-icon section-icon-entra">
          <Icon name="entra" size={16} />
        </span>
        Watch Entra ID
      </legend>
      <p className="section-description">
        Reads the enterprise app's provisioning job and logs through Microsoft Graph. Leave the tenant empty to skip
        this side.
      </p>
      <div className="grid-2">
        {field(
          "cloud",
          <select {...control("cloud", true)} className="input select" value={form.cloud} onChange={onText("cloud")}>
            {CLOUDS.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>,
          {
            hint: cloud?.login ? (
              <>
                Signs in at <code>{cloud.login}</code>, reads <code>{cloud.graph}</code>.
              </>
            ) : (
              "Give both hosts below, e.g. for a proxy or a test double."
            ),
          },
        )}
        {textField(
          "tenant_id",
          { autoCapitalize: "off", placeholder: "contoso.onmicrosoft.com" },
          { hint: "The directory (tenant) ID, a GUID, or a verified domain." },
        )}
      </div>
      {custom ? (
        <div className="grid-2">
          {textField("login_url", { type: "url", placeholder: "https://login.example.com" })}
          {textField("graph_url", { type: "url", placeholder: "https://graph.example.com" })}
        </div>
      ) : null}

      <fieldset
        className={byField.auth_mode ? "field field-invalid" : "field"}
        aria-describedby={byField.auth_mode ? `${idOf("auth_mode")}-error` : undefined}
      >
        <legend className="field-label">Sign-in</legend>
        <div className="segmented">
          {AUTH_MODES.map((m) => (
            <label key={m.value} className={form.auth_mode === m.value ? "segment segment-on" : "segment"}>
              <input
                type="radio"
                name={`${uid}-auth_mode`}
                value={m.value}
                checked={form.auth_mode === m.value}
                onChange={() => set("auth_mode", m.value)}
                aria-invalid={byField.auth_mode ? true : undefined}
              />
              <span className="segment-title">{m.label}</span>
              <span className="segment-hint">{m.hint}</span>
            </label>
          ))}
        </div>
        {byField.auth_mode ? <FieldErrorLine id={`${idOf("auth_mode")}-error`} text={byField.auth_mode} /> : null}
      </fieldset>

      <div className="grid-2">
        {textField(
          "client_id",
          { placeholder: "Application (client) ID" },
          {
            optional: form.auth_mode === "delegated",
            hint:
              form.auth_mode === "delegated"
                ? "Leave empty to sign in with Microsoft Graph Command Line Tools"
                : "The app registration's Application (client) ID.",
          },
        )}
        {textField(
          "app",
          { mono: false, placeholder: "Acme HR (SCIM)" },
          {
            optional: true,
            label: "Enterprise app",
            hint: "Its display name or appId, as listed under Enterprise applications.",
          },
        )}
      </div>
      {wantsSecret
        ? field(
            "client_secret",
            <SecretInput
              props={control("client_secret", true)}
              value={form.client_secret}
              onChange={onText("client_secret")}
              onPaste={onSecretPaste("client_secret")}
              placeholder={keepSecret ? keepPlaceholder : "Paste the secret's Value"}
              shown={showSecret}
              onToggle={() => setShowSecret((s) => !s)}
              what="client secret"
            />,
            {
              hint: keepSecret
                ? "A secret is stored. Paste a new one only to replace it."
                : "From the app registration's Certificates & secrets: the Value, not the Secret ID.",
            },
          )
        : null}
      {wantsCert
        ? field(
            "client_certificate",
            <div className="pem-input">
              <textarea
                {...control("client_certificate", true)}
                className="input mono"
                rows={4}
                value={form.client_certificate}
                onChange={onText("client_certificate")}
                onPaste={onSecretPaste("client_certificate")}
                placeholder={
                  keepCert
                    ? keepPlaceholder
                    : "-----BEGIN CERTIFICATE-----\n…\n-----BEGIN PRIVATE KEY-----\n…"
                }
                spellCheck={false}
                autoCapitalize="off"
                autoCorrect="off"
              />
              <label className="button button-sm pem-file">
                <Icon name="upload" size={14} /> Choose a .pem file…
                <input
                  type="file"
                  accept=".pem,.crt,.key,.txt,application/x-pem-file"
                  className="visually-hidden"
                  aria-label="Choose a PEM file with the certificate and its private key"
                  onChange={onPemFile}
                />
              </label>
            </div>,
            {
              hint: keepCert
                ? "A certificate is stored. Paste or choose a new one only to replace it."
                : `One PEM holding the certificate uploaded under Certificates & secrets and its private key (unencrypted). It goes to ${secretStore.place}.`,
            },
          )
        : null}
    </fieldset>
  );
}
