//! The UI's calls against the one command list (`src-tauri/commands.list`,
//! compiled in as `commands::LIST`) and the adapters' parameters: every
//! command `ui/src/lib/ipc.ts` invokes is registered, every registered
//! command is invoked there, and every argument it passes is a parameter of
//! the adapter (camelCase in JS, snake_case in Rust) with none missing.

use std::collections::{BTreeMap, BTreeSet};

use crate::commands::LIST;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `src` without comments; string literals (delimited by any of `quotes`)
/// are kept whole, so a `//` inside one is not a comment.
fn strip_comments(src: &str, quotes: &[char]) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if quotes.contains(&c) {
            out.push(c);
            while let Some(d) = chars.next() {
                out.push(d);
                if d == '\\' {
                    out.extend(chars.next());
                } else if d == c {
                    break;
                }
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            for d in chars.by_ref() {
                if d == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for d in chars.by_ref() {
                if prev == '*' && d == '/' {
                    break;
                }
                prev = d;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// The text after the opening bracket at `open` up to its partner, and the
/// index just past the partner. Brackets inside string literals count, which
/// the sources checked here do not have.
fn balanced(src: &str, open: usize) -> (&str, usize) {
    let mut depth = 0usize;
    for (i, c) in src[open..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return (&src[open + 1..open + i], open + i + 1);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced bracket at byte {open}: {}", &src[open..]);
}

/// Splits at the commas outside any bracket (`<>` count when `angles`).
fn split_top(s: &str, angles: bool) -> Vec<&str> {
    let (mut parts, mut depth, mut start, mut prev) = (Vec::new(), 0i32, 0, ' ');
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '<' if angles => depth += 1,
            '>' if angles && prev != '-' && prev != '=' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(s[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

#[derive(Debug)]
struct JsCall {
    line: usize,
    name: String,
    /// One key set per object literal passed (a ternary gives two); one
    /// empty set when no arguments are passed.
    arg_sets: Vec<BTreeSet<String>>,
}

/// Every `invoke(…)`/`call(…)` in `ipc.ts` whose first argument is a string
/// literal. The only other ones allowed are the `call` helper's own, which
/// pass its parameter `cmd` on.
fn js_calls(src: &str) -> Vec<JsCall> {
    let src = strip_comments(src, &['"', '\'', '`']);
    let mut calls = Vec::new();
    for callee in ["invoke", "call"] {
        for (at, _) in src.match_indices(callee) {
            let before = src[..at].chars().next_back().unwrap_or(' ');
            if is_ident_char(before) || before == '.' {
                continue;
            }
            let mut rest = &src[at + callee.len()..];
            if rest.starts_with('<') {
                // A type argument: `call<Page<EventRow>>(`.
                let mut depth = 0;
                let end = rest
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '<' => 1,
                            '>' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .map(|(i, _)| i + 1)
                    .unwrap_or_else(|| panic!("unclosed type argument: {rest}"));
                rest = &rest[end..];
            }
            if !rest.starts_with('(') {
                continue;
            }
            let open = src.len() - rest.len();
            let (args, _) = balanced(&src, open);
            let line = src[..at].matches('\n').count() + 1;
            let args = args.trim_start();
            let Some(quote) = args.chars().next().filter(|c| "\"'`".contains(*c)) else {
                let first = args
                    .split([',', ':', ')'])
                    .next()
                    .unwrap_or_default()
                    .trim();
                assert_eq!(
                    first, "cmd",
                    "ipc.ts:{line}: {callee}(…) must name its command as a string literal"
                );
                continue;
            };
            let end = args[1..]
                .find(quote)
                .unwrap_or_else(|| panic!("ipc.ts:{line}: unterminated string"))
                + 1;
            let name = args[1..end].to_string();
            let rest = args[end + 1..].trim_start();
            let rest = rest.strip_prefix(',').unwrap_or(rest);
            let mut arg_sets = Vec::new();
            let mut i = 0;
            while let Some(off) = rest[i..].find(['{', '(', '[']) {
                let open = i + off;
                let (inner, next) = balanced(rest, open);
                if rest[open..].starts_with('{') {
                    arg_sets.push(object_keys(inner, line));
                }
                i = next;
            }
            assert!(
                !arg_sets.is_empty() || rest.trim().is_empty(),
                "ipc.ts:{line}: {name}'s arguments must be an object literal: {rest}"
            );
            if arg_sets.is_empty() {
                arg_sets.push(BTreeSet::new());
            }
            calls.push(JsCall {
                line,
                name,
                arg_sets,
            });
        }
    }
    calls
}

/// The keys of an object literal's body (`id, input, resolveOnly: x`).
fn object_keys(body: &str, line: usize) -> BTreeSet<String> {
    split_top(body, false)
        .into_iter()
        .map(|entry| {
            assert!(
                !entry.starts_with("..."),
                "ipc.ts:{line}: a spread ({entry}) hides the argument names"
            );
            let key = entry.split(':').next().unwrap_or_default().trim();
            let key = key.trim_matches(|c| c == '"' || c == '\'');
            assert!(
                !key.is_empty() && key.chars().all(is_ident_char),
                "ipc.ts:{line}: cannot read the argument name in `{entry}`"
            );
            key.to_string()
        })
        .collect()
}

/// A Rust parameter name as the UI must send it (Tauri's default
/// `rename_all = "camelCase"`).
fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, part) in snake.split('_').filter(|p| !p.is_empty()).enumerate() {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.push(first);
            } else {
                out.extend(first.to_uppercase());
            }
            out.extend(chars);
        }
    }
    out
}

/// Parameters Tauri fills in itself rather than from the UI's arguments.
const INJECTED: &[&str] = &["State", "AppHandle", "Window", "WebviewWindow", "Webview"];

#[derive(Debug)]
struct Param {
    js_name: String,
    required: bool,
}

/// The parameters of `#[tauri::command] fn function` in `src`, without the
/// ones Tauri injects.
fn adapter_params(src: &str, file: &str, function: &str) -> Vec<Param> {
    let src = strip_comments(src, &['"']);
    let at = src
        .match_indices(&format!("fn {function}("))
        .map(|(i, _)| i)
        .find(|&i| !src[..i].ends_with(|c: char| is_ident_char(c)))
        .unwrap_or_else(|| panic!("{file}: no `fn {function}(`"));
    let attr = src[..at]
        .rfind("#[tauri::command")
        .unwrap_or_else(|| panic!("{file}: {function} is not a #[tauri::command]"));
    let between = &src[attr..at];
    assert!(
        between.starts_with("#[tauri::command]")
            && !between.contains(['{', '}', ';'])
            && !between.contains("fn "),
        "{file}: {function} must carry a plain #[tauri::command] (argument names are \
         checked as camelCase): {between}"
    );
    let open = at + "fn ".len() + function.len();
    let (params, _) = balanced(&src, open);
    split_top(params, true)
        .into_iter()
        .filter_map(|p| {
            let (name, ty) = p
                .split_once(':')
                .unwrap_or_else(|| panic!("{file}: {function}: cannot read parameter `{p}`"));
            let ty = ty.trim();
            let base = ty.split('<').next().unwrap_or_default();
            let base = base.rsplit("::").next().unwrap_or_default().trim();
            if INJECTED.contains(&base) {
                return None;
            }
            let name = name.trim().trim_start_matches("mut ").trim();
            Some(Param {
                js_name: camel(name),
                required: !(ty.starts_with("Option<") || ty.starts_with("std::option::Option<")),
            })
        })
        .collect()
}

/// The file of `module` (`a::b`: `a/b.rs` or `a/b/mod.rs`) under `commands/`.
fn module_file(module: &str) -> String {
    let base = format!("src-tauri/src/commands/{}", module.replace("::", "/"));
    let candidates = [format!("{base}.rs"), format!("{base}/mod.rs")];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    candidates
        .iter()
        .find(|f| root.join(f).is_file())
        .unwrap_or_else(|| panic!("no file for module {module}: {candidates:?}"))
        .clone()
}

fn adapters() -> BTreeMap<&'static str, Vec<Param>> {
    LIST.iter()
        .map(|&(module, function)| {
            let file = module_file(module);
            (function, adapter_params(&read(&file), &file, function))
        })
        .collect()
}

/// Every `.rs` file under `dir`, with its module path relative to `commands/`.
fn rust_files(dir: &std::path::Path, module: &str, out: &mut Vec<(String, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let join = |m: &str| {
            if module.is_empty() {
                m.to_string()
            } else if m == "mod" {
                module.to_string()
            } else {
                format!("{module}::{m}")
            }
        };
        if path.is_dir() {
            rust_files(&path, &join(&stem), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((join(&stem), path));
        }
    }
}

#[test]
fn every_ui_call_names_a_listed_command_with_its_adapters_arguments() {
    let adapters = adapters();
    let calls = js_calls(&read("ui/src/lib/ipc.ts"));
    assert!(calls.len() >= LIST.len(), "{calls:#?}");
    let cap = read("src-tauri/capabilities/main.json");
    for call in &calls {
        let at = format!("ipc.ts:{} {}", call.line, call.name);
        if let Some(plugin) = call.name.strip_prefix("plugin:") {
            // A plugin's own command needs its permission in the capability.
            let (plugin, command) = plugin.split_once('|').expect("plugin:<name>|<command>");
            let permission = format!("\"{plugin}:allow-{}\"", command.replace('_', "-"));
            assert!(
                cap.contains(&permission),
                "{at}: {permission} is not allowed"
            );
            continue;
        }
        let params = adapters
            .get(call.name.as_str())
            .unwrap_or_else(|| panic!("{at}: not in src-tauri/commands.list"));
        for keys in &call.arg_sets {
            for key in keys {
                assert!(
                    params.iter().any(|p| &p.js_name == key),
                    "{at}: `{key}` is no parameter of the adapter (it takes {:?})",
                    params.iter().map(|p| &p.js_name).collect::<Vec<_>>()
                );
            }
            for p in params.iter().filter(|p| p.required) {
                assert!(
                    keys.contains(&p.js_name),
                    "{at}: the required argument `{}` is not passed",
                    p.js_name
                );
            }
        }
    }
    for (_, function) in LIST {
        assert!(
            calls.iter().any(|c| c.name == *function),
            "{function} is listed but ui/src/lib/ipc.ts has no wrapper for it"
        );
    }
}

#[test]
fn every_adapter_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src/commands");
    let mut files = Vec::new();
    rust_files(&dir, "", &mut files);
    let mut found = 0;
    for (module, path) in files {
        let src = strip_comments(&std::fs::read_to_string(&path).unwrap(), &['"']);
        for (at, _) in src.match_indices("#[tauri::command") {
            let after = &src[at..];
            let name = after[after.find("fn ").expect("a fn after the attribute") + 3..]
                .split(|c: char| !is_ident_char(c))
                .next()
                .unwrap();
            assert!(
                LIST.contains(&(module.as_str(), name)),
                "{module}::{name} is a command but not in src-tauri/commands.list"
            );
            found += 1;
        }
    }
    assert_eq!(found, LIST.len());
}

/// Each adapter is one call of the engine's API: `commands/<screen>.rs`'s
/// `name` calls `api::name(` of `scimwatch_engine::api::<screen>` (imported
/// `as api`), and no other API function.
#[test]
fn every_adapter_calls_its_api_function() {
    for &(module, function) in LIST {
        let file = module_file(module);
        let src = strip_comments(&read(&file), &['"']);
        let import = format!("scimwatch_engine::api::{module}");
        // Without whitespace: `use …::{self as api, …}` may span lines.
        let flat: String = src.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            flat.contains(&format!("use{import}asapi;"))
                || flat.contains(&format!("use{import}::{{selfasapi")),
            "{file}: imports no `{import} as api`"
        );
        let at = src
            .find(&format!("fn {function}("))
            .unwrap_or_else(|| panic!("{file}: no `fn {function}(`"));
        let body = &src[at..];
        let body = &body[..body.find("#[tauri::command").unwrap_or(body.len())];
        let calls: Vec<&str> = body
            .match_indices("api::")
            .map(|(i, _)| {
                let name = &body[i + "api::".len()..];
                name.split(|c: char| !is_ident_char(c))
                    .next()
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            calls,
            vec![function],
            "{file}: the adapter {function} calls {calls:?}, not exactly `api::{function}`"
        );
    }
}

#[test]
fn the_parsers_read_what_they_are_given() {
    let calls = js_calls(
        "// call(\"commented_out\")\n\
         async function call<T>(cmd: string, args?: Record<string, unknown>) { return invoke<T>(cmd, args); }\n\
         call<Page<EventRow>>(\"query_logs\", { id, filter: f(a, b), cursor });\n\
         call<null>(\"export_logs\", p === null ? { id } : { id, path });\n\
         call<number>(\"app_info\");",
    );
    let got: Vec<(usize, &str, Vec<Vec<&str>>)> = calls
        .iter()
        .map(|c| {
            let sets = c
                .arg_sets
                .iter()
                .map(|s| s.iter().map(String::as_str).collect());
            (c.line, c.name.as_str(), sets.collect())
        })
        .collect();
    assert_eq!(
        got,
        [
            (3, "query_logs", vec![vec!["cursor", "filter", "id"]]),
            (4, "export_logs", vec![vec!["id"], vec!["id", "path"]]),
            (5, "app_info", vec![vec![]]),
        ]
    );
    let params = adapter_params(
        "#[tauri::command]\npub async fn f(\n    app: AppHandle,\n    state: tauri::State<'_, AppState>,\n    \
         event_id: String,\n    limit: Option<u32>,\n) -> CommandResult<()> {}",
        "x.rs",
        "f",
    );
    let got: Vec<(&str, bool)> = params
        .iter()
        .map(|p| (p.js_name.as_str(), p.required))
        .collect();
    assert_eq!(got, [("eventId", true), ("limit", false)]);
}
