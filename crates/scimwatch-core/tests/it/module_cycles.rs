//! No module cycles in core, the engine and the CLI, and entra-sim's modules
//! in layers (issue 19): reads the sources,
//! turns every `crate::…`/`super::…` path outside comments, string literals
//! and `#[cfg(test)]` items into an edge between files, and fails on a
//! group of files that reach each other (one not listed in `KNOWN`).
//! A module's edges to its own submodules are hierarchy, not imports, and
//! are not counted. entra-sim is checked against its layer order
//! ([`SIM_LAYERS`]): no module imports one above it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles that still stand, each a set of `crate/file` paths (may only
/// shrink; none today).
const KNOWN: &[&[&str]] = &[];

/// entra-sim's layers, bottom up (ARCHITECTURE.md, "entra-sim"): each with
/// its top-level modules. A module imports its own layer and those below it,
/// never one above; every module is in one layer.
const SIM_LAYERS: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "apps",
            "assertion",
            "clock",
            "config",
            "fault",
            "job",
            "logs",
            "tenant",
        ],
    ),
    ("state", &["state"]),
    ("provision", &["provision"]),
    ("handlers", &["auth", "control", "graph", "scim"]),
    ("server", &["server"]),
    ("sim", &["sim", "tenants", "testing"]),
];

/// File → the files it imports, each with the first path that does.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let (p, name) = (e.path(), e.file_name().to_string_lossy().into_owned());
        if p.is_dir() && name != "tests" {
            files(&p, out);
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
            out.push(p);
        }
    }
}

/// Where the string, char or comment starting at `i` ends (exclusive), or
/// `None` when `i` starts none of them.
fn skip_literal(b: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    match (at(i), at(i + 1)) {
        (b'/', b'/') => Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p),
        ),
        (b'/', b'*') => {
            let (mut depth, mut k) = (0, i);
            while k < b.len() {
                match (at(k), at(k + 1)) {
                    (b'/', b'*') => (depth, k) = (depth + 1, k + 2),
                    (b'*', b'/') => {
                        (depth, k) = (depth - 1, k + 2);
                        if depth == 0 {
                            return Some(k);
                        }
                    }
                    _ => k += 1,
                }
            }
            Some(b.len())
        }
        (b'"', _) => {
            let mut k = i + 1;
            while k < b.len() && b[k] != b'"' {
                k += if b[k] == b'\\' { 2 } else { 1 };
            }
            Some(k + 1)
        }
        // Raw strings: r"…", r#"…"#, br#"…"#.
        (b'r', b'"' | b'#')
            if i == 0
                || !ident(at(i - 1))
                || (at(i - 1) == b'b' && (i < 2 || !ident(at(i - 2)))) =>
        {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if at(i + 1 + hashes) != b'"' {
                return None;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let from = i + 2 + hashes;
            Some(
                b[from..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(b.len(), |p| from + p + close.len()),
            )
        }
        // A char literal ('x', '→', '\'', '\u{7b}'); a lifetime ('a) is not one.
        (b'\'', b'\\') => Some(
            b.get(i + 3..)
                .and_then(|r| r.iter().position(|&c| c == b'\''))
                .map_or(b.len(), |p| i + 4 + p),
        ),
        (b'\'', c) => {
            let len = match c {
                0xf0.. => 4,
                0xe0.. => 3,
                0xc0.. => 2,
                _ => 1,
            };
            (at(i + 1 + len) == b'\'').then_some(i + 2 + len)
        }
        _ => None,
    }
}

