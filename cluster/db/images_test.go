package db

import (
	"context"
	"strings"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func TestImagesAndAliases(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	fpA, fpB := "aa11"+strings.Repeat("0", 60), "aa22"+strings.Repeat("0", 60)
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		member, err := tx.CreateMember(ctx, Member{Name: "none", Address: "0.0.0.0", SchemaVersion: SchemaVersion()})
		if err != nil {
			return err
		}
		img := Image{Project: "default", Fingerprint: fpA, Size: 10, Architecture: "x86_64", Type: "container",
			Properties: JSONMap{"os": "x"}, Profiles: []string{"default"}}
		idA, err := tx.CreateImage(ctx, img, "default", member)
		if err != nil {
			return err
		}
		if _, err := tx.CreateImage(ctx, img, "default", member); api.StatusOf(err) != 409 {
			t.Errorf("duplicate image: %v", err)
		}
		return checkImageLookups(t, ctx, tx, idA, fpA)
	})
	if err != nil {
		t.Fatal(err)
	}
	// An unknown profile fails the transaction: no row is left.
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		img := Image{Project: "default", Fingerprint: fpB, Architecture: "x86_64", Type: "container", Profiles: []string{"nosuch"}}
		_, err := tx.CreateImage(ctx, img, "default", 1)
		return err
	})
	if api.StatusOf(err) != 400 || err.Error() != `Profile "nosuch" doesn't exist` {
		t.Fatalf("unknown profile: %v", err)
	}
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.ImageByFingerprintPrefix(ctx, "default", "aa2")
		return err
	})
	if api.StatusOf(err) != 404 {
		t.Fatalf("image of a failed transaction: %v", err)
	}
}

func checkImageLookups(t *testing.T, ctx context.Context, tx *Tx, idA int64, fpA string) error {
	tests := []struct {
		prefix string
		status int
	}{{"aa1", 200}, {fpA, 200}, {"aa2", 404}, {"", 404}, {"a%", 404}, {"bb", 404}}
	for _, tt := range tests {
		_, err := tx.ImageByFingerprintPrefix(ctx, "default", tt.prefix)
		if got := api.StatusOf(err); got != tt.status {
			t.Errorf("prefix %q: %d %v", tt.prefix, got, err)
		}
	}
	other := Image{Project: "default", Fingerprint: "aa33" + strings.Repeat("0", 60), Architecture: "x86_64", Type: "container"}
	if _, err := tx.CreateImage(ctx, other, "default", 1); err != nil {
		return err
	}
	if _, err := tx.ImageByFingerprintPrefix(ctx, "default", "aa"); api.StatusOf(err) != 400 {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if _, err := tx.CreateImageAlias(ctx, "default", "a", idA, "d"); err != nil {
		return err
	}
	_, err := tx.CreateImageAlias(ctx, "default", "a", idA, "")
	if api.StatusOf(err) != 409 || err.Error() != `Alias "a" already exists` {
		t.Errorf("duplicate alias: %v", err)
	}
	bID, err := tx.CreateImageAlias(ctx, "default", "b", idA, "")
	if err != nil {
		return err
	}
	if err := tx.RenameImageAlias(ctx, bID, "a"); api.StatusOf(err) != 409 {
		t.Errorf("rename onto a taken name: %v", err)
	}
	img, err := tx.ImageByFingerprintPrefix(ctx, "default", fpA)
	if err != nil {
		return err
	}
	if len(img.Aliases) != 2 || img.Aliases[0].Type != "container" || len(img.Profiles) != 1 || img.Properties["os"] != "x" {
		t.Errorf("image relations: %+v", img)
	}
	if err := tx.DeleteImage(ctx, idA); err != nil {
		return err
	}
	if _, err := tx.ImageAlias(ctx, "default", "a"); api.StatusOf(err) != 404 {
		t.Errorf("alias survived its image: %v", err)
	}
	inUse, err := tx.ImageFingerprintInUse(ctx, fpA)
	if inUse {
		t.Error("deleted fingerprint still in use")
	}
	return err
}
