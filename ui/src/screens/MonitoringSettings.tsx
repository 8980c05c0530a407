// Settings → Monitoring settings: poll intervals, detection thresholds,
// notification policy and retention. The Rust side validates (`save_settings`)
// and applies the result to the running monitor; this form shows its verdict
// field by field, like the connection form.
import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import type { AppInfo } from "../bindings/AppInfo";
import type { CommandError } from "../bindings/CommandError";
import type { FieldError } from "../bindings/FieldError";
import type { Settings } from "../bindings/Settings";
import { CopyButton } from "../components/CopyButton";
import { Alert, ErrorAlert, Skeleton, RetryAlert } from "../components/Feedback";
import { Field, FieldErrorLine } from "../components/Field";
import { Icon, type IconName } from "../components/Icon";
import { RichText } from "../components/RichText";
import { useToasts } from "../components/Toasts";
import { getSettings, saveSettings, toCommandError } from "../lib/ipc";
import { StallHint } from "./StallHint";
import { useUnsavedChanges } from "../lib/router";
import {
  DEFAULT_SETTINGS,
  NUMBER_SPECS,
  clientChecks,
  firstInvalidSetting,
  formFromSettings,
  isDirty,
  rangeText,
  splitSettingsErrors,
  toSettings,
  type NumberField,
  type SettingsField,
  type SettingsFormState,
} from "../lib/settingsForm";

export const SETTINGS_SAVED = "Settings saved — monitoring uses them now";

const LABELS: Record<SettingsField, string> = {
  job_poll_minutes: "Provisioning job",
  config_poll_minutes: "Mappings and assignments",
  logs_poll_minutes: "Provisioning logs",
  scim_check_minutes: "SCIM Test Connection",
  crawl_hours: "Inventory crawl",
  stall_factor: "Stalled after",
  failure_rate_pct: "Failure rate",
  failure_count: "Failure count",
  drift_threshold_pct: "Drift",
  notifications_enabled: "Desktop notifications",
  reminder_hours: "Remind every",
  quiet_start: "Quiet from",
  quiet_end: "Quiet until",
  critical_ignores_quiet_hours: "Critical incidents notify during quiet hours",
  retention_days: "Keep events and checks for",
};

const HINTS: Record<NumberField, ReactNode> = {
  job_poll_minutes:
    "Entra runs a cycle about every 40 minutes; checking the job every 2 minutes finds a stall or quarantine quickly.",
  config_poll_minutes:
    "Attribute mappings, scoping and assignments change rarely; this is how soon an edit in Entra shows up here.",
  logs_poll_minutes: "New provisioning log entries are read incrementally; Graph itself can lag a few minutes behind.",
  scim_check_minutes:
    "Replays Entra's Test Connection against the SaaS, so a revoked token or a down endpoint shows before the next cycle fails.",
  crawl_hours: (
    <>
      Reads every user and group from the SaaS for snapshots and drift. <strong>0</strong> = only when you click Crawl
      now.
    </>
  ),
  // Replaced by <StallHint>, which uses each job's real interval.
  stall_factor: "A job is stalled when no cycle completed within this many of its schedule intervals.",
  failure_rate_pct: "A failure spike: at least this share of the last cycle's entries failed…",
  failure_count: "…or at least this many entries failed, whichever comes first.",
  drift_threshold_pct: "An incident when more assigned users than this are missing or mismatched in the SaaS.",
  reminder_hours: "While an incident stays open and not snoozed, notify again this often.",
  retention_days: "Provisioning events and check results older than this are deleted from the local database.",
};

