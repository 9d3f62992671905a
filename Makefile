# FasterAPI: the two commands are `make demo` (install what is missing, build
# the examples, serve one) and `make test` (every test). See README.md.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
GUEST_TARGET := $(CURDIR)/target/guests
COMPONENTS := target/components
LISTEN ?= 127.0.0.1:8080
FASTERAPI := target/release/fasterapi
# Cases per property test (random requests, manifests and guest answers):
# 20,000 take about 4 s; raise it for a longer fuzz run.
PROPTEST_CASES ?= 20000
export PROPTEST_CASES

.PHONY: wheel bench-testclient bench-density demo test setup wasm-target venv redis-server registry-server host examples bench bench-micro lint clean update-swagger-ui

## Install what is missing, build the host and the examples, serve them all
## (examples/fasterapi.toml) on $(LISTEN).
demo: setup host examples
	@echo "serving examples/fasterapi.toml on http://$(LISTEN)  (try: curl http://$(LISTEN)/users/123)"
	$(FASTERAPI) serve examples/fasterapi.toml --listen $(LISTEN)

## Run every test: Rust unit tests, end-to-end tests over loopback that build
## the example and test guests from source, the benchmarks once in test mode
## (so they cannot rot), doc tests, the Python SDK's unit tests, and the
## differential test of Python apps against real FastAPI, and the density
## benchmark in its test mode (20 Rust and 5 Python apps in one host), and
## the Python package: its wheel installed into a fresh venv with no Rust
## toolchain on PATH, then `fasterapi new python`, `build`, and a TestClient
## test; then installed here, so the differential test also compares every
## answer through FasterAPI's TestClient with FastAPI's; and the Kubernetes
## manifests in deploy/, validated against the API's schemas.
test: setup
	cargo test --workspace --all-targets
	cargo test --workspace --doc
	$(VENV)/bin/python -m pytest -q python/tests
	bash tests/wheel/run.sh
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --force-reinstall target/wheel-test/wheels/fasterapi-*.whl
	FASTERAPI_SDK=installed $(VENV)/bin/python -m pytest -q python/tests
	FASTERAPI_REQUIRE_TESTCLIENT=1 $(VENV)/bin/python -m pytest -q tests/python
	$(VENV)/bin/python benches/density.py --quick --host target/debug/fasterapi
	VENV=$(VENV) bash deploy/validate.sh

setup: wasm-target venv redis-server registry-server

## A real Redis for the Redis kv backend's tests (Debian's package; needs root).
redis-server:
	@command -v redis-server >/dev/null || { \
		echo "installing redis-server (apt)"; \
		(apt-get install -y -qq redis-server >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)) || \
		{ echo "cannot install redis-server: install it (apt-get install redis-server) and retry"; exit 1; }; }

## A real OCI registry (the CNCF distribution server) and htpasswd for the
## registry tests (Debian's packages; needs root).
registry-server:
	@command -v docker-registry >/dev/null && command -v htpasswd >/dev/null || { \
		echo "installing docker-registry and apache2-utils (apt)"; \
		(apt-get install -y -qq docker-registry apache2-utils >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq docker-registry apache2-utils >/dev/null)) || \
		{ echo "cannot install docker-registry: install it (apt-get install docker-registry apache2-utils) and retry"; exit 1; }; }

## The Rust target guests are compiled for.
wasm-target:
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2

## A local Python environment with the FastAPI yardstick for side-by-side tests.
venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch $@

host:
	cargo build --release -p fasterapi-host

## The Python package (SDK, `fasterapi` command, TestClient) as a wheel in
## target/wheels/: `pip install target/wheels/fasterapi-*.whl`.
wheel: venv
	$(VENV)/bin/pip install --quiet --disable-pip-version-check maturin==1.16.0
	cd python && ../$(VENV)/bin/maturin build --release --out ../target/wheels

## Every example, Rust and Python, into $(COMPONENTS)/NAME.wasm.
examples: host wasm-target
	@mkdir -p $(COMPONENTS)
	@for app in examples/*/; do app=$${app%/}; \
		CARGO_TARGET_DIR=$(GUEST_TARGET) $(FASTERAPI) build $$app -o $(COMPONENTS)/$$(basename $$app).wasm || exit 1; \
	done

## The load benchmark: the bare hyper ceiling, FasterAPI (Rust and Python guests,
## both instance modes) and FastAPI/uvicorn, pinned to one core each; one table.
## Then the wasi:http benchmark: a wstd component under FasterAPI and under
## `wasmtime serve` (wasmtime-cli installed once into target/tools), and a guest
## calling out per request against the ceiling's hyper client.
bench: host examples
	@command -v wrk >/dev/null || { echo "installing wrk (apt)"; \
		(apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)) || \
		{ echo "cannot install wrk: install it (apt-get install wrk) and retry"; exit 1; }; }
	cargo build --release -p fasterapi-ceiling
	$(PYTHON) benches/load.py
	$(PYTHON) benches/wasi_http.py

## Density: 1,000 distinct Rust apps and 200 distinct Python apps in one host
## (generated, built once into target/density/): time to ready, compile CPU,
## RSS per idle app, cache disk, first-request latency of idle apps, and
## deploy-to-first-answer of new apps. `make test` runs it with 20 and 5.
bench-density: host
	$(PYTHON) benches/density.py

## Requests per second through FasterAPI's TestClient and FastAPI's, same
## app, same run, in a venv with the release wheel and FastAPI.
bench-testclient: wheel
	@test -x target/bench-testclient/venv/bin/python || $(PYTHON) -m venv target/bench-testclient/venv
	target/bench-testclient/venv/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/wheels/fasterapi-*.whl
	target/bench-testclient/venv/bin/pip install --quiet --disable-pip-version-check target/wheels/fasterapi-*.whl -r tests/requirements.txt
	target/bench-testclient/venv/bin/python benches/testclient.py

## Criterion micro-benchmarks: router, typed parameters, fresh and warm guest calls,
## and a whole request through the trigger (no socket).
bench-micro: examples
	cargo bench -p fasterapi-host --bench dispatch

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

## Replaces the Swagger UI files built into the host (`/docs`) with a release
## from npm: make update-swagger-ui SWAGGER_UI=5.35.0 (then update
## SWAGGER_UI_VERSION in host/src/trigger/docs.rs).
SWAGGER_UI ?= 5.35.0
update-swagger-ui:
	rm -rf target/swagger-ui && mkdir -p target/swagger-ui
	cd target/swagger-ui && npm pack --silent swagger-ui-dist@$(SWAGGER_UI) && tar xzf swagger-ui-dist-*.tgz
	cd target/swagger-ui/package && cp swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css \
		favicon-32x32.png LICENSE NOTICE ../../../host/assets/swagger-ui/

clean:
	cargo clean
	rm -rf $(VENV)
