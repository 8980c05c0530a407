#!/usr/bin/env python3
"""Dependency policy, checked offline in `make test` (what `cargo deny check
licenses bans` would check, without installing it): every crate linked into
scimwatch on Linux has a licence the project accepts, and every crate that is
present in more than one version is listed, with the reason, in
CONTRIBUTING.md's "Dependencies" section — and nothing listed there is stale.

Reads `cargo metadata --offline --locked` (the crates are already downloaded
by the build steps before it). Exit 0 clean, 1 policy broken, 2 could not
check.
"""
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "CONTRIBUTING.md"
BEGIN, END = "<!-- deps:begin -->", "<!-- deps:end -->"


def policy():
    text = POLICY.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"check-deps: {POLICY} has no {BEGIN} … {END} section")
    section = text.split(BEGIN, 1)[1].split(END, 1)[0]
    allowed = None
    dups = {}
    for line in section.splitlines():
        m = re.match(r"^Accepted licences:\s*(.+)$", line.strip())
        if m:
            allowed = {x.strip().strip("`") for x in m.group(1).rstrip(".").split(",")}
        m = re.match(r"^\|\s*`([A-Za-z0-9_.-]+)`\s*\|\s*([^|]+)\|\s*([^|]+)\|\s*$", line)
        if m:
            versions = {v.strip().strip("`") for v in m.group(2).split(",") if v.strip()}
            if not m.group(3).strip():
                sys.exit(f"check-deps: `{m.group(1)}` is listed without a reason")
            dups[m.group(1)] = versions
    if not allowed:
        sys.exit("check-deps: CONTRIBUTING.md names no 'Accepted licences:' line")
    return allowed, dups


# --- SPDX expressions: OR, AND, WITH, parentheses; '/' is the old OR -------
def tokens(expr):
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+", expr.replace("/", " OR "))


def satisfied(expr, allowed):
    toks = tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        t = take()
        if t == "(":
            v = disj()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expr!r}")
            return v
        if peek() == "WITH":
            take()
            exc = take()
            return f"{t} WITH {exc}" in allowed or t in allowed
        return t in allowed

    def conj():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disj():
        v = conj()
        while peek() == "OR":
            take()
            v = conj() or v
        return v

    ok = disj()
    if pos != len(toks):
        raise ValueError(f"cannot read licence expression {expr!r}")
    return ok


def main():
    allowed, listed = policy()
    try:
        out = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked", "--offline",
             "--filter-platform", "x86_64-unknown-linux-gnu"],
            cwd=ROOT, check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as e:
        print(f"check-deps: could not check: cargo metadata failed:\n{e.stderr}", file=sys.stderr)
        return 2
    meta = json.loads(out)
    pkgs = {p["id"]: p for p in meta["packages"]}
    members = set(meta["workspace_members"])
    problems = []
    versions = defaultdict(set)
    for node in meta["resolve"]["nodes"]:
        p = pkgs[node["id"]]
        if node["id"] in members:
            continue
        versions[p["name"]].add(p["version"])
        lic = p.get("license")
        if not lic:
            problems.append(f"{p['name']} {p['version']}: no SPDX licence in its manifest")
            continue
        try:
            if not satisfied(lic, allowed):
                problems.append(f"{p['name']} {p['version']}: licence {lic!r} is not accepted")
        except ValueError as e:
            problems.append(f"{p['name']} {p['version']}: {e}")
    dups = {n: v for n, v in versions.items() if len(v) > 1}
    for name, vs in sorted(dups.items()):
        if name not in listed:
            problems.append(
                f"{name} is linked in {len(vs)} versions ({', '.join(sorted(vs))}): "
                "unify it, or list it with the reason in CONTRIBUTING.md (Dependencies)")
        elif listed[name] != vs:
            problems.append(
                f"{name}: CONTRIBUTING.md lists {', '.join(sorted(listed[name]))}, "
                f"the build links {', '.join(sorted(vs))}")
    for name in sorted(set(listed) - set(dups)):
        problems.append(f"{name} is listed as a duplicate in CONTRIBUTING.md but is not one any more: remove the row")
    if problems:
        print("dependency policy broken:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"dependencies: {sum(len(v) for v in versions.values())} crates, licences accepted, "
          f"{len(dups)} duplicated crates all listed with their reason")
    return 0


if __name__ == "__main__":
    sys.exit(main())
