// A small disclosure holding a block of code (a request body, evidence): the
// summary line opens it; the block scrolls and takes focus for the keyboard.
import type { ReactNode } from "react";

export function CodeDisclosure({ summary, small = false, children }: { summary: ReactNode; small?: boolean; children: ReactNode }) {
  return (
    <details className="disclosure disclosure-sm">
      <summary className="disclosure-summary">{summary}</summary>
      <div className="disclosure-body">
        <pre className={small ? "code-block code-block-sm" : "code-block"} tabIndex={0}>
          {children}
        </pre>
      </div>
    </details>
  );
}
