//go:build tools

// Package tools pins the Prometheus main packages so `go mod tidy` keeps
// their requirements; build.ts builds them with `go build`.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
