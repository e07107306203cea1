package main

import (
	"context"
	"flag"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var storesNoun = noun{
	name:    "stores",
	summary: "a merchant's stores (points of sale)",
	verbs: []verb{
		{name: "create", args: []string{"STORE_ID"}, setup: storesCreate,
			synopsis: "--merchant MERCHANT_ID --name NAME --city CITY [--address ADDRESS] [flags]",
			summary:  "add a store to a merchant",
			help: `Adds a store to an active or suspended merchant. STORE_ID is 1 to 32
characters of A-Z a-z 0-9 . _ - and unique within the merchant.

Examples:
  meridianctl stores create MITTE --merchant BERLINCAFE0001 --name "Cafe Berlin Mitte" \
      --address "Torstrasse 1" --city Berlin
`},
		{name: "list", setup: storesList,
			summary: "list stores",
			help: `Lists your merchants' stores, by merchant and store id.

Examples:
  meridianctl stores list
  meridianctl stores list --merchant BERLINCAFE0001 -o json
`},
		{name: "get", args: []string{"STORE_ID"}, setup: storesGet,
			synopsis: "--merchant MERCHANT_ID [flags]",
			summary:  "show one store",
			help: `Shows one store of a merchant.

Examples:
  meridianctl stores get MITTE --merchant BERLINCAFE0001
`},
	},
}

func storesCreate(fs *flag.FlagSet) action {
	merchant := fs.String("merchant", "", "`id` of the merchant the store belongs to")
	name := fs.String("name", "", "store `name`")
	address := fs.String("address", "", "street `address`")
	city := fs.String("city", "", "`city`")
	requestID := requestIDFlag(fs)
	return func(s *session, args []string) error {
		if err := missing("merchant", *merchant, "name", *name, "city", *city); err != nil {
			return err
		}
		request := &adminv1.CreateStoreRequest{RequestId: s.requestID(*requestID), Store: &adminv1.Store{
			Id: args[0], MerchantId: *merchant, Name: *name, Address: *address, City: *city,
		}}
		ctx, cancel := s.call()
		defer cancel()
		store, err := adminv1.NewStoreServiceClient(s.conn).CreateStore(ctx, request)
		if err != nil {
			return err
		}
		return s.showStore(store)
	}
}

func storesList(fs *flag.FlagSet) action {
	var l listFlags
	l.register(fs, "stores")
	merchant := fs.String("merchant", "", "only this merchant's stores (merchant `id`)")
	return func(s *session, _ []string) error {
		if err := l.check(); err != nil {
			return err
		}
		client := adminv1.NewStoreServiceClient(s.conn)
		request := &adminv1.ListStoresRequest{MerchantId: *merchant}
		result := &adminv1.ListStoresResponse{}
		next, err := s.walk(&l, func(ctx context.Context, size int32, token string) (int, string, error) {
			request.PageSize, request.PageToken = size, token
			page, err := client.ListStores(ctx, request)
			if err != nil {
				return 0, "", err
			}
			result.Stores = append(result.Stores, page.GetStores()...)
			return len(page.GetStores()), page.GetNextPageToken(), nil
		})
		if err != nil {
			return err
		}
		result.NextPageToken = next
		err = s.showList(result, len(result.GetStores()), "stores", func(t *table) {
			t.row("MERCHANT", "ID", "NAME", "CITY", "ADDRESS", "CREATED")
			for _, st := range result.GetStores() {
				t.row(st.GetMerchantId(), st.GetId(), st.GetName(), st.GetCity(), st.GetAddress(), when(st.GetCreateTime()))
			}
		})
		s.moreHint(next)
		return err
	}
}

func storesGet(fs *flag.FlagSet) action {
	merchant := fs.String("merchant", "", "`id` of the merchant the store belongs to")
	return func(s *session, args []string) error {
		if err := missing("merchant", *merchant); err != nil {
			return err
		}
		ctx, cancel := s.call()
		defer cancel()
		store, err := adminv1.NewStoreServiceClient(s.conn).GetStore(ctx, &adminv1.GetStoreRequest{MerchantId: *merchant, StoreId: args[0]})
		if err != nil {
			return err
		}
		return s.showStore(store)
	}
}

// showStore prints one store.
func (s *session) showStore(st *adminv1.Store) error {
	return s.out.show(st, func(t *table) {
		t.field("ID", st.GetId())
		t.field("Merchant", st.GetMerchantId())
		t.field("Name", st.GetName())
		t.field("Address", st.GetAddress())
		t.field("City", st.GetCity())
		t.field("Created", when(st.GetCreateTime()))
	})
}
