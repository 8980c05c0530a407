import { splitTimes } from "../lib/time";
import { LocalTime } from "./Time";

// Messages from the Rust side quote values in `backticks`; show them as code.
// Times they quote (RFC 3339) are shown in the one date style, through
// `LocalTime`.
export function RichText({ text, capitalize = false }: { text: string; capitalize?: boolean }) {
  const t = capitalize && text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
  const parts = t.split(/`([^`]*)`/g);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <code key={i}>{p}</code>
        ) : (
          <span key={i}>
            {splitTimes(p).map((s, k) => ("iso" in s ? <LocalTime key={k} iso={s.iso} /> : s.text))}
          </span>
        ),
      )}
    </>
  );
}
