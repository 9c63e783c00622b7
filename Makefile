# Thin entry points: the work is done by the scripts in scripts/ (see README.md).
SHELL := /bin/bash

.PHONY: up down clean test bench build deps

up:     ## build and run the whole platform locally (no Docker engine needed)
	@scripts/up.sh

down:   ## stop what `make up` started (data kept)
	@scripts/down.sh

clean:  ## make down and delete .platform/ (data, logs, binaries)
	@scripts/clean.sh

test:   ## run the test suite against its own throwaway PostgreSQL, RabbitMQ and IPFS node
	@scripts/test.sh

bench:  ## run the benchmarks (bench/run.sh)
	@scripts/bench.sh

build:  ## Release build of the solution
	@scripts/build.sh

deps:   ## install what is missing (apt packages, npm ci for dev/ipfs-node, local NuGet feed)
	@scripts/deps.sh
