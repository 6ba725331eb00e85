package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline/privacy"
)

// defaultDemoDir is where `hotline demo` keeps what must survive a restart
// (its secret key) unless HOTLINE_DEMO_DIR says otherwise; scripts/demo
// keeps Postgres and Redis there too.
const defaultDemoDir = ".demo"

// demoKeyFile is the name, inside the demo directory, of the file holding
// the demo's HOTLINE_SECRET_KEY (base64, mode 0600).
const demoKeyFile = "secret_key"

// demoSecret returns the demo's secret key: the one kept in dir, or a new
// one written there (mode 0600) on the first start. The same key across
// restarts keeps keyed hashes (STOP, follow-ups) and sealed contacts valid
// against the Postgres data kept beside it.
func demoSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, demoKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := privacy.ParseSecret(string(b))
		if err != nil {
			return nil, fmt.Errorf("demo key %s: %w (remove %s to start afresh)", path, err, dir)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo key: %w", err)
	}
	secret := privacy.NewSecret()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another demo wrote it first
		return demoSecret(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("demo key: %w", err)
	}
	_, werr := f.WriteString(secret + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, fmt.Errorf("demo key %s: %w", path, werr)
	}
	return privacy.ParseSecret(strings.TrimSpace(secret))
}

// demoFirstUpdateID is where the demo's fake Telegram starts numbering
// updates: the clock in milliseconds, so ids after a restart are above
// those of earlier runs (kept in Postgres and Redis for de-duplication).
func demoFirstUpdateID(now time.Time) int64 { return now.UnixMilli() }
