// Resolve an incident by hand: a note is required (it stays in the history);
// scimwatch checks the live evidence at its next diagnosis and re-opens the
// problem as a new incident if it is still there.
import { useId, useRef, useState } from "react";
import type { CommandError } from "../../bindings/CommandError";
import type { IncidentView } from "../../bindings/IncidentView";
import { Dialog } from "../../components/Dialog";
import { ErrorAlert } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { resolveIncident, toCommandError } from "../../lib/ipc";

const NOTE_MAX = 2000;

export function ResolveDialog({
  v,
  onClose,
  onResolved,
}: {
  v: IncidentView;
  onClose: () => void;
  onResolved: (next: IncidentView) => void;
}) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [noteError, setNoteError] = useState<string | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const noteId = useId();

  async function submit() {
    const trimmed = note.trim();
    if (!trimmed) {
      setNoteError("Say what was done (or why it needs nothing): the note is kept in the incident's history.");
      noteRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setNoteError(null);
    try {
      onResolved(await resolveIncident(v.id, trimmed));
    } catch (e) {
      const err = toCommandError(e);
      const field = err.fields.find((f) => f.field === "note");
      if (field) {
        setNoteError(field.message);
        noteRef.current?.focus();
      } else setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title="Resolve incident"
      description={v.incident.title}
      onClose={onClose}
      busy={busy}
      dismissOnBackdrop={false}
      initialFocus={noteRef}
      form={{
        onSubmit: (e) => {
          e.preventDefault();
          void submit();
        },
      }}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? "Resolving…" : "Resolve"}
          </button>
        </>
      }
    >
      <Field id={noteId} label="Note">
        <textarea
          id={noteId}
          ref={noteRef}
          className="input"
          rows={4}
          maxLength={NOTE_MAX}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          aria-invalid={noteError ? true : undefined}
          aria-describedby={`${noteId}-hint${noteError ? ` ${noteId}-error` : ""}`}
        />
        {noteError ? (
          <p className="field-error" id={`${noteId}-error`}>
            {noteError}
          </p>
        ) : null}
        <p className="field-hint" id={`${noteId}-hint`}>
          Kept with the evidence as it is now. If the problem is still there at the next check, scimwatch opens it again as a new incident.
        </p>
      </Field>
      {error ? <ErrorAlert error={error} /> : null}
    </Dialog>
  );
}
