package hotline

import "errors"

// Error kinds callers branch on. Adapters wrap them with context (%w); one
// function in the web package maps each to an HTTP status.
var (
	// ErrNotFound: the thing asked for does not exist (or the caller may not know it does).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change collides with the current state (e.g. a duplicate).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input is malformed or out of range.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: the caller may not do this.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrTemporary: a dependency failed; retrying later may succeed.
	ErrTemporary = errors.New("temporary failure")
)
