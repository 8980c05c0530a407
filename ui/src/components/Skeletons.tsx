// Placeholders shown while a screen's data loads (role="status", named by `label`).
import { Skeleton } from "./Feedback";

/** A table or list loading: a heading line and a few rows. */
export function TableSkeleton({ label }: { label: string }) {
  return (
    <div className="card stack-sm" role="status" aria-label={label}>
      <Skeleton width="30%" height={16} />
      <Skeleton width="95%" />
      <Skeleton width="90%" />
      <Skeleton width="92%" />
    </div>
  );
}

/** A row of three stat cards loading (label, value, caption each). */
export function StatsSkeleton({ label }: { label: string }) {
  return (
    <div className="stat-grid" role="status" aria-label={label}>
      {[0, 1, 2].map((i) => (
        <div key={i} className="card stat-card stack-sm">
          <Skeleton width="40%" height={12} />
          <Skeleton width="55%" height={24} />
          <Skeleton width="80%" />
        </div>
      ))}
    </div>
  );
}
