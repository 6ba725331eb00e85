package privacy

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	secret, err := ParseSecret(NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.Seal([]byte("+355690001234"), "contact:sms")
	if bytes.Contains(sealed, []byte("355690001234")) {
		t.Fatal("sealed data contains the plaintext")
	}
	got, err := k.Open(sealed, "contact:sms")
	if err != nil || string(got) != "+355690001234" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, "contact:telegram"); !errors.Is(err, ErrCannotOpen) {
		t.Fatalf("Open with another context = %v, want ErrCannotOpen", err)
	}
	other, _ := NewKeys(bytes.Repeat([]byte{7}, SecretSize))
	if _, err := other.Open(sealed, "contact:sms"); !errors.Is(err, ErrCannotOpen) {
		t.Fatalf("Open with another key = %v, want ErrCannotOpen", err)
	}
	if bytes.Equal(k.ContactHash("sms", "+1"), other.ContactHash("sms", "+1")) {
		t.Fatal("keyed hash does not depend on the key")
	}
	if !bytes.Equal(k.ContactHash("sms", "+1"), k.ContactHash("sms", "+1")) {
		t.Fatal("keyed hash is not deterministic")
	}
}

func TestParseSecret(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"32 bytes", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true},
		{"empty", "", false},
		{"16 bytes", "AAAAAAAAAAAAAAAAAAAAAA==", false},
		{"not base64", "not base64 at all!", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSecret(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseSecret(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}
