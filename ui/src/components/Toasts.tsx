// Transient confirmations ("Connection saved") in a polite live region.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
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

const LIFETIME_MS = 7_000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const push = useCallback(
    (toast: Omit<Toast, "id">) => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-3), { ...toast, id }]);
      // Toasts with notes stay a little longer: they are worth reading.
      const life = LIFETIME_MS + (toast.lines?.length ?? 0) * 3_000;
      window.setTimeout(() => dismiss(id), life);
    },
    [dismiss],
  );

  const api = useMemo(() => ({ push }), [push]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toast-region" role="status" aria-live="polite" aria-label="Notifications">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`}>
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
            <button type="button" className="icon-button icon-button-sm" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
              <Icon name="close" size={14} />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
