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

.PHONY: bench
# Benchmarks (not part of `make test`): release build, writes BENCHMARKS.md.
bench:
	@scripts/install-deps.sh test
	cargo run --release -p scimwatch-bench -- BENCHMARKS.md
