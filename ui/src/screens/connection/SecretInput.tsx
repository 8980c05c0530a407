// A secret text box with a show/hide toggle (Secret Token, client secret).
import type { ChangeEvent, ClipboardEvent } from "react";
import { Icon } from "../../components/Icon";

export function SecretInput({
  props,
  value,
  onChange,
  onPaste,
  placeholder,
  shown,
  onToggle,
  what,
}: {
  props: ReturnType<() => { id: string; name: string; "aria-invalid"?: true; "aria-describedby"?: string }>;
  value: string;
  onChange: (e: ChangeEvent<HTMLInputElement>) => void;
  onPaste: (e: ClipboardEvent<HTMLInputElement>) => void;
  placeholder: string;
  shown: boolean;
  onToggle: () => void;
  what: string;
}) {
  return (
    <div className="input-group">
      <input
        {...props}
        className="input mono"
        type={shown ? "text" : "password"}
        value={value}
        onChange={onChange}
        onPaste={onPaste}
        placeholder={placeholder}
        autoComplete="new-password"
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
      />
      <button
        type="button"
        className="icon-button input-addon"
        aria-label={shown ? `Hide ${what}` : `Show ${what}`}
        aria-pressed={shown}
        aria-controls={props.id}
        onClick={onToggle}
      >
        <Icon name={shown ? "eyeOff" : "eye"} />
      </button>
    </div>
  );
}
