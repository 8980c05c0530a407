//! The one paging helper of Graph's lists (`servicePrincipals`,
//! `appRoleAssignedTo`, `groups/{id}/members`, `auditLogs/provisioning`):
//! `$top`, `$skiptoken` and `@odata.nextLink`, as Graph writes them.

use super::*;

/// One page request of a list: its size (`$top`) and where it starts
/// (`$skiptoken`, an opaque `X'…'` token), and whether the fault
/// `GraphNextLinkLoop` makes every nextLink lead back to this page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    /// `$top`, or the list's default; at most the list's maximum.
    pub top: usize,
    /// The position `$skiptoken` names (`None`: the first page).
    pub cursor: Option<usize>,
    loops: bool,
}

// The error is the request's answer (Graph's 400), as from `gate`.
#[allow(clippy::result_large_err)]
impl Paging {
    /// `$top` alone (`default` when absent, capped at `max`); Graph's 400
    /// with `code` when it is not a positive number. The cursor is read by
    /// [`Paging::read_skiptoken`].
    pub(crate) fn read_top(
        st: &SimState,
        ctx: &Ctx,
        params: &Params,
        (default, max): (usize, usize),
        code: &str,
    ) -> Result<Paging, Response> {
        let top = match param(params, "$top") {
            None => default,
            Some(t) => match t.parse::<i64>() {
                Ok(n) if n >= 1 => (n as usize).min(max),
                _ => {
                    let m = format!("Invalid value '{t}' for $top query option found.");
                    return Err(graph_error(st, ctx, StatusCode::BAD_REQUEST, code, &m));
                }
            },
        };
        Ok(Paging {
            top,
            cursor: None,
            loops: false,
        })
    }

    /// `$skiptoken` (Graph's 400 with `code` when it is not one of ours).
    pub(crate) fn read_skiptoken(
        &mut self,
        st: &SimState,
        ctx: &Ctx,
        params: &Params,
        code: &str,
    ) -> Result<(), Response> {
        self.cursor = match param(params, "$skiptoken") {
            None => None,
            Some(t) => {
                let pos = t
                    .strip_prefix("X%27")
                    .or_else(|| t.strip_prefix("X'"))
                    .and_then(|r| {
                        r.trim_end_matches("%27")
                            .trim_end_matches('\'')
                            .parse::<usize>()
                            .ok()
                    });
                let Some(pos) = pos else {
                    let m = "Invalid $skiptoken.";
                    return Err(graph_error(st, ctx, StatusCode::BAD_REQUEST, code, m));
                };
                Some(pos)
            }
        };
        self.loops = st.next_link_loops();
        Ok(())
    }

    /// `$top` then `$skiptoken`, both answered with a 400 `code`: what
    /// every directory list reads first.
    pub(crate) fn read(
        st: &SimState,
        ctx: &Ctx,
        params: &Params,
        limits: (usize, usize),
        code: &str,
    ) -> Result<Paging, Response> {
        let mut p = Self::read_top(st, ctx, params, limits, code)?;
        p.read_skiptoken(st, ctx, params, code)?;
        Ok(p)
    }

    /// The first position of this page in a list read by offset.
    pub(crate) fn start(&self) -> usize {
        self.cursor.unwrap_or(0)
    }

    /// This page of a list read by offset.
    pub(crate) fn page<'a, T>(&self, items: &'a [T]) -> impl Iterator<Item = &'a T> {
        items.iter().skip(self.start()).take(self.top)
    }

    /// The nextLink of a list of `len` items read by offset (`None` on its
    /// last page).
    pub(crate) fn next_link(
        &self,
        st: &SimState,
        path: &str,
        params: &Params,
        len: usize,
    ) -> Option<String> {
        let start = self.start();
        (start + self.top < len).then(|| {
            let pos = if self.loops { start } else { start + self.top };
            link(st, path, params, pos)
        })
    }

    /// The nextLink of a list read by cursor, when the store found a `next`
    /// position (a loop leads back to this page's cursor, or to `first`).
    pub(crate) fn next_link_to(
        &self,
        st: &SimState,
        path: &str,
        params: &Params,
        next: Option<usize>,
        first: usize,
    ) -> Option<String> {
        next.map(|next| {
            let pos = if self.loops {
                self.cursor.unwrap_or(first)
            } else {
                next
            };
            link(st, path, params, pos)
        })
    }
}

/// The absolute `@odata.nextLink` for `path` with the request's parameters
/// and a `$skiptoken` for position `pos`.
fn link(state: &SimState, path: &str, params: &Params, pos: usize) -> String {
    let mut q = String::new();
    for (k, v) in params
        .iter()
        .filter(|(k, _)| k != "$skiptoken" && k != "skiptoken")
    {
        q.push_str(k);
        q.push('=');
        q.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
        q.push('&');
    }
    format!("{}/v1.0/{path}?{q}$skiptoken=X%27{pos}%27", state.base_url)
}
