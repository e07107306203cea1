// Package proto holds the .proto sources of Meridian's gRPC contracts and the
// Go code generated from them (committed). Regenerate with proto/generate.sh.
package proto

//go:generate ./generate.sh
