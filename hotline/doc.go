// Package hotline holds the domain of the anti-trafficking hotline: tips and
// the messages they are made of, reporters (always referred to by an opaque
// id), responders and their duty roster, counties, triage levels, routing and
// escalation. It performs no I/O: storage, queues and channels live in
// adapters that depend on this package, never the reverse.
package hotline
