// Every request a check made and what came back, token already redacted by
// the Rust side, for the admin to read or forward to the SaaS vendor.
import type { Exchange } from "../bindings/Exchange";
import { CopyButton } from "./CopyButton";
import { formatLatency } from "./Verdict";

export function exchangeText(x: Exchange): string {
  const lines = [`${x.method} ${x.url}`];
  for (const h of x.request_headers) lines.push(`${h.name}: ${h.value}`);
  lines.push("");
  if (x.status == null) {
    lines.push(`No response${x.error ? `: ${x.error}` : ""} (after ${formatLatency(x.latency_ms)})`);
  } else {
    lines.push(`HTTP ${x.status} (${formatLatency(x.latency_ms)})`);
    for (const h of x.response_headers) lines.push(`${h.name}: ${h.value}`);
    if (x.error) lines.push(`Error: ${x.error}`);
    lines.push("");
    lines.push(x.body_excerpt);
    if (x.truncated) lines.push(`… (${x.body_bytes} bytes in all; first 4 KB shown)`);
  }
  return lines.join("\n");
}

export function exchangesText(list: Exchange[]): string {
  return list.map((x, i) => `#${i + 1}\n${exchangeText(x)}`).join("\n\n----\n\n");
}

function statusClass(status: number | null): string {
  if (status == null) return "http-status http-none";
  if (status < 300) return "http-status http-ok";
  if (status < 400) return "http-status http-warn";
  return "http-status http-bad";
}

export function ExchangeView({ x, index }: { x: Exchange; index: number }) {
  return (
    <section className="exchange" aria-label={`Request ${index + 1}: ${x.method} ${x.url}`}>
      <header className="exchange-header">
        <span className="exchange-method">{x.method}</span>
        <span className="mono exchange-url selectable">{x.url}</span>
        <span className={statusClass(x.status)}>{x.status ?? "no response"}</span>
        <span className="muted small">{formatLatency(x.latency_ms)}</span>
      </header>
      {x.error ? <p className="exchange-error">{x.error}</p> : null}
      <div className="exchange-grid">
        <Headers title="Request headers" list={x.request_headers} />
        <Headers title="Response headers" list={x.response_headers} />
      </div>
      <h4 className="exchange-subtitle">
        Response body
        <span className="muted small">
          {" "}
          · {x.body_bytes.toLocaleString()} bytes{x.truncated ? ", first 4 KB shown" : ""}
        </span>
      </h4>
      {x.body_excerpt ? <pre className="code-block" tabIndex={0}>{x.body_excerpt}</pre> : <p className="muted small">Empty body.</p>}
    </section>
  );
}

function Headers({ title, list }: { title: string; list: Exchange["request_headers"] }) {
  return (
    <div>
      <h4 className="exchange-subtitle">{title}</h4>
      {list.length ? (
        <pre className="code-block code-block-sm" tabIndex={0}>
          {list.map((h) => `${h.name}: ${h.value}`).join("\n")}
        </pre>
      ) : (
        <p className="muted small">None.</p>
      )}
    </div>
  );
}

/** A collapsible "Full exchange" panel with a copy button. */
export function ExchangesPanel({ exchanges, open }: { exchanges: Exchange[]; open?: boolean }) {
  if (exchanges.length === 0) return null;
  return (
    <details className="disclosure" open={open}>
      <summary className="disclosure-summary">
        Full exchange
        <span className="muted small">
          {" "}
          · {exchanges.length} request{exchanges.length === 1 ? "" : "s"}, token redacted
        </span>
      </summary>
      <div className="disclosure-body">
        <div className="disclosure-toolbar">
          <p className="muted small">Safe to share with the SaaS vendor: the Secret Token is never included.</p>
          <CopyButton text={() => exchangesText(exchanges)} label="Copy exchange" />
        </div>
        {exchanges.map((x, i) => (
          <ExchangeView key={i} x={x} index={i} />
        ))}
      </div>
    </details>
  );
}
