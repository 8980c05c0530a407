// What the Overview shows from the click on "Open the demo tenant" until the
// demo connection is listed: the shape of its card and its cycles, not a
// blank pane.
import { Skeleton } from "../../components/Feedback";

export function DemoSkeleton() {
  return (
    <div className="stack" role="status" aria-label="Starting the demo tenant" data-testid="demo-skeleton">
      <p className="muted">Starting the demo tenant…</p>
      <div className="overview-grid">
        <div className="card overview-card stack-sm">
          <Skeleton width="60%" height={16} />
          <Skeleton width="40%" />
          <Skeleton width="80%" />
          <Skeleton width="70%" />
          <Skeleton width="55%" />
        </div>
      </div>
      <div className="card stack-sm">
        <Skeleton width="30%" height={16} />
        <Skeleton width="100%" height={160} />
      </div>
    </div>
  );
}
