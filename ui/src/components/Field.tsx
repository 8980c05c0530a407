// A form field: its label tied to the control by id, the control, and under it
// what is wrong with it and a hint (`<id>-error`, `<id>-hint`, for the
// control's aria-describedby); and that error line on its own.
import type { ReactNode } from "react";
import { Icon } from "./Icon";
import { RichText } from "./RichText";

export function Field({
  id,
  label,
  error,
  hint,
  className,
  children,
}: {
  /** The control's id. */
  id: string;
  label: ReactNode;
  /** What is wrong (the server's wording); the field is shown invalid. */
  error?: string;
  hint?: ReactNode;
  /** Added to `field`. */
  className?: string;
  children: ReactNode;
}) {
  const classes = ["field", error ? "field-invalid" : null, className].filter(Boolean).join(" ");
  return (
    <div className={classes}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children}
      {error ? <FieldErrorLine id={`${id}-error`} text={error} /> : null}
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** What is wrong with a field (the server's wording, capitalised), after an alert icon. */
export function FieldErrorLine({ id, text }: { id?: string; text: string }) {
  return (
    <p className="field-error" id={id}>
      <Icon name="alert" size={14} />
      <span>
        <RichText text={text} capitalize />
      </span>
    </p>
  );
}
