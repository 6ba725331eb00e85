package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

func demo(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	return errors.New("demo: not wired yet")
}
