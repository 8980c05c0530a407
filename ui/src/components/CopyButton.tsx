import { useEffect, useRef, useState } from "react";
import { Icon } from "./Icon";

/** Copies `text()` to the clipboard and says so, in place. */
export function CopyButton({ text, label, className = "button button-sm" }: { text: () => string; label: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text());
      setState("copied");
    } catch {
      setState("failed");
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState("idle"), 2500);
  }
  return (
    <button type="button" className={className} onClick={() => void copy()}>
      <Icon name={state === "copied" ? "check" : "copy"} size={14} />
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}
      <span className="visually-hidden" aria-live="polite">
        {state === "copied" ? " — copied to the clipboard" : state === "failed" ? " — the clipboard is not available" : ""}
      </span>
    </button>
  );
}
