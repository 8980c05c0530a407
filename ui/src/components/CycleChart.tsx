// Provisioning cycles as stacked bars: hand-written SVG with axis labels, a
// <title> per segment (tooltips) and a table for screen readers and numbers.
import { useEffect, useId, useRef, useState } from "react";
import type { CycleRow } from "../bindings/CycleRow";
import { BAR_KEYS, BAR_LABELS, barTotal, cycleBar } from "../lib/health";
import { formatLocalDateTime } from "../lib/time";
import { DataTable } from "./DataTable";

const DEFAULT_W = 720;
const H = 200;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };
const MAX_BARS = 30;

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** A round axis maximum and its ticks. */
export function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) ticks.push(v);
  return ticks;
}

function axisLabel(ms: number, sameDay: boolean): string {
  const d = new Date(ms);
  return sameDay ? timeFmt.format(d) : `${dayFmt.format(d)} ${timeFmt.format(d)}`;
}

export function CycleChart({ cycles, title }: { cycles: CycleRow[]; title: string }) {
  const [showTable, setShowTable] = useState(false);
  // Draw in real pixels so text is never stretched: the viewBox follows the element's width.
  const box = useRef<HTMLDivElement>(null);
  const [W, setW] = useState(DEFAULT_W);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(([entry]) => {
      const w = Math.round(entry?.contentRect.width ?? 0);
      if (w > 0) setW(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const tableId = useId();
  // Newest first from the back end; the chart reads left (old) to right (new).
  const shown = cycles.slice(0, MAX_BARS).reverse();
  const bars = shown.map((c) => ({ c, bar: cycleBar(c.counts) }));
  const used = BAR_KEYS.filter((k) => bars.some((b) => b.bar[k] > 0));
  // The table's number columns: every kind, and "other" only when a cycle has some.
  const columns = BAR_KEYS.filter((k) => k !== "other" || used.includes("other"));
  const max = Math.max(1, ...bars.map((b) => barTotal(b.bar)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(bars.length, 8);
  const barW = Math.max(4, Math.min(28, slot * 0.64));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const first = shown[0];
  const last = shown[shown.length - 1];
  const sameDay = !!first && !!last && new Date(first.ended_ms).toDateString() === new Date(last.ended_ms).toDateString();
  const labelEvery = Math.max(1, Math.ceil(bars.length / Math.max(2, Math.floor(plotW / 110))));
  const lastLabelled = (bars.length - 1) % labelEvery === 0 || (bars.length - 1) % labelEvery >= labelEvery * 0.75;
  const totalFailed = bars.reduce((s, b) => s + b.bar.failed, 0);
  const summary = `${title}: ${bars.length} cycle${bars.length === 1 ? "" : "s"}${
    first && last ? ` from ${formatLocalDateTime(new Date(first.ended_ms))} to ${formatLocalDateTime(new Date(last.ended_ms))}` : ""
  }, ${totalFailed} failed change${totalFailed === 1 ? "" : "s"} in total.`;

  return (
    <div className="cycle-chart" ref={box}>
      <div className="chart-legend" aria-hidden="true">
        {used.map((k) => (
          <span key={k} className="legend-item">
            <span className={`legend-swatch bar-${k}`} />
            {BAR_LABELS[k]}
          </span>
        ))}
      </div>
      <svg className="chart-svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} height={H}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="chart-axis" x={PAD.left - 6} y={y(t) + 3.5} textAnchor="end">
              {t.toLocaleString()}
            </text>
          </g>
        ))}
        {bars.map(({ c, bar }, i) => {
          const cx = PAD.left + slot * i + slot / 2;
          let acc = 0;
          const when = formatLocalDateTime(new Date(c.ended_ms));
          return (
            <g key={c.cycle_id} className="chart-bar">
              <title>{`Cycle ended ${when}: ${c.total} change${c.total === 1 ? "" : "s"}`}</title>
              {used.map((k) => {
                const v = bar[k];
                if (v <= 0) return null;
                const y0 = y(acc);
                acc += v;
                const y1 = y(acc);
                return (
                  <rect key={k} className={`bar-${k}`} x={cx - barW / 2} width={barW} y={y1} height={Math.max(1, y0 - y1)} rx={1.5}>
                    <title>{`${when} · ${BAR_LABELS[k]}: ${v.toLocaleString()}`}</title>
                  </rect>
                );
              })}
              {bar && barTotal(bar) === 0 ? <rect className="bar-empty" x={cx - barW / 2} width={barW} y={y(0) - 1} height={1} /> : null}
              {(i === bars.length - 1 ? lastLabelled : i % labelEvery === 0) ? (
                <text className="chart-axis" x={cx} y={H - 10} textAnchor="middle">
                  {axisLabel(c.ended_ms, sameDay)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line className="chart-baseline" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      </svg>
      <button type="button" className="button button-sm chart-toggle" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((v) => !v)}>
        {showTable ? "Hide table" : "Show as table"}
      </button>
      <div id={tableId} className={showTable ? "table-scroll chart-table" : "visually-hidden"}>
        <DataTable
          caption={`${title}, newest first`}
          columns={[
            "Cycle ended",
            ...columns.map((k) => ({ label: BAR_LABELS[k], num: true as const })),
            { label: "Total", num: true },
          ]}
        >
          {[...bars].reverse().map(({ c, bar }) => (
            <tr key={c.cycle_id}>
              <th scope="row">{formatLocalDateTime(new Date(c.ended_ms))}</th>
              {columns.map((k) => (
                <td key={k} className="num">
                  {bar[k].toLocaleString()}
                </td>
              ))}
              <td className="num">{c.total.toLocaleString()}</td>
            </tr>
          ))}
        </DataTable>
      </div>
    </div>
  );
}
