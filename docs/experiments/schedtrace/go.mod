// A module of its own, so that Meridian's does not depend on
// golang.org/x/exp: see main.go.
module github.com/meridian-gw/meridian/docs/experiments/schedtrace

go 1.26.0

require golang.org/x/exp v0.0.0-20261014143641-f0251eb4aa3e
