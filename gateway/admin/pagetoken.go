package admin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"google.golang.org/protobuf/proto"
)

// A page token is a position in a list: the sort key of the last item
// served, and a fingerprint of the list's filter and acquirer, so that a
// token is refused with another filter (the list would skip or repeat
// items) or by another acquirer. It is base64url JSON: opaque to callers,
// and harmless if forged, since every query is filtered by the caller's
// acquirer anyway.
type pageToken struct {
	Filter string   `json:"f"`
	Keys   []string `json:"k,omitempty"`
	Time   int64    `json:"t,omitempty"`
	Seq    int64    `json:"n,omitempty"`
}

// pageTokenMax bounds a token's length before it is decoded.
const pageTokenMax = 1024

// fingerprint identifies a list request's filter: filter is the request
// with page_size and page_token cleared.
func fingerprint(method, acquirerID string, filter proto.Message) string {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(filter) // a valid message always marshals
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(acquirerID))
	h.Write([]byte{0})
	h.Write(b)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t) // strings and integers always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken reads text, which must have been issued for a list with
// the fingerprint filter, into t; an empty text is the first page (false).
// keys is how many sort keys the list's tokens hold.
func decodePageToken(v *violations, text, filter string, keys int) (t pageToken, ok bool) {
	if text == "" {
		return pageToken{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err == nil && len(text) <= pageTokenMax {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || len(text) > pageTokenMax || t.Filter != filter || len(t.Keys) != keys {
		v.add("page_token", "is not a token of this list with this filter; pass back next_page_token unchanged, with the same filter")
		return pageToken{}, false
	}
	return t, true
}

// page cuts a list read with one item more than size to size, and says
// whether there is a next page.
func page[T any](list []T, size int) ([]T, bool) {
	if len(list) > size {
		return list[:size], true
	}
	return list, false
}
