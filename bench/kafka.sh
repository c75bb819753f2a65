#!/usr/bin/env bash
# Kafka sink benchmarks (issue 15): messages/s from a backlog (DEBEZIUM and CANAL JSON) and
# the p50/p99 delay at 2,000 changes/s, against the in-process broker (kfake), 3 runs each.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./endpoint/kafka/ -run '^$' -bench Backlog -benchtime 200000x -count 3
go test ./endpoint/kafka/ -run '^$' -bench Live2000 -benchtime 1x -count 3
