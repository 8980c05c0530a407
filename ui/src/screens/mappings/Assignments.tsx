// Who Entra provisions: the groups assigned to the app (with their direct
// member counts) and the users assigned directly, the first 100 of each.
import type { AssignmentsBody } from "../../bindings/AssignmentsBody";
import { DataTable } from "../../components/DataTable";

export function Assignments({ a }: { a: AssignmentsBody }) {
  return (
    <div className="grid-2">
      <section className="card table-card" aria-labelledby="groups-title">
        <header className="table-card-header">
          <h2 id="groups-title" className="card-title">
            Assigned groups
          </h2>
          <span className="muted small">{a.group_count.toLocaleString()}</span>
        </header>
        {a.groups.length === 0 ? (
          <p className="table-card-body muted">No group is assigned to the app. Members of assigned groups are provisioned.</p>
        ) : (
          <div className="table-scroll">
            <DataTable caption="Assigned groups with their direct member counts" columns={["Group", { label: "Members", num: true }]}>
              {a.groups.slice(0, 100).map((g) => (
                <tr key={g.id}>
                  <th scope="row">{g.name ?? <span className="mono muted">{g.id}</span>}</th>
                  <td className="num">{g.members.toLocaleString()}</td>
                </tr>
              ))}
            </DataTable>
          </div>
        )}
      </section>
      <section className="card table-card" aria-labelledby="users-title">
        <header className="table-card-header">
          <h2 id="users-title" className="card-title">
            Assigned users
          </h2>
          <span className="muted small">{a.user_count.toLocaleString()} directly</span>
        </header>
        {a.users.length === 0 ? (
          <p className="table-card-body muted">No user is assigned directly.</p>
        ) : (
          <ul className="table-card-body plain-list user-list">
            {a.users.slice(0, 100).map((u) => (
              <li key={u.id}>{u.name ?? <span className="mono muted">{u.id}</span>}</li>
            ))}
            {a.users.length > 100 ? <li className="muted">and {(a.users.length - 100).toLocaleString()} more</li> : null}
          </ul>
        )}
      </section>
    </div>
  );
}