/// Where the item starting at `i` ends: after its `;` or its `{ … }` block.
fn item_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if let Some(j) = skip_literal(b, i) {
            i = j;
            continue;
        }
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The source without comments, string and char literals, and
/// `#[cfg(test)]` items (test modules, test-only imports).
fn code_of(text: &str) -> String {
    const TEST_ATTR: &[u8] = b"#[cfg(test)]";
    let b = text.as_bytes();
    let (mut out, mut i) = (Vec::with_capacity(b.len()), 0);
    while i < b.len() {
        if let Some(j) = skip_literal(b, i) {
            out.push(b' ');
            i = j;
        } else if b[i..].starts_with(TEST_ATTR) {
            i = item_end(b, i + TEST_ATTR.len());
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a::{b, c::{d, e as f}, g::*}` → `a::b`, `a::c::d`, `a::c::e as f`, `a::g::*`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find('{') else {
        return vec![path.split_whitespace().collect::<Vec<_>>().join(" ")];
    };
    let (head, b) = (&path[..open], path.as_bytes());
    let (mut depth, mut start, mut parts) = (0, open + 1, Vec::new());
    for (k, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' | b',' if depth == 1 => {
                parts.push(&path[start..k]);
                start = k + 1;
                if c == b'}' {
                    break;
                }
            }
            b'}' => depth -= 1,
            _ => {}
        }
    }
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(expand)
        .map(|p| format!("{head}{p}"))
        .collect()
}

/// The path starting at `t` (a `crate::…` or `super::…`), braces expanded.
fn paths_at(t: &str) -> Vec<String> {
    let (b, mut depth, mut end) = (t.as_bytes(), 0, 0);
    while end < b.len() {
        match b[end] {
            b'{' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            c if depth > 0 || c.is_ascii_alphanumeric() || c == b'_' || c == b':' => {}
            _ => break,
        }
        if depth == 0 && b[end] == b'}' {
            end += 1;
            break;
        }
        end += 1;
    }
    expand(&t[..end])
}

/// The file (module path) of the deepest module `segs` names, from module `m`.
fn resolve(src: &Path, mut m: Vec<String>, segs: &[&str]) -> Vec<String> {
    for s in segs {
        let d = src.join(m.join("/"));
        if !(d.join(format!("{s}.rs")).is_file() || d.join(s).join("mod.rs").is_file()) {
            break;
        }
        m.push(s.to_string());
    }
    m
}

/// A module path (`["scim", "list"]`) and the code of its file.
type Module = (Vec<String>, String);

fn modules(src: &Path) -> Vec<Module> {
    let mut all = Vec::new();
    files(src, &mut all);
    all.into_iter()
        .map(|f| {
            let rel = f.strip_prefix(src).unwrap().with_extension("");
            let mut m: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            // `x/mod.rs` is `x`; the crate root (`lib.rs`, `main.rs`) is `[]`.
            if m.last().is_some_and(|l| l == "mod")
                || (m.len() == 1 && matches!(m[0].as_str(), "lib" | "main"))
            {
                m.pop();
            }
            (m, code_of(&std::fs::read_to_string(&f).unwrap()))
        })
        .collect()
}

/// Where a path written in module `own` leads: the module of its deepest
/// module segment and the name after it (`crate::health::Finding` →
/// `health`, `Finding`). `None` for a path outside the crate.
fn locate(src: &Path, own: &[String], path: &str) -> Option<(Vec<String>, Option<String>)> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let ups = segs.iter().take_while(|s| **s == "super").count();
    let (base, rest) = match segs.first().copied() {
        Some("crate") => (vec![], &segs[1..]),
        Some("self") => (own.to_vec(), &segs[1..]),
        Some("super") => (own[..own.len().saturating_sub(ups)].to_vec(), &segs[ups..]),
        // Relative to `own` (`pub use rules::x;` in a mod.rs), or external.
        _ => (own.to_vec(), &segs[..]),
    };
    let to = resolve(src, base.clone(), rest);
    let used = to.len() - base.len();
    if used == 0 && !matches!(segs.first().copied(), Some("crate" | "self" | "super")) {
        return None;
    }
    // `m::{self}` and `m::*` name the module, not an item in it.
    let name = rest.get(used).filter(|s| !matches!(**s, "self" | "*"));
    Some((to, name.map(|s| s.to_string())))
}

/// A module's names → (the module that defines each, its name there).
type Imports = BTreeMap<Vec<String>, BTreeMap<String, (Vec<String>, String)>>;

/// The names each module imports (`pub use rules::{a, b as c}` in
/// `health/mod.rs` → `a`, `c` come from `health/rules`): others reach them
/// through it (`super::a`, `crate::health::c`), public or not.
fn reexports(src: &Path, mods: &[Module]) -> Imports {
    let mut out = Imports::new();
    for (own, code) in mods {
        for (k, _) in code.match_indices("use ") {
            if code[..k]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let Some(len) = code[k + 4..].find(';') else {
                continue;
            };
            for p in expand(code[k + 4..k + 4 + len].trim()) {
                let (from, name) = match p.split_once(" as ") {
                    Some((from, alias)) => (from.to_string(), alias.trim().to_string()),
                    None => (
                        p.clone(),
                        p.rsplit("::").next().unwrap_or_default().to_string(),
                    ),
                };
                if let Some((to, Some(there))) = locate(src, own, &from) {
                    out.entry(own.clone())
                        .or_default()
                        .insert(name, (to, there));
                }
            }
        }
    }
    out
}

/// File → the files it imports, for one crate's `src`. An import of a name
/// a module re-exports leads to the module that defines it.
fn graph(src: &Path) -> Graph {
    let mods = modules(src);
    let re = reexports(src, &mods);
    let mut g = Graph::new();
    for (own, code) in &mods {
        for (k, _) in code
            .match_indices("crate::")
            .chain(code.match_indices("super::"))
        {
            let before = code[..k].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '$') {
                continue;
            }
            for p in paths_at(&code[k..]) {
                let p = p.split_whitespace().next().unwrap_or_default();
                let Some((mut to, mut name)) = locate(src, own, p) else {
                    continue;
                };
                // Follow re-exports (a few hops at most).
                for _ in 0..8 {
                    match name.as_ref().and_then(|n| re.get(&to)?.get(n)) {
                        Some((next, there)) if next != &to => {
                            (to, name) = (next.clone(), Some(there.clone()));
                        }
                        _ => break,
                    }
                }
                if !to.starts_with(own) {
                    g.entry(own.join("/"))
                        .or_default()
                        .entry(to.join("/"))
                        .or_insert_with(|| p.to_string());
                }
            }
        }
    }
    g
}

/// Groups of more than one file that reach each other.
fn cycles(g: &Graph) -> BTreeSet<BTreeSet<String>> {
    let reach = |from: &String| {
        let (mut seen, mut todo) = (BTreeSet::new(), vec![from.clone()]);
        while let Some(n) = todo.pop() {
            for m in g.get(&n).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let r: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|k| (k, reach(k))).collect();
    let reaches = |a: &String, b: &String| r.get(a).is_some_and(|s| s.contains(b));
    g.keys()
        .map(|a| {
            g.keys()
                .filter(|b| *b == a || (reaches(a, b) && reaches(b, a)))
                .cloned()
                .collect::<BTreeSet<_>>()
        })
        .filter(|s| s.len() > 1)
        .collect()
}

/// The cycles of one crate that `KNOWN` does not list, as messages naming
/// the imports that close them.
fn new_cycles(krate: &str, g: &Graph) -> Vec<String> {
    cycles(g)
        .into_iter()
        .filter(|c| {
            !KNOWN.iter().any(|k| {
                c.iter()
                    .all(|f| k.contains(&format!("{krate}/{f}").as_str()))
            })
        })
        .map(|c| {
            let edges: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    g[a].iter()
                        .filter(|(b, _)| c.contains(*b))
                        .map(move |(b, p)| format!("  {a} → {b} ({p})"))
                })
                .collect();
            format!(
                "{krate}: {}\n{}",
                c.iter().cloned().collect::<Vec<_>>().join(" ↔ "),
                edges.join("\n")
            )
        })
        .collect()
}

/// The imports of `src` that go up `layers` (or name a module in none),
/// as messages naming the import.
fn layer_breaks(src: &Path, layers: &[(&str, &[&str])]) -> Vec<String> {
    let layer = |file: &str| {
        let top = file.split('/').next().unwrap_or_default();
        layers.iter().position(|(_, ms)| ms.contains(&top))
    };
    let mut out = Vec::new();
    for (m, _) in modules(src) {
        if !m.is_empty() && layer(m[0].as_str()).is_none() {
            out.push(format!("{}: in no layer", m.join("/")));
        }
    }
    for (a, tos) in &graph(src) {
        let Some(la) = layer(a.as_str()) else {
            continue;
        };
        for (b, p) in tos {
            if let Some(lb) = layer(b.as_str()).filter(|lb| *lb > la) {
                out.push(format!(
                    "{a} ({}) imports {b} ({}), a layer above it: {p}",
                    layers[la].0, layers[lb].0
                ));
            }
        }
    }
    out
}

#[test]
fn entra_sim_imports_only_down_its_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../entra-sim/src");
    // The walk sees the crate: a broken reader would pass vacuously.
    let n = graph(&src).values().map(BTreeMap::len).sum::<usize>();
    assert!(n >= 80, "entra-sim: only {n} imports read");
    let found = layer_breaks(&src, SIM_LAYERS);
    assert!(found.is_empty(), "entra-sim layers:\n{}", found.join("\n"));
}

/// The layer check itself: a handler that imports `sim.rs` and a module in
/// no layer are both reported; imports down the layers are not.
#[test]
fn the_layer_check_finds_an_import_up_the_layers() {
    let dir = std::env::temp_dir().join(format!("scimwatch-layers-{}", std::process::id()));
    let src = dir.join("src");
    let write = |p: &str, t: &str| {
        let f = src.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, t).unwrap();
    };
    write(
        "lib.rs",
        "mod graph;\nmod sim;\nmod state;\nmod tenant;\nmod stray;\n",
    );
    write("graph/mod.rs", "mod list;\nuse crate::state::SimState;\n");
    write("graph/list.rs", "use crate::sim::Sim;\nuse super::*;\n");
    write("sim.rs", "use crate::graph::x;\npub struct Sim;\n");
    write(
        "state.rs",
        "use crate::tenant::Tenant;\npub struct SimState;\n",
    );
    write("tenant.rs", "pub struct Tenant;\n");
    write("stray.rs", "");
    let found = layer_breaks(&src, SIM_LAYERS);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        found,
        vec![
            "stray: in no layer".to_string(),
            "graph/list (handlers) imports sim (sim), a layer above it: crate::sim::Sim"
                .to_string(),
        ],
    );
}

#[test]
fn no_module_cycles_in_core_the_engine_and_the_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    // (crate, a floor well under the imports between its files today)
    for (krate, least) in [
        ("scimwatch-core", 80),
        ("scimwatch-engine", 250),
        ("scimwatch-cli", 5),
    ] {
        let src = root.join(krate).join("src");
        // The walk sees the crate: a broken reader would pass vacuously.
        let g = graph(&src);
        let n = g.values().map(BTreeMap::len).sum::<usize>();
        assert!(n >= least, "{krate}: only {n} imports read ({g:?})");
        found.extend(new_cycles(krate, &g));
    }
    assert!(found.is_empty(), "module cycles:\n{}", found.join("\n"));
}

/// The engine's `api/` is its top layer (ARCHITECTURE.md): what the shells
/// call, imported by no other module of the engine.
#[test]
fn nothing_in_the_engine_imports_its_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scimwatch-engine/src");
    let g = graph(&src);
    let in_api = |f: &str| f == "api" || f.starts_with("api/");
    let api_files = g.keys().filter(|f| in_api(f)).count();
    assert!(
        api_files >= 15,
        "the engine's api/: only {api_files} files read"
    );
    let found: Vec<String> = g
        .iter()
        .filter(|(a, _)| !in_api(a))
        .flat_map(|(a, tos)| {
            tos.iter()
                .filter(|(b, _)| in_api(b))
                .map(move |(b, p)| format!("{a} imports {b}: {p}"))
        })
        .collect();
    assert!(found.is_empty(), "api/ is imported:\n{}", found.join("\n"));
}

/// The reader itself, on a small crate written to a temporary folder: a
/// cycle through nested braces, `self`, a renamed import and `super::` is
/// found, and one through a re-export (`pub use`) leads to the defining
/// file; imports only in comments, strings or `#[cfg(test)]` items are not
/// read.
#[test]
fn the_reader_finds_cycles_and_ignores_tests_comments_and_strings() {
    let dir = std::env::temp_dir().join(format!("scimwatch-cycles-{}", std::process::id()));
    let src = dir.join("src");
    let write = |p: &str, t: &str| {
        let f = src.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, t).unwrap();
    };
    write(
        "lib.rs",
        "pub mod a;\npub mod b;\npub mod c;\npub mod d;\npub mod e;\npub mod f;\npub use d::Root;\n",
    );
    write("a/mod.rs", "pub mod inner;\n");
    write(
        "a/inner.rs",
        "use crate::{c::X, b::{self as bee, Y}};\nfn f() { let s = \"crate::d::Z\"; }\n",
    );
    write("b.rs", "use super::a::inner::Q;\n");
    write(
        "c.rs",
        "// use crate::d;\n/* crate::d */\nfn g() -> char { '{' }\nfn q() -> char { '\\'' }\n\
         #[cfg(test)]\nmod tests;\npub struct X;\n\
         #[cfg(test)]\nmod t { use crate::d::Z; fn h() { let _ = \"}\"; } }\n\
         fn r() -> &'static str { r#\"crate::d\"# }\nuse crate::Root;\n",
    );
    write("d.rs", "pub struct Root;\n");
    write("e/mod.rs", "mod inner;\npub use inner::{W as Renamed};\n");
    write("e/inner.rs", "use crate::f::V;\npub struct W;\n");
    write("f.rs", "use crate::e::Renamed;\npub struct V;\n");
    let g = graph(&src);
    let found = cycles(&g);
    std::fs::remove_dir_all(&dir).unwrap();
    let set = |v: &[&str]| {
        v.iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<String>>()
    };
    assert_eq!(
        found,
        BTreeSet::from([set(&["a/inner", "b"]), set(&["e/inner", "f"])]),
        "{g:?}"
    );
    let to = |f: &str| g[f].keys().cloned().collect::<BTreeSet<String>>();
    assert_eq!(to("a/inner"), set(&["b", "c"]));
    // Only the root re-export: nothing from the comment, strings or tests.
    assert_eq!(to("c"), set(&["d"]), "{g:?}");
    assert_eq!(to("f"), set(&["e/inner"]));
    assert_eq!(g["f"]["e/inner"], "crate::e::Renamed");
}
