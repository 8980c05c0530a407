// The empty Overview: add a connection, or open the demo tenant.
import { Icon } from "../../components/Icon";
import { OpenDemoButton } from "../../components/OpenDemoButton";
import { navigate } from "../../lib/router";

export function FirstLaunch({ onStarted }: { onStarted: () => void }) {
  return (
    <section className="first-launch" aria-labelledby="first-launch-title">
      <h2 id="first-launch-title" className="first-launch-title">
        Add your first connection
      </h2>
      <p className="muted">
        scimwatch watches Entra ID's provisioning job and your SaaS's SCIM endpoint, and tells you when sync stalls.
      </p>
      <div className="paths-2">
        <article className="card path-card" aria-labelledby="path-add">
          <div className="empty-icon">
            <Icon name="connections" size={22} />
          </div>
          <h3 id="path-add" className="card-title">
            Add a connection
          </h3>
          <p>Watch a real pipeline. Either side alone is enough to start:</p>
          <ul className="plain-list muted">
            <li>
              <strong>Entra side</strong>: the tenant and the enterprise app that provisions users.
            </li>
            <li>
              <strong>SCIM side</strong>: the SaaS's Tenant URL and Secret Token.
            </li>
          </ul>
          <div className="path-action">
            <button type="button" className="button button-primary" onClick={() => navigate("connections", "new")}>
              <Icon name="plus" size={16} /> Add your first connection
            </button>
          </div>
        </article>
        <article className="card path-card" aria-labelledby="path-demo">
          <div className="empty-icon empty-icon-demo">
            <Icon name="play" size={22} />
          </div>
          <h3 id="path-demo" className="card-title">
            Open the demo tenant
          </h3>
          <p>
            A built-in simulated Entra tenant and SCIM app, running inside scimwatch. Switch faults on and watch
            incidents, notifications and troubleshooting react.
          </p>
          <p className="demo-label">
            <Icon name="info" size={14} /> Simulated — no real tenant is touched
          </p>
          <div className="path-action">
            <OpenDemoButton onStarted={onStarted} />
          </div>
        </article>
      </div>
    </section>
  );
}
