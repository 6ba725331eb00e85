package main

import (
	"context"
	"time"
)

// heldBackEvery is how often messages held back by the flood limit are
// classified: the longest a P1 hidden in a reporter's own flood waits.
const heldBackEvery = 2 * time.Second

// reclassifyHeldBack classifies held-back tips every heldBackEvery until ctx ends.
func (a *App) reclassifyHeldBack(ctx context.Context) {
	t := time.NewTicker(heldBackEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			n, err := a.Service.ReclassifyHeldBack(ctx, 100)
			if err != nil {
				a.Log.Error("reclassifying held-back tips failed", "err", err)
			}
			if err != nil || n < 100 {
				break
			}
		}
	}
}
