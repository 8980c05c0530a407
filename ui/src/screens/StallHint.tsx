// Settings → "Stalled after": what k × the job's interval means for each
// connection, computed from the interval of its provisioning job as last
// read from Graph (the job's `schedule.interval`, in the status report) —
// never an assumed 40 minutes. Until a job has been read, the limit is
// unknown, and the hint says so.
import { useEffect, useState } from "react";
import type { Connection } from "../bindings/Connection";
import { useConnections } from "../lib/connections";
import { jobStatus } from "../lib/ipc";

/** One connection's job as the hint needs it. */
export interface JobInterval {
  connection: string;
  /** Whole minutes of the job's schedule interval; `null` when not read (or no schedule). */
  intervalMinutes: number | null;
  /** Whether the job status was read at all. */
  read: boolean;
}

/** `40 min`, `2 h`, `1 h 30 min`, `3 days 4 h`. */
export function formatMinutes(total: number): string {
  if (total < 60) return `${total} min`;
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} day${days === 1 ? "" : "s"}`);
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0 && days === 0) parts.push(`${minutes} min`);
  return parts.join(" ");
}

/**
 * The hint's lines for stall factor `factor` (the form's value, perhaps
 * being typed: `null` when it is not a valid whole number).
 */
export function stallLines(factor: number | null, jobs: JobInterval[] | null): string[] {
  const k = factor !== null && Number.isInteger(factor) && factor > 0 ? factor : null;
  const rule = `A job is stalled when no cycle completed within ${k ?? "this many"} × its schedule interval.`;
  if (jobs === null) return [rule];
  const known = jobs.filter((j) => j.intervalMinutes !== null && j.intervalMinutes > 0);
  if (known.length === 0) {
    const why =
      jobs.length === 0
        ? "No connection reads a provisioning job yet"
        : jobs.some((j) => j.read)
          ? "The job read has no schedule interval"
          : "No provisioning job has been read yet";
    return [rule, `${why}: the limit is unknown until the job is read.`];
  }
  return [
    rule,
    ...known.map((j) => {
      const m = j.intervalMinutes as number;
      const limit = k === null ? "" : ` = ${formatMinutes(k * m)}`;
      return `${j.connection}: ${k ?? "k"} × ${formatMinutes(m)} (its job's interval)${limit}.`;
    }),
    ...jobs.filter((j) => !known.includes(j)).map((j) => `${j.connection}: unknown until the job is read.`),
  ];
}

/** The status of every connection with an Entra side; `null` while loading. */
function useJobIntervals(): JobInterval[] | null {
  const { state } = useConnections();
  const [jobs, setJobs] = useState<JobInterval[] | null>(null);
  const list = state.connections;
  useEffect(() => {
    if (!list) return;
    let live = true;
    const entra = list.filter((c: Connection) => c.entra !== null);
    void Promise.all(
      entra.map(async (c): Promise<JobInterval> => {
        try {
          const r = await jobStatus(c.id);
          return { connection: c.name, intervalMinutes: r.interval_minutes ?? null, read: r.job_read_at !== null };
        } catch {
          return { connection: c.name, intervalMinutes: null, read: false };
        }
      }),
    ).then((all) => live && setJobs(all));
    return () => {
      live = false;
    };
  }, [list]);
  return jobs;
}

export function StallHint({ factor }: { factor: string }) {
  const jobs = useJobIntervals();
  const n = factor.trim() === "" ? null : Number(factor);
  const [rule, ...rest] = stallLines(n !== null && Number.isFinite(n) ? n : null, jobs);
  return (
    <>
      {rule}
      {rest.length > 0 ? (
        <span className="stall-jobs" data-stall-jobs="">
          {rest.map((l) => (
            <span key={l} className="stall-job">
              {l}
            </span>
          ))}
        </span>
      ) : null}
    </>
  );
}
