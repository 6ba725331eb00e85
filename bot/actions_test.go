package bot

import "testing"

func TestParseCloseAndReassign(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Command
	}{
		{"CLOSE K7Q-4MP referred", Command{Action: ActionClose, Code: "K7Q-4MP", Outcome: "referred"}},
		{"close k7q4mp No-Action", Command{Action: ActionClose, Code: "K7Q-4MP", Outcome: "no_action"}},
		{"/close K7Q-4MP false report", Command{Action: ActionClose, Code: "K7Q-4MP", Outcome: "false_report"}},
		{"CLOSE K7Q-4MP whatever", Command{Action: ActionClose, Code: "K7Q-4MP"}},
		{"CLOSE", Command{Action: ActionHelp}},
		{"MOVE K7Q-4MP Lezhë", Command{Action: ActionReassign, Code: "K7Q-4MP", County: "AL-08"}},
		{"/move K7Q-4MP al-11", Command{Action: ActionReassign, Code: "K7Q-4MP", County: "AL-11"}},
		{"move K7Q-4MP Atlantis", Command{Action: ActionReassign, Code: "K7Q-4MP"}},
	} {
		if got := ParseResponderText(tc.in); got != tc.want {
			t.Errorf("ParseResponderText(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want Command
		ok   bool
	}{
		{"close_duplicate:K7Q-4MP", Command{Action: ActionClose, Code: "K7Q-4MP", Outcome: "duplicate"}, true},
		{"close_nonsense:K7Q-4MP", Command{}, false},
		{"move:K7Q-4MP", Command{Action: ActionReassign, Code: "K7Q-4MP"}, true},
		{"move_AL-05:K7Q-4MP", Command{Action: ActionReassign, Code: "K7Q-4MP", County: "AL-05"}, true},
		{"move_AL-13:K7Q-4MP", Command{}, false},
	} {
		got, ok := ParseCallbackData(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseCallbackData(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
