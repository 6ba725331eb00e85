package sms

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/twilio/twilio-go"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/hotline-al/hotline/hotline"
)

// Voice places wake-up calls through Twilio's Calls API: the outbox item's
// body is spoken twice with TwiML <Say>.
type Voice struct {
	Client *twilio.RestClient
	// From is the caller id (E.164; a Messaging Service cannot call).
	From string
}

// Send implements dispatch.Channel: it calls phone and returns the call sid.
func (v *Voice) Send(ctx context.Context, phone string, m hotline.OutboundMessage) (string, error) {
	p := &openapi.CreateCallParams{}
	p.SetTo(phone)
	p.SetFrom(v.From)
	p.SetTwiml(SayTwiML(m.Body))
	resp, err := v.Client.Api.CreateCall(p)
	if err != nil {
		return "", classify(err)
	}
	if resp.Sid == nil {
		return "", nil
	}
	return *resp.Sid, nil
}

// SayTwiML returns <Response><Say loop="2">text</Say></Response>, text
// XML-escaped. No language attribute: Twilio's voices have no Albanian, and
// the default voice reads the Albanian words as written.
func SayTwiML(text string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Say loop="2">`)
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString(`</Say></Response>`)
	return b.String()
}
