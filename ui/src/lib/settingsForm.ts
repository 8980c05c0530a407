// The Monitoring settings form: the editable state (numbers as typed text),
// its mapping to and from `Settings`, and the range checks the Rust side also
// makes (`scimwatch-core/src/settings.rs`), so most mistakes are caught before
// the round trip. The server's verdict still wins.
import type { FieldError } from "../bindings/FieldError";
import type { Settings } from "../bindings/Settings";

export type SettingsField = keyof Settings;

/** The defaults of `Settings::default()` on the Rust side. */
export const DEFAULT_SETTINGS: Settings = {
  job_poll_minutes: 2,
  config_poll_minutes: 30,
  logs_poll_minutes: 5,
  scim_check_minutes: 5,
  crawl_hours: 6,
  stall_factor: 3,
  failure_rate_pct: 10,
  failure_count: 100,
  drift_threshold_pct: 1,
  notifications_enabled: true,
  reminder_hours: 4,
  quiet_start: null,
  quiet_end: null,
  critical_ignores_quiet_hours: false,
  retention_days: 90,
};

export interface NumberSpec {
  min: number;
  max: number;
  /** Whole numbers only (the Rust field is an integer). */
  integer: boolean;
  /** Shown after the input. */
  unit: string;
  /** The range as the server words it, e.g. "1 and 60 minutes". */
  rangeUnit: string;
}

/** The fields that are numbers, in the order of `Settings`, with their range and unit. */
export const NUMBER_SPECS = {
  job_poll_minutes: { min: 1, max: 60, integer: true, unit: "minutes", rangeUnit: "minutes" },
  config_poll_minutes: { min: 5, max: 1440, integer: true, unit: "minutes", rangeUnit: "minutes" },
  logs_poll_minutes: { min: 1, max: 120, integer: true, unit: "minutes", rangeUnit: "minutes" },
  scim_check_minutes: { min: 1, max: 120, integer: true, unit: "minutes", rangeUnit: "minutes" },
  crawl_hours: { min: 0, max: 168, integer: true, unit: "hours", rangeUnit: "hours (0 = on demand only)" },
  stall_factor: { min: 2, max: 10, integer: true, unit: "× the job's interval", rangeUnit: "intervals" },
  failure_rate_pct: { min: 1, max: 100, integer: false, unit: "%", rangeUnit: "%" },
  failure_count: { min: 1, max: 1_000_000, integer: true, unit: "failed entries", rangeUnit: "entries" },
  drift_threshold_pct: { min: 0, max: 100, integer: false, unit: "% of assigned users", rangeUnit: "%" },
  reminder_hours: { min: 1, max: 168, integer: true, unit: "hours", rangeUnit: "hours" },
  retention_days: { min: 7, max: 3650, integer: true, unit: "days", rangeUnit: "days" },
} satisfies { [K in SettingsField as Settings[K] extends number ? K : never]?: NumberSpec };

export type NumberField = keyof typeof NUMBER_SPECS;

export const NUMBER_FIELDS = Object.keys(NUMBER_SPECS) as NumberField[];

/** The order fields appear on screen: the first invalid one gets focus. */
export const FIELD_ORDER: readonly SettingsField[] = [
  "job_poll_minutes",
  "config_poll_minutes",
  "logs_poll_minutes",
  "scim_check_minutes",
  "crawl_hours",
  "stall_factor",
  "failure_rate_pct",
  "failure_count",
  "drift_threshold_pct",
  "notifications_enabled",
  "reminder_hours",
  "quiet_start",
  "quiet_end",
  "critical_ignores_quiet_hours",
  "retention_days",
];

export type SettingsFormState = { [K in NumberField]: string } & {
  notifications_enabled: boolean;
  /** `HH:MM` or "" for none. */
  quiet_start: string;
  quiet_end: string;
  critical_ignores_quiet_hours: boolean;
};

export function isSettingsField(f: string): f is SettingsField {
  return (FIELD_ORDER as readonly string[]).includes(f);
}

