// Add or edit a connection. The Rust side validates and normalises; this form
// shows its verdict field by field.
import {
  useEffect,
  useId,
  useRef,
  useState,
  type ChangeEvent,
  type ClipboardEvent,
  type FormEvent,
  type ReactNode,
} from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Connection } from "../bindings/Connection";
import type { FieldError } from "../bindings/FieldError";
import type { TestResult } from "../bindings/TestResult";
import type { UnresolvedHost } from "../bindings/UnresolvedHost";
import { Dialog, DiscardChangesDialog } from "../components/Dialog";
import { Alert, ErrorAlert } from "../components/Feedback";
import { Field } from "../components/Field";
import { Icon } from "../components/Icon";
import { RichText } from "../components/RichText";
import { useToasts } from "../components/Toasts";
import {
  clientChecks,
  emptyForm,
  firstInvalid,
  formFromConnection,
  isFormDirty,
  movedSecrets,
  secretTooLong,
  splitFieldErrors,
  toPayload,
  type FieldName,
  type FormState,
  type SecretField,
} from "../lib/connectionForm";
import { addConnection, testConnectionInput, toCommandError, updateConnection } from "../lib/ipc";
import { useUnsavedChanges } from "../lib/router";
import { secretStoreWording, type SecretStoreWording } from "../lib/secretStore";
import { SecretInput } from "./connection/SecretInput";
import { EntraSection, type FieldOpts, type TextBox } from "./connection/EntraSection";
import { TestPanel, UnresolvedWarning } from "./connection/TestPanel";

/** The "keep the stored secret" placeholder, naming where it is stored. */
export function keepSecretPlaceholder(place: string): string {
  return `Stored in ${place} — leave empty to keep`;
}

export const KEEP_SECRET_PLACEHOLDER = keepSecretPlaceholder(secretStoreWording("keychain").place);

const FIELD_LABELS: Record<FieldName, string> = {
  name: "Name",
  cloud: "Cloud",
  login_url: "Login URL",
  graph_url: "Graph URL",
  tenant_id: "Tenant ID or domain",
  auth_mode: "Sign-in",
  client_id: "Client ID",
  client_secret: "Client secret",
  client_certificate: "Certificate and private key",
  app: "Enterprise app",
  scim_url: "Tenant URL",
  scim_token: "Secret Token",
  scim_token_expires: "Token expires",
};

/** How the question names each secret. */
const SECRET_NAMES: Record<SecretField, string> = {
  scim_token: "Secret Token",
  client_secret: "client secret",
  client_certificate: "certificate",
};

/** "a", "a and b", "a, b and c". */
function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

export interface ConnectionFormProps {
  /** The connection being edited; absent when adding. */
  existing?: Connection;
  onClose: () => void;
  onSaved: (c: Connection) => void;
  /** Called when the server says the connection is gone (`not_found`). */
  onMissing?: () => void;
  /** Where secrets are kept (keychain or file), as the Connections screen loaded it. */
  secretStore?: SecretStoreWording;
}

