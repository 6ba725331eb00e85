package telegram

import (
	"testing"
	"time"
)

func TestSendLimitsPerChat(t *testing.T) {
	var l sendLimits
	for _, tc := range []struct {
		chat     int64
		minDelay time.Duration
	}{
		{100000201, 500 * time.Millisecond}, // private: 1 a second after a burst of 3
		{-1002012345678, 2 * time.Second},   // group: 20 a minute
	} {
		_, own := l.limiters(tc.chat)
		for i := 0; i < chatSendBurst; i++ {
			if d := own.Reserve().Delay(); d != 0 {
				t.Fatalf("chat %d: message %d of the burst delayed %s", tc.chat, i+1, d)
			}
		}
		if d := own.Reserve().Delay(); d < tc.minDelay {
			t.Errorf("chat %d: message after the burst delayed only %s, want ≥ %s", tc.chat, d, tc.minDelay)
		}
	}
	global, _ := l.limiters(1)
	if global.Limit() > 30 {
		t.Errorf("global limit %v a second exceeds Telegram's 30", global.Limit())
	}
}
