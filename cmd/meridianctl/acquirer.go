package main

import (
	"flag"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var whoamiNoun = noun{
	name:    "whoami",
	summary: "which acquirer the credentials are for",
	verbs: []verb{{setup: whoami,
		summary: "which acquirer the credentials are for",
		help: `Shows the acquirer the API key (or client certificate) belongs to, and who
the audit log will say made your changes: a quick check of the setup.

Examples:
  meridianctl whoami
`}},
}

var keysNoun = noun{
	name:    "keys",
	summary: "your acquirer's API keys",
	verbs: []verb{
		{name: "create", setup: keysCreate,
			synopsis: "[--name LABEL] [flags]",
			summary:  "issue a new API key (shown once)",
			help: `Issues a new API key for your acquirer and prints it this once: the
gateway keeps only a hash of it. Store it in a secret manager and hand it
to the program that needs it through MERIDIAN_API_KEY.

Examples:
  meridianctl keys create --name "ci pipeline"
`},
		{name: "list", setup: keysList,
			summary: "list the API keys, revoked ones too (never their secrets)",
			help: `Lists your acquirer's API keys, newest first, revoked ones included. A
key's secret is never shown again after it is issued.

Examples:
  meridianctl keys list
`},
		{name: "revoke", args: []string{"KEY_ID"}, setup: keysRevoke,
			summary: "revoke an API key at once",
			help: `Revokes an API key: every later call with it is refused. KEY_ID is the
part of the key between "mk_" and the second "_", as keys list shows.

Examples:
  meridianctl keys revoke 3kq9x2
`},
	},
}

func whoami(fs *flag.FlagSet) action {
	return func(s *session, _ []string) error {
		ctx, cancel := s.call()
		defer cancel()
		me, err := adminv1.NewAcquirerServiceClient(s.conn).GetAcquirer(ctx, &adminv1.GetAcquirerRequest{})
		if err != nil {
			return err
		}
		return s.out.show(me, func(t *table) {
			t.field("Acquirer", me.GetAcquirer().GetId())
			t.field("Name", me.GetAcquirer().GetName())
			t.field("Status", enumWord(me.GetAcquirer().GetStatus().String(), "ACQUIRER_STATUS_"))
			t.field("You are", me.GetActor())
		})
	}
}

func keysCreate(fs *flag.FlagSet) action {
	name := fs.String("name", "", "a `label` for the key, e.g. \"ci pipeline\"")
	requestID := requestIDFlag(fs)
	return func(s *session, _ []string) error {
		ctx, cancel := s.call()
		defer cancel()
		created, err := adminv1.NewAcquirerServiceClient(s.conn).CreateApiKey(ctx,
			&adminv1.CreateApiKeyRequest{RequestId: s.requestID(*requestID), DisplayName: *name})
		if err != nil {
			return err
		}
		err = s.out.show(created, func(t *table) {
			showKey(t, created.GetApiKey())
			if created.GetSecret() != "" {
				t.field("Key", created.GetSecret())
			}
		})
		if err == nil && created.GetSecret() == "" {
			s.note("This request id was used before: the key was issued then and cannot be shown again.")
		}
		return err
	}
}

func keysList(fs *flag.FlagSet) action {
	return func(s *session, _ []string) error {
		ctx, cancel := s.call()
		defer cancel()
		keys, err := adminv1.NewAcquirerServiceClient(s.conn).ListApiKeys(ctx, &adminv1.ListApiKeysRequest{})
		if err != nil {
			return err
		}
		return s.out.show(keys, func(t *table) {
			t.row("ID", "NAME", "CREATED BY", "CREATED", "REVOKED")
			for _, k := range keys.GetApiKeys() {
				t.row(k.GetId(), k.GetDisplayName(), k.GetCreatedBy(), when(k.GetCreateTime()), when(k.GetRevokeTime()))
			}
		})
	}
}

func keysRevoke(fs *flag.FlagSet) action {
	return func(s *session, args []string) error {
		ctx, cancel := s.call()
		defer cancel()
		key, err := adminv1.NewAcquirerServiceClient(s.conn).RevokeApiKey(ctx, &adminv1.RevokeApiKeyRequest{KeyId: args[0]})
		if err != nil {
			return err
		}
		return s.out.show(key, func(t *table) { showKey(t, key) })
	}
}

// showKey prints an API key's metadata.
func showKey(t *table, k *adminv1.ApiKey) {
	t.field("ID", k.GetId())
	t.field("Name", k.GetDisplayName())
	t.field("Created by", k.GetCreatedBy())
	t.field("Created", when(k.GetCreateTime()))
	t.field("Revoked", when(k.GetRevokeTime()))
}
