// A deep link into the Entra portal. It opens in the default browser through
// the opener plugin, and only when the URL is on the portal host of the
// connection's cloud (lib/portal.ts; the capability allows the same hosts).
// Any other URL is shown as text, not as a link. When no browser can be
// started (no default browser, a headless session), the link is copied to
// the clipboard instead and the admin is told so — or, without a clipboard,
// shown selected so it can be copied by hand.
import { useEffect, useRef, useState, type MouseEvent, type ReactNode } from "react";
import type { Cloud } from "../bindings/Cloud";
import { openInBrowser } from "../lib/ipc";
import { allowedPortalUrl } from "../lib/portal";
import { CopyButton } from "./CopyButton";
import { Icon } from "./Icon";

export const OPENED = "Opened in your browser";
export const COPIED_FALLBACK = "Couldn't open a browser — link copied";
export const MANUAL_FALLBACK = "Couldn't open a browser — copy the link below";

type Outcome = { state: "idle" | "opening" | "opened" | "copied" } | { state: "manual"; reason: string };

/**
 * Starts a clipboard write now, inside the click (WebKit lets a page write
 * the clipboard only while handling the user's gesture, and opening the
 * browser takes a round trip), whose content arrives only if `copyIt`
 * resolves to true. Resolves to whether it wrote; false where the engine has
 * no `ClipboardItem` (then `copy` is tried afterwards).
 */
function copyWhen(text: string, copyIt: Promise<boolean>): Promise<boolean> {
  try {
    if (typeof ClipboardItem === "undefined" || !navigator.clipboard?.write) return Promise.resolve(false);
    const blob = copyIt.then((yes) => {
      if (!yes) throw new Error("opened in the browser: nothing to copy");
      return new Blob([text], { type: "text/plain" });
    });
    blob.catch(() => {});
    return navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]).then(
      () => true,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}

async function copy(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function ExternalLink({
  url,
  cloud,
  children,
  className = "button button-sm",
}: {
  url: string | null | undefined;
  cloud: Cloud | null | undefined;
  children: ReactNode;
  className?: string;
}) {
  const [outcome, setOutcome] = useState<Outcome>({ state: "idle" });
  const live = useRef(true);
  const manual = useRef<HTMLInputElement>(null);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  useEffect(() => {
    if (outcome.state === "manual") manual.current?.select();
  }, [outcome.state]);

  const allowed = allowedPortalUrl(url, cloud);
  if (!allowed) {
    return url ? (
      <span className="external-link-blocked" data-external-link="blocked">
        <span className="muted small">
          Not a link: <span className="mono selectable">{url}</span> is not on the Entra portal of this connection's cloud, so
          scimwatch does not open it.
        </span>
      </span>
    ) : null;
  }
  const target = allowed;

  async function open(e: MouseEvent<HTMLAnchorElement>) {
    e.preventDefault();
    if (outcome.state === "opening") return;
    setOutcome({ state: "opening" });
    let decide: (copyIt: boolean) => void = () => {};
    const copied = copyWhen(target, new Promise<boolean>((r) => (decide = r)));
    try {
      await openInBrowser(target);
      decide(false);
      if (live.current) setOutcome({ state: "opened" });
    } catch (err) {
      decide(true);
      const done = (await copied) || (await copy(target));
      if (!live.current) return;
      const reason = typeof err === "object" && err && "message" in err ? String((err as { message: unknown }).message) : String(err);
      setOutcome(done ? { state: "copied" } : { state: "manual", reason });
    }
  }

  return (
    <span className="external-link" data-external-link={outcome.state}>
      <a className={className} href={target} rel="noreferrer" onClick={(e) => void open(e)} aria-busy={outcome.state === "opening" || undefined}>
        <Icon name="external" size={14} />
        {children}
      </a>
      <CopyButton text={() => target} label="Copy link" />
      <span className="external-link-status" role="status" aria-live="polite">
        {outcome.state === "opened" ? (
          <span className="muted small">
            <Icon name="check" size={14} /> {OPENED}
          </span>
        ) : outcome.state === "copied" ? (
          <span className="external-link-fallback">
            <Icon name="copy" size={14} /> {COPIED_FALLBACK}. Paste it into a browser where you are signed in to Entra.
          </span>
        ) : null}
      </span>
      {outcome.state === "manual" ? (
        <span className="external-link-manual" role="alert">
          <span className="external-link-fallback">
            <Icon name="alert" size={14} /> {MANUAL_FALLBACK} (the clipboard is not available either).
          </span>
          <input ref={manual} className="input mono" readOnly value={target} aria-label="Portal link to copy" onFocus={(e) => e.currentTarget.select()} />
          <span className="muted small">{outcome.reason}</span>
        </span>
      ) : null}
    </span>
  );
}
