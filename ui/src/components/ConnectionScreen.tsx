// The shell every per-connection screen shares: the page with its heading,
// the connection picker, the "Try again" alert when the connections fail to
// load, a skeleton while they load, the empty state when no connection has
// the side the screen reads, and the chosen connection's view.
import { Fragment, type ReactNode } from "react";
import type { Connection } from "../bindings/Connection";
import type { IconName } from "./Icon";
import { useConnections } from "../lib/connections";
import { navigate, type ScreenId } from "../lib/router";
import { ConnectionPicker, useSideConnection, type ConnectionSide } from "./ConnectionPicker";
import { EmptyState, RetryAlert } from "./Feedback";
import { OpenDemoButton } from "./OpenDemoButton";
import { Page } from "./Page";

export function ConnectionScreen({
  screen,
  side,
  rest,
  extra,
  title,
  subtitle,
  skeleton,
  empty,
  children,
}: {
  screen: ScreenId;
  /** Which connections qualify: those with an Entra side, a SCIM side, or any. */
  side: ConnectionSide;
  /** The route after the screen (`rest[0]` is the connection's id). */
  rest: string[];
  /** Route segments the picker keeps after the id (e.g. the tab). */
  extra?: string[];
  title: string;
  subtitle: ReactNode;
  /** Shown while the connections load. */
  skeleton: ReactNode;
  /** When no connection qualifies: its icon, title and text. With `demoStaysHere`,
   *  "Open the demo tenant" returns to this screen (the demo has this side)
   *  instead of showing the Overview. */
  empty: { icon: IconName; title: string; body: ReactNode; demoStaysHere?: boolean };
  /** The chosen connection's view; remounted when the connection changes. */
  children: (c: Connection) => ReactNode;
}) {
  const { state, reload, refreshing } = useConnections();
  const { eligible, current } = useSideConnection(side, rest);
  const any = !!state.connections?.length;
  return (
    <Page
      title={title}
      subtitle={subtitle}
      actions={eligible && current ? <ConnectionPicker screen={screen} eligible={eligible} current={current} extra={extra} /> : null}
    >
      {state.status === "error" ? <RetryAlert error={state.error} onRetry={reload} busy={refreshing} /> : null}
      {state.status === "loading" ? skeleton : null}
      {eligible && eligible.length === 0 ? (
        <EmptyState
          icon={empty.icon}
          title={empty.title}
          action={
            <>
              <button type="button" className="button button-primary" onClick={() => (any ? navigate("connections") : navigate("connections", "new"))}>
                {any ? "Open Connections" : "Add a connection"}
              </button>
              <OpenDemoButton onStarted={empty.demoStaysHere ? () => navigate(screen) : undefined} />
            </>
          }
        >
          {empty.body}
        </EmptyState>
      ) : null}
      {current ? <Fragment key={current.id}>{children(current)}</Fragment> : null}
    </Page>
  );
}