export function ConnectionForm({
  existing,
  onClose,
  onSaved,
  onMissing,
  secretStore = secretStoreWording(null),
}: ConnectionFormProps) {
  const [initial] = useState<FormState>(() => (existing ? formFromConnection(existing) : emptyForm()));
  const keepPlaceholder = keepSecretPlaceholder(secretStore.place);
  const [form, setForm] = useState<FormState>(initial);
  const [confirmClose, setConfirmClose] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<CommandError | null>(null);
  const [saving, setSaving] = useState(false);
  const [focusTick, setFocusTick] = useState(0);
  const [showToken, setShowToken] = useState(false);
  const [showSecret, setShowSecret] = useState(false);
  const [keepMoved, setKeepMoved] = useState(false);
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<{ result: TestResult | null; error: CommandError | null; sent: string } | null>(null);
  const [unresolved, setUnresolved] = useState<UnresolvedHost[] | null>(null);
  const testRef = useRef<HTMLDivElement>(null);
  const { push } = useToasts();
  const uid = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);

  const custom = form.cloud === "custom";
  const wantsSecret = form.auth_mode === "client_secret";
  const wantsCert = form.auth_mode === "certificate";
  const visible = (f: FieldName) => {
    if (f === "login_url" || f === "graph_url") return custom;
    if (f === "client_secret") return wantsSecret;
    if (f === "client_certificate") return wantsCert;
    return true;
  };
  const moved = movedSecrets(form, initial, existing);
  const movedNames = moved.fields.map((f) => SECRET_NAMES[f]);
  const { byField, other } = splitFieldErrors(fieldErrors, visible);
  const errorCount = Object.keys(byField).length + other.length;
  const dirty = isFormDirty(form, initial);
  const { allowLeave } = useUnsavedChanges(dirty);

  /** Cancel, Escape and the close button: ask first when something was typed. */
  function requestClose() {
    if (dirty) setConfirmClose(true);
    else onClose();
  }

  useEffect(() => {
    if (focusTick === 0) return;
    const first = firstInvalid(byField);
    if (!first) {
      // A failure that belongs to no field: bring its alert into view.
      const body = bodyRef.current?.closest<HTMLElement>(".dialog-body");
      if (body) body.scrollTop = 0;
      return;
    }
    const el =
      first === "auth_mode"
        ? document.querySelector<HTMLInputElement>(`input[name="${uid}-auth_mode"]:checked`)
        : document.getElementById(idOf(first));
    // Centred, so the sticky footer never covers the field or its message.
    el?.closest<HTMLElement>(".field")?.scrollIntoView?.({ block: "center" });
    el?.focus({ preventScroll: true });
    // Only when a save attempt produced errors.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focusTick]);

  function idOf(f: FieldName): string {
    return `${uid}-${f}`;
  }

  function set<K extends FieldName>(key: K, value: FormState[K]) {
    setForm((prev) => ({ ...prev, [key]: value }));
    if (unresolved && ["scim_url", "login_url", "graph_url", "cloud"].includes(key)) setUnresolved(null);
    if (fieldErrors.some((e) => e.field === key)) {
      setFieldErrors((list) => list.filter((e) => e.field !== key));
    }
  }

  /** Refuse a paste that is far too big before the text box cuts it silently (at 512 KB). */
  function onSecretPaste(key: SecretField) {
    return (e: ClipboardEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      const why = secretTooLong(key, e.clipboardData.getData("text"));
      if (!why) return;
      e.preventDefault();
      setFieldErrors((list) => [...list.filter((x) => x.field !== key), { field: key, message: why }]);
    };
  }

  function onText(key: FieldName) {
    return (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      set(key, e.target.value as never);
  }

  /** A .pem file chosen with the system's file dialog, read as text in the web view. */
  async function onPemFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    if (file.size > 64 * 1024) {
      setFieldErrors([{ field: "client_certificate", message: "that file is too large for a certificate and its key" }]);
      return;
    }
    const text = await new Promise<string>((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result ?? ""));
      r.onerror = () => reject(r.error);
      r.readAsText(file);
    }).catch(() => null);
    if (text === null) {
      setFieldErrors([{ field: "client_certificate", message: "that file could not be read" }]);
      return;
    }
    set("client_certificate", text);
  }

  /** Props that tie a control to its label, hint and error. */
  function control(f: FieldName, hasHint = false) {
    const error = byField[f];
    const describedBy = [error ? `${idOf(f)}-error` : null, hasHint ? `${idOf(f)}-hint` : null]
      .filter(Boolean)
      .join(" ");
    return {
      id: idOf(f),
      name: f,
      "aria-invalid": error ? (true as const) : undefined,
      "aria-describedby": describedBy || undefined,
    };
  }

  function field(f: FieldName, input: ReactNode, opts: FieldOpts = {}) {
    const label = opts.label ?? FIELD_LABELS[f];
    return (
      <Field
        id={idOf(f)}
        label={opts.optional ? <>{label}<span className="field-optional">Optional</span></> : label}
        error={byField[f]}
        hint={opts.hint}
      >
        {input}
      </Field>
    );
  }

  /** A one-line text box in its field: no autocomplete, no spelling marks; monospace unless `mono` is false. */
  function textField(f: FieldName, box: TextBox, opts: FieldOpts = {}) {
    return field(
      f,
      <input
        {...control(f, !!opts.hint)}
        className={box.mono === false ? "input" : "input mono"}
        type={box.type ?? "text"}
        value={form[f]}
        onChange={onText(f)}
        autoComplete="off"
        spellCheck={false}
        autoCapitalize={box.autoCapitalize}
        placeholder={box.placeholder}
      />,
      opts,
    );
  }

  /** The payload without a secret that is too long to send (its error is the client's). */
  function payloadFor(local: FieldError[]) {
    const p = toPayload(form, { keepSecretsForNewEndpoint: keepMoved && moved.fields.length > 0 });
    for (const fe of local) if (fe.field in p.secrets) p.secrets[fe.field as keyof typeof p.secrets] = null;
    return p;
  }

  /** "Test": Test Connection and the Graph sign-in with what is typed; nothing is saved. */
  async function onTest() {
    if (testing || saving) return;
    setFailure(null);
    const local = clientChecks(form).filter((fe) => fe.field in SECRET_NAMES);
    if (local.length > 0) {
      setFieldErrors(local);
      setFocusTick((t) => t + 1);
      return;
    }
    const { input, secrets } = payloadFor([]);
    const sent = JSON.stringify([input, secrets]);
    setTesting(true);
    setTest(null);
    requestAnimationFrame(() => testRef.current?.scrollIntoView?.({ block: "nearest" }));
    try {
      const result = await testConnectionInput(existing?.id ?? null, input, secrets);
      setTest({ result, error: null, sent });
    } catch (err) {
      const ce = toCommandError(err);
      if (ce.kind === "validation" && ce.fields.length > 0) {
        setFieldErrors(ce.fields);
        setFocusTick((t) => t + 1);
      } else {
        setTest({ result: null, error: ce, sent });
      }
    } finally {
      setTesting(false);
      requestAnimationFrame(() => testRef.current?.scrollIntoView?.({ block: "nearest" }));
    }
  }

  async function onSubmit(e: FormEvent | null, saveAnyway = false) {
    e?.preventDefault();
    if (saving) return;
    setFailure(null);
    const local = clientChecks(form);
    setSaving(true);
    let pre: TestResult | null = null;
    try {
      // Every problem at once (Rust's verdict with the client's), and the host names.
      const { input, secrets } = payloadFor(local);
      pre = await testConnectionInput(existing?.id ?? null, input, secrets, true);
    } catch (err) {
      const ce = toCommandError(err);
      if (ce.kind === "validation") {
        setFieldErrors([...local, ...ce.fields]);
        setFocusTick((t) => t + 1);
        setSaving(false);
        return;
      }
      if (ce.kind === "not_found") {
        setFailure(ce);
        onMissing?.();
        setFocusTick((t) => t + 1);
        setSaving(false);
        return;
      }
      // Anything else: the save itself reports it.
    }
    setSaving(false);
    if (local.length > 0) {
      setFieldErrors(local);
      setFocusTick((t) => t + 1);
      return;
    }
    if (pre && pre.unresolved.length > 0 && !saveAnyway) {
      setUnresolved(pre.unresolved);
      requestAnimationFrame(() => {
        const body = bodyRef.current?.closest<HTMLElement>(".dialog-body");
        if (body) body.scrollTop = 0;
      });
      return;
    }
    setUnresolved(null);
    if (moved.fields.length > 0 && !keepMoved) {
      const where = joinWords(moved.changes);
      setFieldErrors(
        moved.fields.map((f) => ({
          field: f,
          message: `you changed ${where}: paste the ${SECRET_NAMES[f]} for it, or confirm below that the stored one belongs there`,
        })),
      );
      setFocusTick((t) => t + 1);
      return;
    }
    setSaving(true);
    const { input, secrets } = toPayload(form, { keepSecretsForNewEndpoint: keepMoved && moved.fields.length > 0 });
    try {
      const outcome = existing
        ? await updateConnection(existing.id, input, secrets)
        : await addConnection(input, secrets);
      setFieldErrors([]);
      push({
        tone: "success",
        title: existing ? `Saved changes to “${outcome.connection.name}”` : `Added “${outcome.connection.name}”`,
        lines: outcome.notes,
      });
      allowLeave();
      onSaved(outcome.connection);
    } catch (err) {
      const ce = err as CommandError;
      if (ce.kind === "validation" && ce.fields.length > 0) {
        setFieldErrors(ce.fields);
      } else {
        setFieldErrors([]);
        setFailure(ce);
        if (ce.kind === "not_found") onMissing?.();
      }
      setFocusTick((t) => t + 1);
    } finally {
      setSaving(false);
    }
  }

  const keepToken = existing?.has_scim_token && form.scim_url.trim() !== "";
  const keepSecret = existing?.has_client_secret && wantsSecret && existing.entra?.auth_mode === "client_secret";
  const keepCert = existing?.has_client_secret && wantsCert && existing.entra?.auth_mode === "certificate";

  return (
    <Dialog
      title={existing ? `Edit “${existing.name}”` : "Add connection"}
      description="A connection watches an Entra ID enterprise app, the SaaS's SCIM endpoint, or both."
      onClose={requestClose}
      size="lg"
      busy={saving}
      dismissOnBackdrop={false}
      initialFocus={nameRef}
      form={{ onSubmit: (e) => void onSubmit(e), "aria-label": existing ? "Edit connection" : "Add connection" }}
      footer={
        <>
          <span className="footer-note">
            <Icon name="info" size={14} /> Secrets go to {secretStore.place}, never to the database.
          </span>
          <button
            type="button"
            className="button"
            onClick={() => void onTest()}
            disabled={saving || testing}
            aria-busy={testing || undefined}
            title="Test Connection and the sign-in with what is typed, without saving"
          >
            {testing ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
            {testing ? "Testing…" : "Test"}
          </button>
          <button type="button" className="button" onClick={requestClose} disabled={saving}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={saving} aria-busy={saving || undefined}>
            {saving ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
            {saving ? "Saving…" : existing ? "Save changes" : "Add connection"}
          </button>
        </>
      }
    >
      <div ref={bodyRef} className="form-stack">
        {failure ? <ErrorAlert error={failure} /> : null}
        {unresolved ? (
          <UnresolvedWarning
            hosts={unresolved}
            saving={saving}
            onSaveAnyway={() => void onSubmit(null, true)}
            onReview={() => {
              const f = unresolved[0]?.field;
              setUnresolved(null);
              if (f) document.getElementById(`${uid}-${f}`)?.focus();
            }}
          />
        ) : null}
        {errorCount > 0 ? (
          <Alert
            title={errorCount === 1 ? "1 field needs attention" : `${errorCount} fields need attention`}
          >
            {other.length > 0 ? (
              <ul className="plain-list">
                {other.map((fe, i) => (
                  <li key={i}>
                    <strong>{FIELD_LABELS[fe.field as FieldName] ?? fe.field}:</strong>{" "}
                    <RichText text={fe.message} />
                  </li>
                ))}
              </ul>
            ) : null}
          </Alert>
        ) : null}

        {field(
          "name",
          <input
            ref={nameRef}
            {...control("name", true)}
            className="input"
            type="text"
            value={form.name}
            onChange={onText("name")}
            autoComplete="off"
            maxLength={80}
            placeholder="e.g. Contoso → Acme HR"
          />,
          { hint: "How this connection appears in lists and notifications." },
        )}

        <EntraSection
          form={form}
          uid={uid}
          byField={byField}
          idOf={idOf}
          control={control}
          field={field}
          textField={textField}
          set={set}
          onText={onText}
          onSecretPaste={onSecretPaste}
          onPemFile={(e) => void onPemFile(e)}
          keepSecret={!!keepSecret}
          keepCert={!!keepCert}
          keepPlaceholder={keepPlaceholder}
          showSecret={showSecret}
          setShowSecret={setShowSecret}
          secretStore={secretStore}
        />

        <fieldset className="form-section">
          <legend className="section-legend">
            <span className="section-icon section-icon-scim">
              <Icon name="scim" size={16} />
            </span>
            Watch the SCIM endpoint
          </legend>
          <p className="section-description">
            The same Tenant URL and Secret Token entered in the enterprise app's Provisioning page. Leave the Tenant
            URL empty to skip this side.
          </p>
          {textField("scim_url", { type: "url", placeholder: "https://api.example.com/scim/v2" }, { hint: "Usually ends in /scim or /scim/v2." })}
          <div className="grid-2">
            {field(
              "scim_token",
              <SecretInput
                props={control("scim_token", true)}
                value={form.scim_token}
                onChange={onText("scim_token")}
                onPaste={onSecretPaste("scim_token")}
                placeholder={keepToken ? keepPlaceholder : "Paste the token"}
                shown={showToken}
                onToggle={() => setShowToken((s) => !s)}
                what="Secret Token"
              />,
              {
                hint: keepToken
                  ? "A token is stored. Paste a new one only after rotating it."
                  : `Kept in ${secretStore.place}. A pasted “Bearer ” prefix is removed.`,
              },
            )}
            {field(
              "scim_token_expires",
              <input
                {...control("scim_token_expires", true)}
                className="input"
                type="date"
                value={form.scim_token_expires}
                onChange={onText("scim_token_expires")}
              />,
              { optional: true, hint: "If the SaaS told you; scimwatch counts down to it." },
            )}
          </div>
        </fieldset>

        <div ref={testRef}>
          <TestPanel
            result={test?.result ?? null}
            error={test?.error ?? null}
            testing={testing}
            stale={test !== null && test.sent !== JSON.stringify(Object.values(payloadFor([])))}
          />
        </div>

        {moved.fields.length > 0 ? (
          <div className="field">
            <label className="check-row">
              <input
                type="checkbox"
                className="checkbox"
                name="keep_secrets_for_new_endpoint"
                checked={keepMoved}
                aria-describedby={`${uid}-keep-moved-hint`}
                onChange={(e) => {
                  setKeepMoved(e.target.checked);
                  setFieldErrors((list) => list.filter((x) => !(moved.fields as string[]).includes(x.field)));
                }}
              />
              <span className="check-text">
                <span className="check-title">
                  The stored {joinWords(movedNames)} {moved.fields.length === 1 ? "belongs" : "belong"} to the changed
                  endpoint — keep {moved.fields.length === 1 ? "it" : "them"}
                </span>
                <span className="field-hint" id={`${uid}-keep-moved-hint`}>
                  You changed {joinWords(moved.changes)}. Saving sends the stored {joinWords(movedNames)} there. Tick
                  this only if {moved.fields.length === 1 ? "it was" : "they were"} issued for the new endpoint;
                  otherwise paste the new one above.
                </span>
              </span>
            </label>
          </div>
        ) : null}
      </div>
      {confirmClose ? (
        <DiscardChangesDialog
          onKeep={() => setConfirmClose(false)}
          onDiscard={() => {
            setConfirmClose(false);
            allowLeave();
            onClose();
          }}
        />
      ) : null}
    </Dialog>
  );
}
