# Banxing: `make run` starts a demo county, `make test` runs the whole suite.
# Each target installs what it needs (virtualenv, pinned packages, and for tests
# Debian's chromium + chromium-l10n + fonts-noto-cjk + nginx-light) so both work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/banxing.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench browser nginx lock clean fuzz

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/banxing demo --db $(DB) --if-empty
	@echo "王建国（wang.laoshi）在手机大小的浏览器窗口里打开下面的链接，就能登记他的手机："
	-@BANXING_HOST=$(HOST) BANXING_PORT=$(PORT) $(BIN)/banxing enrol-code --user wang.laoshi --db $(DB) --link
	$(BIN)/banxing serve --db $(DB) --host $(HOST) --port $(PORT)

# chromium-l10n: the browser tests run Chromium in Chinese (date inputs read 年/月/日).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q . \
			|| ! test -f /usr/lib/chromium/locales/zh-CN.pak; then \
		echo "installing Debian chromium + chromium-l10n + fonts-noto-cjk for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-l10n fonts-noto-cjk >/dev/null; \
	fi

# tests/e2e/test_nginx.py runs docs/nginx.conf in front of a real server.
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && ! test -x /usr/sbin/nginx; then \
		echo "installing Debian nginx-light for the reverse-proxy tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; \
	fi

# Lint gates run first: ruff (pyflakes, bugbear, import order, 120 columns) and mypy --strict.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Two workers, each test file kept whole on one (its module's server and browser started once): most of
# the suite waits on a browser or a server, so two at a time halve it on two cores (29 -> 15 minutes).
test: lint browser nginx
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

# Generated API requests (schemathesis over /api/openapi.json, and raw phone batches): more than
# 10,000 examples, no 5xx, every answer as the document describes; and generated posts to every web
# form (tests/http/pages/test_form_fuzz.py): no 5xx, no traceback, nothing written by a refusal; and
# generated query strings to every web page (test_query_fuzz.py): no 5xx, no traceback, no redirect
# off the site, no other unit's child. `make test` runs a few hundred.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=1100 $(BIN)/python -m pytest -q -p no:cacheprovider tests/http/test_fuzz.py \
		tests/http/test_push_never_wedges.py tests/http/pages/test_form_fuzz.py \
		tests/http/pages/test_query_fuzz.py

bench: $(STAMP) browser
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/reports_bench.py
	$(BIN)/python bench/pwa_bench.py
	$(BIN)/python bench/phone_year.py
	$(BIN)/python bench/pages.py

lock:
	$(BIN)/pip freeze --exclude-editable | sed '1i # Pinned dependencies (runtime + test + lint). Regenerate: make lock' > requirements.lock

clean:
	rm -rf $(VENV) data/*.db*
