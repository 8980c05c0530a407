# scimwatch — the two commands of the README, plus the extras.
#   make run    build and open the desktop app (installs what is missing first)
#   make test   every test: fmt, clippy -D warnings, Rust, UI, bindings, end-to-end
SHELL := /bin/bash
.DEFAULT_GOAL := help
# One feature set for build and test, so nothing recompiles between steps.
APP_FEATURES := --features tauri/custom-protocol
export CARGO_TERM_COLOR ?= never

.PHONY: help run test app ui e2e

help:
	@echo "make run   — build and open the scimwatch desktop app"
	@echo "make test  — run every test (fmt, clippy, Rust, UI, end-to-end)"

ui:
	npm --prefix ui run build

app: ui
	cargo build $(APP_FEATURES) --workspace --bins

run:
	@scripts/install-deps.sh run
	@$(MAKE) --no-print-directory app
	scripts/run-app.sh

test:
	@scripts/install-deps.sh test
	scripts/test.sh

e2e: app
	xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- scripts/e2e.sh

.PHONY: verdicts
# Rewrite docs/VERDICTS.md from the verdict matrix (review the diff: every
# change there is a change in what scimwatch tells an admin).
verdicts:
	SCIMWATCH_WRITE_VERDICTS=1 cargo test -p scimwatch-engine --test it verdict_matrix::

.PHONY: bench
# Benchmarks (not part of `make test`): release build, writes BENCHMARKS.md.
bench:
	@scripts/install-deps.sh test
	npm --prefix ui run build
	cargo build --release $(APP_FEATURES) --workspace --bins
	dbus-run-session -- target/release/scimwatch-bench BENCHMARKS.md

.PHONY: soak
# Reliability soak (not part of `make test`, ~1 h): fuzz ≥ 10 min per target,
# kill -9 during log backfill and crawl, secrets scan, fault tests → RELIABILITY.md.
soak:
	@scripts/install-deps.sh test
	scripts/soak.sh
