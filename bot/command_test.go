package bot

import (
	"testing"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/triage"
)

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
		{"/phone 069 123 4567", Command{Action: ActionPhone, Argument: "069 123 4567"}},
		{"/phone@hotline_bot +355691234567", Command{Action: ActionPhone, Argument: "+355691234567"}},
		{"/phone", Command{Action: ActionPhone}},
		{"/verify 012345", Command{Action: ActionVerify, Argument: "012345"}},
		{" 012345 ", Command{Action: ActionVerify, Argument: "012345"}},
		{"/verify", Command{Action: ActionHelp}},
		{"12345", Command{Action: ActionHelp}},
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

func TestParseKeyword(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"STOP", hotline.KeywordStop}, {"Ndalo.", hotline.KeywordStop}, {" stopall ", hotline.KeywordStop}, {"Unsubscribe", hotline.KeywordStop},
		{"quit!", hotline.KeywordStop}, {"/stop", hotline.KeywordStop},
		{"START", hotline.KeywordStart}, {"unstop", hotline.KeywordStart},
		{"FSHIJ", hotline.KeywordDelete}, {"Delete!", hotline.KeywordDelete}, {"/delete@hotline_bot", hotline.KeywordDelete},
		{"NDIHMË", hotline.KeywordHelp}, {"ndihme?", hotline.KeywordHelp}, {"Help", hotline.KeywordHelp}, {"/help", hotline.KeywordHelp},
		{"stop them, they hurt her", ""}, {"yes", ""}, {"", ""}, {"ndihmë, më mbajnë të mbyllur", ""},
	} {
		if got := ParseKeyword(tc.text); got != tc.want {
			t.Errorf("ParseKeyword(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// SMS reporters name their county or town in any spelling.
func TestPlaceAnswersInAnySpelling(t *testing.T) {
	cl, err := triage.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Classifier: cl}
	for _, tc := range []struct{ text, county, municipality string }{
		{"Shkodra", "AL-10", ""},
		{"korce", "AL-06", ""},
		{"TIRANË", "AL-11", ""},
		{"kamez", "AL-11", "Kamëz"},
		{"Sarandë", "AL-12", "Sarandë"},
		{"durresi", "AL-02", ""},
		{"nuk e di", "", ""},
	} {
		county, muni := s.place(hotline.KindText, "", tc.text, "")
		if county != tc.county || (tc.municipality != "" && muni != tc.municipality) {
			t.Errorf("place(%q) = %q %q, want %q %q", tc.text, county, muni, tc.county, tc.municipality)
		}
	}
	// Buttons: a municipality of the county, never a made-up one.
	if c, m := s.place(KindButton, "m:Kamëz", "", "AL-11"); c != "AL-11" || m != "Kamëz" {
		t.Errorf("Kamëz button = %q %q", c, m)
	}
	if c, m := s.place(KindButton, "m:<script>", "", "AL-11"); c != "" || m != "" {
		t.Errorf("forged button = %q %q", c, m)
	}
}
