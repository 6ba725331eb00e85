package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// escalationPolicy reads ESCALATION_P1, ESCALATION_P2 ("on_duty 5m;
// coordinator 5m; national_desk 5m"; default from ESCALATE_AFTER as
// DESIGN.md says), ESCALATION_REPEAT (times the last step is repeated; 0 =
// until acknowledged) and ESCALATION_P1_ACK_BOTH (true: a P1 needs police
// and social worker to acknowledge). The error names the variable.
func escalationPolicy(get func(k, def string) string, escalateAfter time.Duration) (hotline.EscalationPolicy, error) {
	p := hotline.DefaultEscalationPolicy(escalateAfter)
	for _, level := range []hotline.Level{hotline.LevelP1, hotline.LevelP2} {
		name := "ESCALATION_" + string(level)
		if v := get(name, ""); v != "" {
			steps, err := hotline.ParseEscalationSteps(v)
			if err != nil {
				return p, fmt.Errorf("%s: %v (e.g. \"on_duty 5m; coordinator 5m; national_desk 10m\")", name, err)
			}
			p.Steps[level] = steps
		}
	}
	n, err := strconv.Atoi(get("ESCALATION_REPEAT", "0"))
	if err != nil || n < 0 {
		return p, fmt.Errorf("ESCALATION_REPEAT must be a whole number ≥ 0 (0 = repeat until acknowledged)")
	}
	p.Repeat = n
	if p.P1NeedsBoth, err = strconv.ParseBool(get("ESCALATION_P1_ACK_BOTH", "false")); err != nil {
		return p, fmt.Errorf("ESCALATION_P1_ACK_BOTH must be true or false")
	}
	return p, nil
}

// wakeCallConfig reads WAKE_CALL_AFTER (Go duration, default 60s; "off"
// disables wake-up calls) and TWILIO_VOICE_FROM (caller id, E.164; default
// TWILIO_FROM when that is a number). The error names the variable.
func wakeCallConfig(get func(k, def string) string, twilioFrom string) (time.Duration, string, error) {
	after, err := offOrDuration(get, "WAKE_CALL_AFTER", "60s")
	if err != nil {
		return 0, "", err
	}
	from := get("TWILIO_VOICE_FROM", "")
	if from == "" && strings.HasPrefix(twilioFrom, "+") {
		from = twilioFrom
	}
	if from != "" {
		if _, err := hotline.NormalizePhone(from); err != nil {
			return 0, "", fmt.Errorf("TWILIO_VOICE_FROM must be an E.164 number")
		}
	}
	return after, from, nil
}

// offOrDuration reads a positive Go duration, or "off" (0).
func offOrDuration(get func(k, def string) string, name, def string) (time.Duration, error) {
	v := get(name, def)
	if v == "off" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive Go duration such as %s, or off", name, def)
	}
	return d, nil
}
