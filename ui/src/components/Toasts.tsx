// Transient confirmations ("Connection saved") in a polite live region. Each
// dismisses itself after a while; hovering it or focusing inside it pauses
// the countdown (it resumes, in full, when the pointer and focus leave), and
// it can always be closed by hand.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Icon } from "./Icon";
import { RichText } from "./RichText";

export interface Toast {
  id: number;
  tone: "success" | "info" | "warning";
  title: string;
  lines?: string[];
}

interface ToastApi {
  push: (toast: Omit<Toast, "id">) => void;
}

const ToastContext = createContext<ToastApi>({ push: () => {} });

export function useToasts(): ToastApi {
  return useContext(ToastContext);
}

export const LIFETIME_MS = 7_000;

/** How long a toast stays: toasts with notes a little longer, they are worth reading. */
export function lifetime(toast: Pick<Toast, "lines">): number {
  return LIFETIME_MS + (toast.lines?.length ?? 0) * 3_000;
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const push = useCallback((toast: Omit<Toast, "id">) => {
    const id = nextId.current++;
    setToasts((list) => [...list.slice(-3), { ...toast, id }]);
  }, []);

  const api = useMemo(() => ({ push }), [push]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toast-region" role="status" aria-live="polite" aria-label="Notifications">
        {toasts.map((t) => (
          <ToastItem key={t.id} toast={t} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast: t, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const paused = hovered || focused;

  useEffect(() => {
    if (paused) return;
    const timer = window.setTimeout(() => onDismiss(t.id), lifetime(t));
    return () => window.clearTimeout(timer);
  }, [paused, t, onDismiss]);

  return (
    <div
      className={`toast toast-${t.tone}`}
      data-paused={paused || undefined}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocused(false);
      }}
    >
      <Icon name={t.tone === "success" ? "check" : t.tone === "warning" ? "alert" : "info"} className="toast-icon" />
      <div className="toast-content">
        <p className="toast-title">{t.title}</p>
        {t.lines && t.lines.length > 0 ? (
          <ul className="toast-lines">
            {t.lines.map((l, i) => (
              <li key={i}>
                <RichText text={l} />
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <button type="button" className="icon-button icon-button-sm" aria-label="Dismiss notification" onClick={() => onDismiss(t.id)}>
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}