export function formFromSettings(s: Settings): SettingsFormState {
  const numbers = Object.fromEntries(NUMBER_FIELDS.map((f) => [f, String(s[f])])) as { [K in NumberField]: string };
  return {
    ...numbers,
    notifications_enabled: s.notifications_enabled,
    quiet_start: s.quiet_start ?? "",
    quiet_end: s.quiet_end ?? "",
    critical_ignores_quiet_hours: s.critical_ignores_quiet_hours,
  };
}

function parseNumber(text: string): number {
  const t = text.trim().replace(",", ".");
  return t === "" ? Number.NaN : Number(t);
}

/** The full object `save_settings` takes. Call `clientChecks` first: unparsable numbers become NaN. */
export function toSettings(f: SettingsFormState): Settings {
  const numbers = Object.fromEntries(NUMBER_FIELDS.map((k) => [k, parseNumber(f[k])])) as { [K in NumberField]: number };
  const time = (v: string) => (v.trim() === "" ? null : v.trim());
  return {
    ...numbers,
    notifications_enabled: f.notifications_enabled,
    quiet_start: time(f.quiet_start),
    quiet_end: time(f.quiet_end),
    critical_ignores_quiet_hours: f.critical_ignores_quiet_hours,
  };
}

/** "1–60", the hint beside each number. */
export function rangeText(f: NumberField): string {
  const s = NUMBER_SPECS[f];
  return `${s.min.toLocaleString("en-US")}–${s.max.toLocaleString("en-US")}`;
}

/** Problems the server would report too, worded the same way. */
export function clientChecks(f: SettingsFormState): FieldError[] {
  const errors: FieldError[] = [];
  for (const k of NUMBER_FIELDS) {
    const spec = NUMBER_SPECS[k];
    const v = parseNumber(f[k]);
    if (Number.isNaN(v)) {
      errors.push({ field: k, message: "enter a number" });
    } else if (spec.integer && !Number.isInteger(v)) {
      errors.push({ field: k, message: "enter a whole number" });
    } else if (!(v >= spec.min && v <= spec.max)) {
      errors.push({ field: k, message: `must be between ${spec.min} and ${spec.max} ${spec.rangeUnit}` });
    }
  }
  const start = f.quiet_start.trim();
  const end = f.quiet_end.trim();
  const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
  if (start && !hhmm.test(start)) errors.push({ field: "quiet_start", message: "use HH:MM, for example 22:00" });
  if (end && !hhmm.test(end)) errors.push({ field: "quiet_end", message: "use HH:MM, for example 22:00" });
  if (start && !end) errors.push({ field: "quiet_end", message: "set when quiet hours end too" });
  if (end && !start) errors.push({ field: "quiet_start", message: "set when quiet hours start too" });
  return errors;
}

/** Whether the form differs from what is saved (numbers compared by value). */
export function isDirty(f: SettingsFormState, saved: Settings): boolean {
  const base = formFromSettings(saved);
  for (const k of NUMBER_FIELDS) {
    const a = parseNumber(f[k]);
    const b = parseNumber(base[k]);
    if (Number.isNaN(a) ? f[k].trim() !== base[k].trim() : a !== b) return true;
  }
  return (
    f.notifications_enabled !== base.notifications_enabled ||
    f.quiet_start.trim() !== base.quiet_start ||
    f.quiet_end.trim() !== base.quiet_end ||
    f.critical_ignores_quiet_hours !== base.critical_ignores_quiet_hours
  );
}

/** Per-field messages (first one wins) and the ones that belong to no field on the form. */
export function splitSettingsErrors(fields: FieldError[]): {
  byField: Partial<Record<SettingsField, string>>;
  other: FieldError[];
} {
  const byField: Partial<Record<SettingsField, string>> = {};
  const other: FieldError[] = [];
  for (const fe of fields) {
    if (isSettingsField(fe.field)) byField[fe.field] ??= fe.message;
    else other.push(fe);
  }
  return { byField, other };
}

export function firstInvalidSetting(byField: Partial<Record<SettingsField, string>>): SettingsField | null {
  return FIELD_ORDER.find((f) => byField[f] !== undefined) ?? null;
}
