// Package privacy derives hotline's keys from HOTLINE_SECRET_KEY and seals
// reporter contacts: AES-256-GCM for storage, HMAC-SHA-256 keyed hashes for
// look-ups, so a contact is never stored or compared in clear.
package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretSize is the size of HOTLINE_SECRET_KEY once decoded, in bytes.
const SecretSize = 32

// ErrBadSecret is returned for a HOTLINE_SECRET_KEY that is not 32 bytes of
// standard base64.
var ErrBadSecret = errors.New("HOTLINE_SECRET_KEY must be 32 random bytes, base64 (standard encoding)")

// ErrCannotOpen is returned when sealed data fails authentication (wrong key
// or tampering).
var ErrCannotOpen = errors.New("sealed data cannot be opened")

// ParseSecret decodes a base64 (standard encoding) secret of SecretSize
// bytes, or returns ErrBadSecret.
func ParseSecret(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != SecretSize {
		return nil, ErrBadSecret
	}
	return b, nil
}

// NewSecret returns a fresh random secret in the base64 form
// HOTLINE_SECRET_KEY takes (for `hotline demo` and tests).
func NewSecret() string {
	b := make([]byte, SecretSize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Keys holds the keys derived (HKDF-SHA-256) from the secret: one for
// encryption, one for keyed hashes. Safe for concurrent use.
type Keys struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewKeys derives Keys from a SecretSize-byte secret.
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) != SecretSize {
		return nil, ErrBadSecret
	}
	encKey, err := hkdf.Key(sha256.New, secret, nil, "hotline contact encryption v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive encryption key: %w", err)
	}
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "hotline contact hash v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive hash key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return &Keys{aead: aead, hashKey: hashKey}, nil
}

// Seal encrypts plaintext with AES-256-GCM, binding it to context (e.g.
// "contact:sms"); the result is nonce || ciphertext || tag.
func (k *Keys) Seal(plaintext []byte, context string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plaintext, []byte(context))
}

// Open reverses Seal with the same context, or returns ErrCannotOpen.
func (k *Keys) Open(sealed []byte, context string) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrCannotOpen
	}
	out, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
	if err != nil {
		return nil, ErrCannotOpen
	}
	return out, nil
}

// ContactHash returns HMAC-SHA-256(channel ":" contact), 32 bytes: the only
// form in which a contact is looked up.
func (k *Keys) ContactHash(channel, contact string) []byte {
	m := hmac.New(sha256.New, k.hashKey)
	m.Write([]byte(channel + ":" + contact))
	return m.Sum(nil)
}