export function MonitoringSettings({ info, infoLoading }: { info: AppInfo | null; infoLoading: boolean }) {
  const [saved, setSaved] = useState<Settings | null>(null);
  const [form, setForm] = useState<SettingsFormState | null>(null);
  const [loadError, setLoadError] = useState<CommandError | null>(null);
  const [loading, setLoading] = useState(true);
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<CommandError | null>(null);
  const [saving, setSaving] = useState(false);
  const [focusTick, setFocusTick] = useState(0);
  const { push } = useToasts();
  const uid = useId();

  const load = useCallback(async () => {
    setLoading(true);
    setLoadError(null);
    try {
      const s = await getSettings();
      setSaved(s);
      setForm(formFromSettings(s));
      setFieldErrors([]);
    } catch (e) {
      setLoadError(toCommandError(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const { byField, other } = splitSettingsErrors(fieldErrors);
  const errorCount = Object.keys(byField).length + other.length;
  const dirty = form !== null && saved !== null && isDirty(form, saved);
  const atDefaults = form !== null && !isDirty(form, DEFAULT_SETTINGS);
  // Leaving Settings (or reloading) with edits asks first.
  useUnsavedChanges(dirty);

  const idOf = (f: SettingsField) => `${uid}-${f}`;

  useEffect(() => {
    if (focusTick === 0) return;
    const first = firstInvalidSetting(byField);
    const el = first ? document.getElementById(idOf(first)) : document.getElementById(`${uid}-summary`);
    el?.focus();
    // Only when a save attempt produced errors.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focusTick]);

  function set<K extends keyof SettingsFormState>(key: K, value: SettingsFormState[K]) {
    setForm((prev) => (prev ? { ...prev, [key]: value } : prev));
    clearErrors(key);
  }

  function clearErrors(...keys: SettingsField[]) {
    setFieldErrors((list) => (list.some((e) => keys.includes(e.field as SettingsField)) ? list.filter((e) => !keys.includes(e.field as SettingsField)) : list));
  }

  /** Props that tie a control to its label, hints and error. */
  function control(f: SettingsField, describedBy: (string | null)[] = []) {
    const error = byField[f];
    const ids = [error ? `${idOf(f)}-error` : null, ...describedBy].filter(Boolean).join(" ");
    return {
      id: idOf(f),
      name: f,
      "aria-invalid": error ? (true as const) : undefined,
      "aria-describedby": ids || undefined,
    };
  }

  function errorText(f: SettingsField) {
    const error = byField[f];
    return error ? <FieldErrorLine id={`${idOf(f)}-error`} text={error} /> : null;
  }

  function numberField(f: NumberField, label = LABELS[f]) {
    if (!form) return null;
    const spec = NUMBER_SPECS[f];
    return (
      <Field
        id={idOf(f)}
        error={byField[f]}
        hint={f === "stall_factor" ? <StallHint factor={form.stall_factor} /> : HINTS[f]}
        label={
          <>
            {label}
            <span className="field-range" id={`${idOf(f)}-range`}>
              {rangeText(f)}
              <span className="visually-hidden"> {spec.unit}</span>
            </span>
          </>
        }
      >
        <div className="unit-group">
          <input
            {...control(f, [`${idOf(f)}-hint`, `${idOf(f)}-range`])}
            className="input input-number num"
            type="number"
            inputMode={spec.integer ? "numeric" : "decimal"}
            min={spec.min}
            max={spec.max}
            step={spec.integer ? 1 : "any"}
            value={form[f]}
            onChange={(e) => set(f, e.target.value)}
          />
          <span className="unit-label" aria-hidden="true">
            {spec.unit}
          </span>
        </div>
      </Field>
    );
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form || saving || !dirty) return;
    setFailure(null);
    const local = clientChecks(form);
    if (local.length > 0) {
      setFieldErrors(local);
      setFocusTick((t) => t + 1);
      return;
    }
    setSaving(true);
    try {
      const result = await saveSettings(toSettings(form));
      setSaved(result);
      setForm(formFromSettings(result));
      setFieldErrors([]);
      push({ tone: "success", title: SETTINGS_SAVED });
    } catch (err) {
      const ce = toCommandError(err);
      if (ce.kind === "validation" && ce.fields.length > 0) {
        setFieldErrors(ce.fields);
      } else {
        setFieldErrors([]);
        setFailure(ce);
      }
      setFocusTick((t) => t + 1);
    } finally {
      setSaving(false);
    }
  }

  function restoreDefaults() {
    setForm(formFromSettings(DEFAULT_SETTINGS));
    setFieldErrors([]);
    setFailure(null);
  }

  function clearQuietHours() {
    setForm((prev) => (prev ? { ...prev, quiet_start: "", quiet_end: "" } : prev));
    clearErrors("quiet_start", "quiet_end");
  }

  const titleId = `${uid}-title`;
  const hasQuiet = form !== null && (form.quiet_start !== "" || form.quiet_end !== "");

  return (
    <form className="settings-form" aria-labelledby={titleId} noValidate onSubmit={(e) => void onSubmit(e)}>
      <div className="settings-form-header">
        <h2 id={titleId} className="settings-form-title">
          Monitoring settings
        </h2>
        <p className="muted">
          How often scimwatch looks at Entra and the SaaS, when it opens an incident, and how long it keeps data. Saved
          settings apply to every connection right away.
        </p>
      </div>

      {loadError ? (
        <RetryAlert error={loadError} onRetry={load} busy={loading} />
      ) : null}

      {loading && !form ? (
        <div className="settings-groups" role="status" aria-label="Loading monitoring settings">
          {[5, 4, 4, 2].map((n, i) => (
            <div key={i} className="card settings-card">
              <Skeleton width="22%" height={16} />
              <div className="settings-fields">
                {Array.from({ length: n }, (_, j) => (
                  <div key={j} className="stack-sm">
                    <Skeleton width="45%" />
                    <Skeleton width="60%" height={34} />
                    <Skeleton width="90%" />
                  </div>
                ))}
              </div>
            </div>
          ))}
        </div>
      ) : null}

      {form ? (
        <>
          <div className="settings-groups">
            <Group id={`${uid}-polling`} icon="clock" title="Polling" description="How often each source is read. Shorter intervals notice problems sooner and make more Graph calls.">
              <div className="settings-fields">
                {numberField("job_poll_minutes")}
                {numberField("config_poll_minutes")}
                {numberField("logs_poll_minutes")}
                {numberField("scim_check_minutes")}
                {numberField("crawl_hours")}
              </div>
            </Group>

            <Group id={`${uid}-thresholds`} icon="alert" title="Detection thresholds" description="When a reading becomes an incident.">
              <div className="settings-fields">
                {numberField("stall_factor")}
                {numberField("failure_rate_pct")}
                {numberField("failure_count")}
                {numberField("drift_threshold_pct")}
              </div>
            </Group>

            <Group id={`${uid}-notifications`} icon="bell" title="Notifications" description="Desktop notifications for incidents that open, get worse or resolve.">
              <div className="switch-row">
                <div className="switch-text">
                  <label className="field-label" htmlFor={idOf("notifications_enabled")}>
                    {LABELS.notifications_enabled}
                  </label>
                  <p className="field-hint" id={`${idOf("notifications_enabled")}-hint`}>
                    {form.notifications_enabled
                      ? "On: scimwatch notifies you about incidents."
                      : "Off: incidents still open and show on the Incidents screen, silently."}
                  </p>
                  {errorText("notifications_enabled")}
                </div>
                <button
                  {...control("notifications_enabled", [`${idOf("notifications_enabled")}-hint`])}
                  type="button"
                  role="switch"
                  aria-checked={form.notifications_enabled}
                  className="switch switch-accent"
                  onClick={() => set("notifications_enabled", !form.notifications_enabled)}
                >
                  <span className="switch-track" aria-hidden="true">
                    <span className="switch-thumb" />
                  </span>
                </button>
              </div>

              <div className="settings-fields">
                {numberField("reminder_hours")}
                <fieldset className="field quiet-hours" aria-describedby={`${uid}-quiet-hint`}>
                  <legend className="field-label">
                    Quiet hours
                    <span className="field-range">{hasQuiet ? "local time" : "none"}</span>
                  </legend>
                  <div className="quiet-row">
                    <div className={byField.quiet_start ? "field field-invalid" : "field"}>
                      <label className="field-sublabel" htmlFor={idOf("quiet_start")}>
                        From
                      </label>
                      <input
                        {...control("quiet_start")}
                        className="input input-time"
                        type="time"
                        value={form.quiet_start}
                        onChange={(e) => set("quiet_start", e.target.value)}
                      />
                    </div>
                    <div className={byField.quiet_end ? "field field-invalid" : "field"}>
                      <label className="field-sublabel" htmlFor={idOf("quiet_end")}>
                        Until
                      </label>
                      <input
                        {...control("quiet_end")}
                        className="input input-time"
                        type="time"
                        value={form.quiet_end}
                        onChange={(e) => set("quiet_end", e.target.value)}
                      />
                    </div>
                    <button type="button" className="button button-sm quiet-clear" onClick={clearQuietHours} disabled={!hasQuiet}>
                      <Icon name="close" size={14} />
                      No quiet hours
                    </button>
                  </div>
                  {errorText("quiet_start")}
                  {errorText("quiet_end")}
                  <p className="field-hint" id={`${uid}-quiet-hint`}>
                    {hasQuiet
                      ? "Notifications wait until quiet hours end (22:00 until 07:00 spans midnight)."
                      : "Notifications may arrive at any time. Set both ends to hold them overnight."}
                  </p>
                </fieldset>
              </div>

              <div className={byField.critical_ignores_quiet_hours ? "field field-invalid" : "field"}>
                <label className="check-row">
                  <input
                    {...control("critical_ignores_quiet_hours", [`${idOf("critical_ignores_quiet_hours")}-hint`])}
                    type="checkbox"
                    className="checkbox"
                    checked={form.critical_ignores_quiet_hours}
                    onChange={(e) => set("critical_ignores_quiet_hours", e.target.checked)}
                  />
                  <span className="check-text">
                    <span className="check-title">{LABELS.critical_ignores_quiet_hours}</span>
                    <span className="field-hint" id={`${idOf("critical_ignores_quiet_hours")}-hint`}>
                      A stalled job, a quarantine or a rejected token notifies at once, even at night.
                    </span>
                  </span>
                </label>
                {errorText("critical_ignores_quiet_hours")}
              </div>
            </Group>

            <Group id={`${uid}-data`} icon="inventory" title="Data" description="What scimwatch keeps on this computer.">
              <div className="settings-fields">
                {numberField("retention_days")}
                <div className="field field-wide">
                  <span className="field-label" id={`${uid}-datadir-label`}>
                    Data folder
                  </span>
                  {info ? (
                    <div className="readonly-row">
                      <code className="readonly-value mono selectable" aria-labelledby={`${uid}-datadir-label`}>
                        {info.data_dir}
                      </code>
                      <CopyButton text={() => info.data_dir} label="Copy path" />
                    </div>
                  ) : infoLoading ? (
                    <Skeleton width="80%" height={34} />
                  ) : (
                    <p className="muted">Not available (see About scimwatch below).</p>
                  )}
                  <p className="field-hint">The database, snapshots and the secrets file (if used) live here.</p>
                </div>
              </div>
            </Group>
          </div>

          <div className="settings-actions">
            <div className="settings-actions-status" id={`${uid}-summary`} tabIndex={-1}>
              {errorCount > 0 ? (
                <Alert title={errorCount === 1 ? "1 field needs attention" : `${errorCount} fields need attention`}>
                  {other.length > 0 ? (
                    <ul className="plain-list">
                      {other.map((fe, i) => (
                        <li key={i}>
                          <strong>{fe.field}:</strong> <RichText text={fe.message} />
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </Alert>
              ) : failure ? (
                <ErrorAlert error={failure} />
              ) : dirty ? (
                <span className="dirty-note">
                  <span className="dirty-dot" aria-hidden="true" />
                  Unsaved changes
                </span>
              ) : (
                <span className="muted small">
                  <Icon name="check" size={14} /> Monitoring uses these settings.
                </span>
              )}
            </div>
            <div className="settings-actions-buttons">
              <button type="button" className="button" onClick={restoreDefaults} disabled={saving || atDefaults}>
                <Icon name="refresh" size={14} />
                Restore defaults
              </button>
              <button type="submit" className="button button-primary" disabled={saving || !dirty} aria-busy={saving || undefined}>
                {saving ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
                {saving ? "Saving…" : "Save settings"}
              </button>
            </div>
          </div>
        </>
      ) : null}
    </form>
  );
}

function Group({
  id,
  icon,
  title,
  description,
  children,
}: {
  id: string;
  icon: IconName;
  title: string;
  description: string;
  children: ReactNode;
}) {
  return (
    <section className="card settings-card settings-group" aria-labelledby={id}>
      <div className="settings-group-header">
        <span className="section-icon settings-group-icon" aria-hidden="true">
          <Icon name={icon} size={16} />
        </span>
        <div>
          <h3 id={id} className="card-title">
            {title}
          </h3>
          <p className="muted small">{description}</p>
        </div>
      </div>
      {children}
    </section>
  );
}
