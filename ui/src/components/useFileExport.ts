// Export to a file the admin picks: the native save dialog, then the engine
// writes the file there. A toast says where it went (or why not); the last
// export is kept for a "Show in folder" button.
import { useState } from "react";
import type { ExportResult } from "../bindings/ExportResult";
import { chooseSavePath, revealExport, toCommandError } from "../lib/ipc";
import { useToasts } from "./Toasts";

/** What one format's export does. */
export interface ExportPlan {
  /** The save dialog's title, suggested file name and file types. */
  dialog: Parameters<typeof chooseSavePath>[0];
  write: (path: string) => Promise<ExportResult>;
  /** The success toast's title. */
  done: (r: ExportResult) => string;
}

export function useFileExport<F extends string>(plan: (format: F) => ExportPlan) {
  const { push } = useToasts();
  const [exporting, setExporting] = useState<F | null>(null);
  const [exported, setExported] = useState<ExportResult | null>(null);

  /** Asks where to save, then writes there. Cancel does nothing. */
  async function runExport(format: F) {
    setExporting(format);
    try {
      const { dialog, write, done } = plan(format);
      const path = await chooseSavePath(dialog);
      if (!path) return;
      const r = await write(path);
      setExported(r);
      push({ tone: "success", title: done(r), lines: [`Saved to \`${r.path}\``] });
    } catch (e) {
      push({ tone: "warning", title: "Export failed", lines: [toCommandError(e).message] });
    } finally {
      setExporting(null);
    }
  }

  async function showInFolder(path: string) {
    try {
      await revealExport(path);
    } catch (e) {
      push({ tone: "warning", title: "Cannot show the folder", lines: [toCommandError(e).message] });
    }
  }

  return { exporting, exported, setExported, runExport, showInFolder };
}
