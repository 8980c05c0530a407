import { useEffect, useRef, type ReactNode } from "react";

/** A screen: its heading (focused on navigation, for screen readers and keyboards), actions and content. */
export function Page({
  title,
  subtitle,
  actions,
  children,
  wide = false,
}: {
  title: string;
  /** Use the window's width (the Overview's cards at 1920 px). */
  wide?: boolean;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · scimwatch`;
    // Move focus to the new screen's heading unless something inside it (a dialog) took it.
    if (document.activeElement === document.body || document.activeElement?.closest(".sidebar")) {
      heading.current?.focus({ preventScroll: true });
    }
  }, [title]);
  return (
    <div className={wide ? "page page-wide" : "page"}>
      <header className="page-header">
        <div className="page-heading">
          <h1 ref={heading} tabIndex={-1} className="page-title">
            {title}
          </h1>
          {subtitle ? <p className="page-subtitle">{subtitle}</p> : null}
        </div>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </header>
      <div className="page-body">{children}</div>
    </div>
  );
}
