package hotline

import (
	"errors"
	"testing"
	"time"
)

func TestEscalationPolicyStep(t *testing.T) {
	steps, err := ParseEscalationSteps("on_duty 1m; coordinator 2m ;national_desk 3m")
	if err != nil {
		t.Fatal(err)
	}
	p := EscalationPolicy{Steps: map[Level][]EscalationStep{LevelP1: steps}, Repeat: 2}
	for _, tc := range []struct {
		level Level
		n     int
		role  Role
		d     time.Duration
		ok    bool
	}{
		{LevelP1, 0, "", time.Minute, true},
		{LevelP1, 1, RoleCoordinator, 2 * time.Minute, true},
		{LevelP1, 2, RoleNationalDesk, 3 * time.Minute, true},
		{LevelP1, 3, RoleNationalDesk, 3 * time.Minute, true}, // repeat 1
		{LevelP1, 4, RoleNationalDesk, 3 * time.Minute, true}, // repeat 2
		{LevelP1, 5, "", 0, false},
		{LevelP2, 0, "", 0, false}, // no steps: never escalates
	} {
		s, ok := p.Step(tc.level, tc.n)
		if ok != tc.ok || s.Role != tc.role || s.Timeout != tc.d {
			t.Errorf("Step(%s, %d) = %+v, %v", tc.level, tc.n, s, ok)
		}
	}
	unlimited := DefaultEscalationPolicy(5 * time.Minute)
	if s, ok := unlimited.Step(LevelP2, 100); !ok || s.Role != RoleNationalDesk || s.Timeout != 20*time.Minute {
		t.Errorf("default P2 step 100 = %+v, %v", s, ok)
	}
	if s, ok := unlimited.Step(LevelP1, 1); !ok || s.Role != RoleCoordinator || s.Timeout != 5*time.Minute {
		t.Errorf("default P1 step 1 = %+v, %v", s, ok)
	}
}

func TestParseEscalationStepsErrors(t *testing.T) {
	for _, s := range []string{"", "coordinator 5m", "on_duty", "on_duty 5m; police 5m", "on_duty -5m", "on_duty 5m; national_desk soon"} {
		if _, err := ParseEscalationSteps(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseEscalationSteps(%q) = %v, want ErrInvalid", s, err)
		}
	}
}
