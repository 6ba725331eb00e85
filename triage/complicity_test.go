package triage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hotline-al/hotline/hotline"
)

// The review's repro: a complicity tip to which a witness threat is added
// becomes witness_threat (the intake precedence), but the classifier still
// reports the complicity, and the printed JSON stays as it was.
func TestComplicityFlagSurvivesWitnessThreat(t *testing.T) {
	first := "komisari i policise ne tirane merr leke nga trafikantet"
	both := first + "\njam deshmitare ne gjyq dhe me kercenuan se do me vrasin"
	c := testClassifier.Classify(first)
	if c.Intake != hotline.IntakeOfficialComplicity || !c.OfficialComplicity || !c.Complicity() {
		t.Fatalf("first message: intake %s, flag %v (%v)", c.Intake, c.OfficialComplicity, c.Reasons)
	}
	c = testClassifier.Classify(both)
	if c.Intake != hotline.IntakeWitnessThreat || c.Level != hotline.LevelP1 || c.County != "AL-11" {
		t.Fatalf("both messages: %+v", c)
	}
	if !c.OfficialComplicity || !c.Complicity() {
		t.Fatalf("both messages: complicity lost (%v)", c.Reasons)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(j), "complicity") {
		t.Errorf("the printed classification changed: %s", j)
	}
	if c := testClassifier.Classify("jam deshmitare ne gjyq dhe me kercenuan se do me vrasin"); c.OfficialComplicity {
		t.Errorf("witness threat alone flagged as complicity (%v)", c.Reasons)
	}
}
