// Small, honest summaries of what a connection holds.
import type { Connection } from "../bindings/Connection";
import type { ScimSide } from "../bindings/ScimSide";
import { expiryLevel, expiryPhrase, formatExpiryDate } from "../lib/time";
import { Icon } from "./Icon";

export function SideBadges({ c }: { c: Connection }) {
  return (
    <span className="badges">
      <span className={c.entra ? "badge badge-entra" : "badge badge-off"}>
        <Icon name="entra" size={12} />
        {c.entra ? "Entra ID" : "No Entra side"}
      </span>
      <span className={c.scim ? "badge badge-scim" : "badge badge-off"}>
        <Icon name="scim" size={12} />
        {c.scim ? "SCIM" : "No SCIM side"}
      </span>
    </span>
  );
}

/**
 * "Dec 21, 2026 · expires in 23 days", coloured by urgency. The `countdown`
 * variant shows only "Expires in 23 days" (the date is in the tooltip).
 */
export function TokenExpiry({ scim, now, countdown = false }: { scim: ScimSide; now: Date; countdown?: boolean }) {
  if (!scim.token_expires_at) {
    return <span className="muted">Expiry not recorded</span>;
  }
  const level = expiryLevel(scim.token_expires_at, now);
  const date = formatExpiryDate(scim.token_expires_at);
  const phrase = expiryPhrase(scim.token_expires_at, now);
  if (countdown) {
    return (
      <span className={`expiry expiry-${level}`}>
        <span className="expiry-dot" aria-hidden="true" />
        <time className="relative-hint" dateTime={scim.token_expires_at} title={date}>
          {phrase[0]!.toUpperCase() + phrase.slice(1)}
        </time>
      </span>
    );
  }
  return (
    <span className={`expiry expiry-${level}`}>
      <span className="expiry-dot" aria-hidden="true" />
      <time dateTime={scim.token_expires_at}>{date}</time>
      <span className="relative-hint"> · {phrase}</span>
    </span>
  );
}

/** Whether the SCIM token is stored, and where (`stored`: "Stored in keychain", "Stored in secrets file"). */
export function TokenStored({ c, stored = "Stored" }: { c: Connection; stored?: string }) {
  return c.has_scim_token ? (
    <span className="ok-text">
      <Icon name="check" size={14} /> {stored}
    </span>
  ) : (
    <span className="warn-text">
      <Icon name="alert" size={14} /> Not stored
    </span>
  );
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
