#!/usr/bin/env bash
# Regenerates the Go code for every .proto under proto/.
#
# Needs protoc (Debian: apt-get install protobuf-compiler) and the two Go
# plugins, pinned to the versions the committed code was made with:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$(go env GOPATH)/bin:$PATH"
for f in $(find meridian -name '*.proto' | sort); do
  protoc -I . \
    --go_out=. --go_opt=paths=source_relative \
    --go-grpc_out=. --go-grpc_opt=paths=source_relative \
    "$f"
done
