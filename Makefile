# Civica: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := .build/civica

.PHONY: run test bench build generate check deps-run deps-test vendor-static clean

## run: set up what is missing, start a private PostgreSQL, migrate, load the demo comuni, serve on :8080
run: deps-run build
	@exec $(BIN) dev

## test: vet, then every test (unit, PostgreSQL, Chromium + axe) against a private PostgreSQL
test: deps-test build
	$(GO) vet ./...
	$(BIN) devdb -- $(GO) test -count=1 -timeout 30m ./...

## bench: pages, submissions, booking (free slots, bookings), the desk at 1M applications and a campaign to 100,000 citizens, each against a baseline in the same run
bench: deps-run build
	$(BIN) bench -apps 1000000 -campaign 100000

build:
	@mkdir -p .build
	$(GO) build -o $(BIN) ./cmd/civica

## generate: regenerate templ views (the generated files are committed)
generate:
	$(GO) tool templ generate

## check: generated code and formatting as committed (CI runs this)
check: generate
	@git diff --exit-code -- '*_templ.go' || { echo "templ output drifted from the .templ sources: run make generate and commit"; exit 1; }
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'); echo "gofmt needed"; exit 1; }

deps-run:
	@bash .ci/ensure-deps run

deps-test:
	@bash .ci/ensure-deps test

## vendor-static: refresh static/vendor from the pinned npm packages (needs npm; not needed to build)
vendor-static:
	bash static/vendor.sh

clean:
	rm -rf .build
