package hotline

import (
	"errors"
	"testing"
)

func TestCanMove(t *testing.T) {
	tests := []struct {
		from, to TipStatus
		want     bool
	}{
		{StatusOpen, StatusAcknowledged, true},
		{StatusOpen, StatusClosed, true},
		{StatusAcknowledged, StatusOpen, false},
		{StatusClosed, StatusOpen, true},
		{StatusClosed, StatusAcknowledged, false},
		{StatusMerged, StatusOpen, false},
		{StatusSpam, StatusOpen, true},
	}
	for _, tt := range tests {
		if got := CanMove(tt.from, tt.to); got != tt.want {
			t.Errorf("CanMove(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestParseOutcome(t *testing.T) {
	for _, o := range Outcomes {
		if got, err := ParseOutcome(string(o)); err != nil || got != o {
			t.Errorf("ParseOutcome(%q) = %q, %v", o, got, err)
		}
	}
	if _, err := ParseOutcome("solved"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseOutcome(solved) error = %v, want ErrInvalid", err)
	}
}
