package sms

import (
	"errors"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/hotline-al/hotline/hotline"
)

func TestClassifyKeepsRecipientOutOfErrors(t *testing.T) {
	for _, tc := range []struct {
		code, status int
		permanent    bool
	}{
		{21211, 400, true}, {21610, 400, true}, {21614, 400, true}, {20429, 429, false}, {20500, 500, false},
	} {
		err := classify(&client.TwilioRestError{Code: tc.code, Status: tc.status, Message: "Invalid 'To' Phone Number: +355690001234"})
		var de *hotline.DeliveryError
		if !errors.As(err, &de) || de.Permanent != tc.permanent {
			t.Errorf("%d: %v, want permanent=%v", tc.code, err, tc.permanent)
		}
		if strings.Contains(err.Error(), "690001234") {
			t.Errorf("%d: error names the recipient: %v", tc.code, err)
		}
	}
}
