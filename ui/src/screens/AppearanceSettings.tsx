// Settings → Appearance: the theme switch. Applied to the window at once,
// stored by the engine at once (independently of the monitoring form's
// Save), and shown again before the first paint at the next start.
import { useEffect, useId, useState } from "react";
import type { CommandError } from "../bindings/CommandError";
import type { Theme } from "../bindings/Theme";
import { ErrorAlert } from "../components/Feedback";
import { setTheme, toCommandError } from "../lib/ipc";
import { THEMES, applyTheme, currentTheme, syncTheme } from "../lib/theme";

export function AppearanceSettings() {
  const [theme, setChoice] = useState<Theme>(currentTheme);
  const [error, setError] = useState<CommandError | null>(null);
  const [saving, setSaving] = useState(false);
  const uid = useId();

  useEffect(() => {
    let live = true;
    void syncTheme().then((t) => live && setChoice(t));
    return () => {
      live = false;
    };
  }, []);

  async function choose(next: Theme) {
    if (next === theme) return;
    const previous = theme;
    setChoice(next);
    applyTheme(next);
    setError(null);
    setSaving(true);
    try {
      await setTheme(next);
    } catch (e) {
      // Not stored: show what will come back at the next start.
      setChoice(previous);
      applyTheme(previous);
      setError(toCommandError(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="card settings-card" aria-labelledby={`${uid}-title`}>
      <h2 id={`${uid}-title`} className="card-title">
        Appearance
      </h2>
      <div className="segmented-inline theme-switch" role="radiogroup" aria-label="Theme" aria-describedby={`${uid}-hint`} aria-busy={saving || undefined}>
        {THEMES.map((t) => (
          <label key={t.value} className={theme === t.value ? "seg seg-on" : "seg"}>
            <input type="radio" name={`${uid}-theme`} value={t.value} checked={theme === t.value} onChange={() => void choose(t.value)} />
            {t.label}
          </label>
        ))}
      </div>
      <p className="field-hint" id={`${uid}-hint`}>
        {THEMES.find((t) => t.value === theme)?.hint} Applies at once and is kept for the next start.
      </p>
      {error ? <ErrorAlert error={error} /> : null}
    </section>
  );
}
