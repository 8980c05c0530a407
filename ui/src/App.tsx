import { useEffect, type MouseEvent } from "react";
import logoUrl from "./assets/logo.svg";
import { DiscardChangesDialog } from "./components/Dialog";
import { Icon, type IconName } from "./components/Icon";
import { ToastProvider } from "./components/Toasts";
import { ConnectionsProvider, useConnections } from "./lib/connections";
import { onOpenIncident, onShowIncident } from "./lib/ipc";
import { syncTheme } from "./lib/theme";
import { go, href, incidentHref, navigate, SCREENS, usePendingNavigation, useRoute, type Route, type ScreenId } from "./lib/router";
import { ConnectionsScreen } from "./screens/ConnectionsScreen";
import { OverviewScreen } from "./screens/OverviewScreen";
import { IncidentsScreen } from "./screens/IncidentsScreen";
import { InventoryScreen } from "./screens/InventoryScreen";
import { LogsScreen } from "./screens/LogsScreen";
import { MappingsScreen } from "./screens/MappingsScreen";
import { TroubleshootingScreen } from "./screens/TroubleshootingScreen";
import { TokenScreen } from "./screens/TokenScreen";
import { SettingsScreen } from "./screens/SettingsScreen";

const ICONS: Record<ScreenId, IconName> = {
  overview: "overview",
  connections: "connections",
  mappings: "mappings",
  token: "token",
  logs: "logs",
  inventory: "inventory",
  troubleshooting: "troubleshooting",
  incidents: "incidents",
  settings: "settings",
};

/** Where each group of the navigation starts. */
const GROUP_STARTS: Partial<Record<ScreenId, string>> = {
  mappings: "Provisioning",
  troubleshooting: "Diagnose",
};

export function App() {
  return (
    <ToastProvider>
      <ConnectionsProvider>
        <Shell />
      </ConnectionsProvider>
    </ToastProvider>
  );
}

function Shell() {
  const route = useRoute();
  // A clicked desktop notification opens the incidents of its connection.
  useEffect(() => {
    let stop = () => {};
    let live = true;
    void onOpenIncident((n) => {
      if (n.connection_id) navigate("incidents", n.connection_id);
      else navigate("incidents");
    }).then((u) => (live ? (stop = u) : u()));
    return () => {
      live = false;
      stop();
    };
  }, []);
  // The tray's item for an open incident opens that incident, focused.
  useEffect(() => {
    let stop = () => {};
    let live = true;
    void onShowIncident((e) => go(incidentHref(e.id, e.connection_id))).then((u) => (live ? (stop = u) : u()));
    return () => {
      live = false;
      stop();
    };
  }, []);
  // The stored theme (the init script set it before the first paint; after a reload it may be stale).
  useEffect(() => {
    void syncTheme();
  }, []);
  return (
    <div className="app">
      {/* First in the tab order, then the sidebar, then the content. The
          address is the router's (#/screen), so the link moves focus itself. */}
      <a className="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <Sidebar active={route.screen} />
      <main id="main" className="main" tabIndex={-1}>
        <Screen route={route} />
      </main>
      <LeaveGuard />
    </div>
  );
}

/** Focus the content without touching the address (`#main` is not a route). */
function skipToContent(e: MouseEvent<HTMLAnchorElement>) {
  e.preventDefault();
  document.getElementById("main")?.focus();
}

/** Asks before leaving a screen with unsaved changes (see `useUnsavedChanges`). */
function LeaveGuard() {
  const { pending, keepEditing, discard } = usePendingNavigation();
  return pending !== null ? <DiscardChangesDialog onKeep={keepEditing} onDiscard={discard} /> : null;
}

function Sidebar({ active }: { active: ScreenId }) {
  const { state } = useConnections();
  const count = state.connections?.length;
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <img src={logoUrl} alt="" width={28} height={28} className="brand-mark" />
        <span className="brand-name">scimwatch</span>
      </div>
      <ul className="nav-list">
        {SCREENS.map((s) => (
          <li key={s.id}>
            {GROUP_STARTS[s.id] ? <div className="nav-group" aria-hidden="true">{GROUP_STARTS[s.id]}</div> : null}
            <a
              className="nav-item"
              href={href(s.id)}
              title={s.title}
              aria-current={active === s.id ? "page" : undefined}
            >
              <Icon name={ICONS[s.id]} />
              <span className="nav-label">{s.title}</span>
              {s.id === "connections" && count ? (
                <span className="nav-count">
                  {count}
                  <span className="visually-hidden"> configured</span>
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case "overview":
      return <OverviewScreen />;
    case "connections":
      return <ConnectionsScreen rest={route.rest} />;
    case "mappings":
      return <MappingsScreen rest={route.rest} />;
    case "token":
      return <TokenScreen rest={route.rest} />;
    case "logs":
      return <LogsScreen rest={route.rest} query={route.query} />;
    case "inventory":
      return <InventoryScreen rest={route.rest} />;
    case "troubleshooting":
      return <TroubleshootingScreen rest={route.rest} />;
    case "incidents":
      return <IncidentsScreen rest={route.rest} />;
    case "settings":
      return <SettingsScreen />;
  }
}
