package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Exit statuses, so that scripts can tell a refusal from a typo from an
// outage.
const (
	exitOK         = 0
	exitRefused    = 1 // the server answered no: not found, invalid, denied, …
	exitUsage      = 2 // the command line is wrong; nothing was sent
	exitConnection = 3 // the server could not be reached or did not answer in time
)

// explain turns an error from a command into one line saying what went
// wrong and what to do, and the exit status. The line never holds the API
// key: the caller redacts it (see redact) in case a server echoes it.
func explain(err error, g *globals) (string, int) {
	var usage usageError
	if errors.As(err, &usage) {
		return usage.msg, exitUsage
	}
	st, ok := status.FromError(err)
	if !ok {
		return err.Error(), exitRefused
	}
	message := st.Message()
	switch st.Code() {
	case codes.Unauthenticated:
		if g.apiKey == "" && g.tlsCert == "" {
			return "no credentials: set " + envAPIKey + " or --api-key (meridiand prints a demo key at start)", exitRefused
		}
		return fmt.Sprintf("not authenticated (%s): check the key in %s or --api-key, or the --tls-cert (meridiand prints a demo key at start)",
			message, envAPIKey), exitRefused
	case codes.InvalidArgument:
		return "invalid request: " + invalidFields(st), exitRefused
	case codes.NotFound:
		return fmt.Sprintf("%s (your acquirer has nothing by that id; a list command shows what it has)", saying(message, "not found")), exitRefused
	case codes.AlreadyExists:
		if slices.Contains(violatedFields(st), "request_id") {
			return "the --request-id was used before for a different request: repeat that request exactly, or leave --request-id out for a new one", exitRefused
		}
		return fmt.Sprintf("%s (merchant and terminal ids are unique in the whole gateway: choose another)", saying(message, "already exists")), exitRefused
	case codes.PermissionDenied:
		return fmt.Sprintf("permission denied: %s (the API key's acquirer may not do this)", message), exitRefused
	case codes.FailedPrecondition:
		return fmt.Sprintf("refused: %s", message), exitRefused
	case codes.Unavailable:
		return fmt.Sprintf("cannot reach the admin API at %s over %s (%s): is meridiand running with the admin API on %s?",
			g.server, describeTransport(g), lastCause(message), g.server), exitConnection
	case codes.DeadlineExceeded:
		return fmt.Sprintf("no answer from the admin API at %s within --timeout %s: is meridiand running with the admin API on %s?",
			g.server, g.timeout, g.server), exitConnection
	case codes.Canceled:
		return "cancelled", exitConnection
	}
	return fmt.Sprintf("the admin API failed (%s): %s", st.Code(), message), exitRefused
}

// saying returns the server's message, prefixed with what happened unless
// it says so itself ("merchant M1: not found").
func saying(message, what string) string {
	if strings.Contains(strings.ToLower(message), what) {
		return message
	}
	return what + ": " + message
}

// violatedFields lists the fields a BadRequest detail names.
func violatedFields(st *status.Status) []string {
	var names []string
	for _, detail := range st.Details() {
		if request, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range request.GetFieldViolations() {
				names = append(names, v.GetField())
			}
		}
	}
	return names
}

// invalidFields lists the offending fields and their rules when the server
// attached them as a BadRequest detail, else the server's message, which
// names the field itself.
func invalidFields(st *status.Status) string {
	var violations []string
	for _, detail := range st.Details() {
		if request, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range request.GetFieldViolations() {
				violations = append(violations, v.GetField()+": "+v.GetDescription())
			}
		}
	}
	if len(violations) == 0 {
		return st.Message()
	}
	return strings.Join(violations, "; ")
}

// lastCause is the innermost cause of a gRPC transport error, which says
// what went wrong in a few words: `connection error: desc = "transport:
// Error while dialing: dial tcp 127.0.0.1:9584: connect: connection
// refused"` becomes "connection refused".
func lastCause(message string) string {
	message = strings.TrimRight(message, `"`)
	if i := strings.LastIndex(message, ": "); i >= 0 {
		return message[i+2:]
	}
	return message
}

// keyPattern matches anything shaped like an admin API key,
// "mk_<id>_<secret>", keeping the public id.
var keyPattern = regexp.MustCompile(`mk_([a-z2-7]+)_[A-Za-z0-9]+`)

// redact removes the key in use, and anything else shaped like a key (one
// pasted in the wrong place on the command line), from a message: a last
// guard, since no message the CLI writes is meant to hold one.
func redact(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[API key]")
	}
	return keyPattern.ReplaceAllString(s, "mk_${1}_[secret removed]")
}
