package bot

import "testing"

func TestParseResponderText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Command
	}{
		{"OK K7Q-4MP", Command{Action: ActionAcknowledge, Code: "K7Q-4MP"}},
		{"ok k7q4mp", Command{Action: ActionAcknowledge, Code: "K7Q-4MP"}},
		{"  Ok   k7q-4mo ", Command{Action: ActionAcknowledge, Code: "K7Q-4M0"}},
		{"/ack K7Q-4MP", Command{Action: ActionAcknowledge, Code: "K7Q-4MP"}},
		{"/ack@hotline_bot K7Q-4MP", Command{Action: ActionAcknowledge, Code: "K7Q-4MP"}},
		{"CLOSE K7Q-4MP", Command{Action: ActionClose, Code: "K7Q-4MP"}},
		{"R K7Q-4MP  Jemi  rrugës.", Command{Action: ActionReply, Code: "K7Q-4MP", Text: "Jemi  rrugës."}},
		{"/reply K7Q-4MP we are coming", Command{Action: ActionReply, Code: "K7Q-4MP", Text: "we are coming"}},
		{"R K7Q-4MP", Command{Action: ActionHelp}},
		{"OK", Command{Action: ActionHelp}},
		{"OK thanks", Command{Action: ActionHelp}},
		{"/duty", Command{Action: ActionDuty}},
		{"", Command{Action: ActionHelp}},
		{"hello", Command{Action: ActionHelp}},
	} {
		if got := ParseResponderText(tc.in); got != tc.want {
			t.Errorf("ParseResponderText(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseCallbackData(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Command
		ok   bool
	}{
		{"ack:K7Q-4MP", Command{Action: ActionAcknowledge, Code: "K7Q-4MP"}, true},
		{"esc:K7Q-4MP", Command{Action: ActionEscalate, Code: "K7Q-4MP"}, true},
		{"close:k7q4mp", Command{Action: ActionClose, Code: "K7Q-4MP"}, true},
		{"ack:", Command{}, false},
		{"nuke:K7Q-4MP", Command{}, false},
		{"garbage", Command{}, false},
	} {
		got, ok := ParseCallbackData(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseCallbackData(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
