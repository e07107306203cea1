package admin

import (
	"context"
	"errors"
	"fmt"
)

// Operator does what only the gateway's operator may, outside the API and
// its authentication: create and suspend acquirers, issue and revoke their
// API keys, map client certificates to them, and give merchants onboarded
// from the configuration file to one of them. meridiand wraps these in its
// `admin` subcommands. Every change is audited, its actor "operator".
type Operator struct {
	Store Store
}

func operatorEvent(action, object string, change any) AuditEvent {
	return AuditEvent{Actor: operatorActor, Action: action, Object: object, Change: changeJSON(change)}
}

// CreateAcquirer creates an active acquirer. id is 1 to 32 characters of
// A-Z a-z 0-9 . _ -; name 1 to 100 characters. ErrAlreadyExists if the ID
// is taken.
func (o Operator) CreateAcquirer(ctx context.Context, id, name string) (*Acquirer, error) {
	v := &violations{}
	checkToken(v, "id", id, acquirerIDMax)
	checkText(v, "name", name, 1, nameMax)
	if err := v.err(); err != nil {
		return nil, fmt.Errorf("admin: create acquirer: %w", err)
	}
	a := &Acquirer{ID: id, Name: name, Status: AcquirerActive}
	ev := operatorEvent("acquirer.create", "acquirers/"+id, map[string]string{"id": id, "name": name})
	if err := o.Store.CreateAcquirer(ctx, a, ev); err != nil {
		return nil, fmt.Errorf("admin: create acquirer %s: %w", id, err)
	}
	return a, nil
}

// IssueKey issues a new API key of the acquirer and returns it with its
// full text, "mk_<id>_<secret>", which is never stored and cannot be shown
// again: hand it to the acquirer now.
func (o Operator) IssueKey(ctx context.Context, acquirerID, name string) (*APIKey, string, error) {
	v := &violations{}
	checkText(v, "name", name, 0, keyNameMax)
	if err := v.err(); err != nil {
		return nil, "", fmt.Errorf("admin: issue key: %w", err)
	}
	k, text := newKey(acquirerID, name, operatorActor)
	ev := operatorEvent("api_key.create", apiKeyObject(k.ID), map[string]string{"id": k.ID, "display_name": name})
	ev.AcquirerID = acquirerID
	// A fresh request ID: an operator's command is not retried blindly.
	req := Request{ID: "operator-" + randomText(10), Hash: k.ID, Audit: ev}
	stored, err := o.Store.CreateAPIKey(ctx, k, req)
	if err != nil {
		return nil, "", fmt.Errorf("admin: issue key for %s: %w", acquirerID, err)
	}
	return stored, text, nil
}

// RevokeKey revokes one of the acquirer's keys at once.
func (o Operator) RevokeKey(ctx context.Context, acquirerID, keyID string) (*APIKey, error) {
	ev := operatorEvent("api_key.revoke", apiKeyObject(keyID), map[string]any{"revoked": true})
	k, err := o.Store.RevokeAPIKey(ctx, acquirerID, keyID, ev)
	if err != nil {
		return nil, fmt.Errorf("admin: revoke key %s of %s: %w", keyID, acquirerID, err)
	}
	return k, nil
}

// SetAcquirerStatus suspends (every call of the acquirer is then refused)
// or reactivates an acquirer.
func (o Operator) SetAcquirerStatus(ctx context.Context, acquirerID string, status AcquirerStatus) (*Acquirer, error) {
	ev := operatorEvent("acquirer."+map[AcquirerStatus]string{AcquirerActive: "activate", AcquirerSuspended: "suspend"}[status],
		"acquirers/"+acquirerID, map[string]any{"status": status})
	a, err := o.Store.SetAcquirerStatus(ctx, acquirerID, status, ev)
	if err != nil {
		return nil, fmt.Errorf("admin: set status of acquirer %s: %w", acquirerID, err)
	}
	return a, nil
}

// MapCertificate lets a verified client certificate authenticate as the
// acquirer. subject is "CN=<common name>" or a URI SAN as written in the
// certificate (e.g. "spiffe://acme.example/admin").
func (o Operator) MapCertificate(ctx context.Context, subject, acquirerID string) error {
	if subject == "" || len(subject) > 512 || !printable(subject, true) {
		return fmt.Errorf("admin: map certificate: subject must be 1 to 512 printable ASCII characters")
	}
	ev := operatorEvent("certificate.map", "certificates/"+subject, map[string]string{"subject": subject})
	if err := o.Store.MapCertificate(ctx, subject, acquirerID, ev); err != nil {
		return fmt.Errorf("admin: map certificate %q to %s: %w", subject, acquirerID, err)
	}
	return nil
}

// UnmapCertificate removes a subject's mapping.
func (o Operator) UnmapCertificate(ctx context.Context, subject string) error {
	ev := operatorEvent("certificate.unmap", "certificates/"+subject, map[string]string{"subject": subject})
	if err := o.Store.UnmapCertificate(ctx, subject, ev); err != nil {
		return fmt.Errorf("admin: unmap certificate %q: %w", subject, err)
	}
	return nil
}

// AssignMerchant gives a merchant onboarded from the configuration file to
// the acquirer, which can then see and manage it, its terminals and its
// transactions through the API.
func (o Operator) AssignMerchant(ctx context.Context, acquirerID, merchantID string) (*Merchant, error) {
	ev := operatorEvent("merchant.assign", merchantObject(merchantID), map[string]string{"acquirer_id": acquirerID})
	m, err := o.Store.AssignMerchant(ctx, acquirerID, merchantID, ev)
	if err != nil {
		return nil, fmt.Errorf("admin: assign merchant %s to %s: %w", merchantID, acquirerID, err)
	}
	return m, nil
}

// Bootstrap makes sure the acquirer exists (creating it, active, unless
// an acquirer with that ID does) and issues it a new API key, returning
// the key's full text: meridiand's demo prints it so that a newcomer can
// use meridianctl at once.
func Bootstrap(ctx context.Context, st Store, acquirerID, name string) (*Acquirer, string, error) {
	op := Operator{Store: st}
	a, err := op.CreateAcquirer(ctx, acquirerID, name)
	if errors.Is(err, ErrAlreadyExists) {
		a, err = st.Acquirer(ctx, acquirerID)
	}
	if err != nil {
		return nil, "", fmt.Errorf("admin: bootstrap %s: %w", acquirerID, err)
	}
	_, key, err := op.IssueKey(ctx, acquirerID, "bootstrap")
	if err != nil {
		return nil, "", fmt.Errorf("admin: bootstrap %s: %w", acquirerID, err)
	}
	return a, key, nil
}
