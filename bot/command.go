package bot

import (
	"strings"

	"github.com/hotline-al/hotline/hotline"
)

// Responder actions.
const (
	ActionAcknowledge = "ack"
	ActionEscalate    = "esc"
	ActionClose       = "close"
	ActionReply       = "reply"
	ActionDuty        = "duty"
	ActionMyTips      = "mytips"
	ActionHelp        = "help"
	ActionReassign    = "move"
	ActionPhone       = "phone"  // "/phone [number]": show, or add a number to verify
	ActionVerify      = "verify" // "/verify CODE", or the 6 digits alone
)

// Command is a responder's instruction, from a button or a text.
type Command struct {
	Action string
	// Code is the tip's reference code in canonical form, or "".
	Code string
	// Text is the message to relay, for ActionReply.
	Text string
	// Outcome is how to close, for ActionClose ("" = ask).
	Outcome hotline.Outcome
	// County is the ISO code to reassign to, for ActionReassign ("" = ask).
	County string
	// Argument is what follows /phone (a number, "" to show the current
	// one) or /verify (the code).
	Argument string
}

// ParseCallbackData reads inline button data "ACTION:ID" ("ack:K7Q-4MP").
// ok is false for anything else.
func ParseCallbackData(data string) (Command, bool) {
	action, id, found := strings.Cut(data, ":")
	if !found {
		return Command{}, false
	}
	code, err := hotline.NormalizeReferenceCode(id)
	if err != nil {
		return Command{}, false
	}
	switch action {
	case ActionAcknowledge, ActionEscalate, ActionClose, ActionReassign:
		return Command{Action: action, Code: code}, true
	}
	return parseChoiceCallback(action, code)
}

// ParseResponderText reads a responder's SMS or Telegram text: "OK <code>"
// (always understood, any case), "CLOSE <code>", "R <code> text",
// "/ack <code>", "/reply <code> text", "/duty", "/mytips", "/phone [number]",
// "/verify CODE" (or a 6-digit code alone). Anything else is ActionHelp.
func ParseResponderText(text string) Command {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Command{Action: ActionHelp}
	}
	verb := strings.ToLower(fields[0])
	if i := strings.IndexByte(verb, '@'); i > 0 && strings.HasPrefix(verb, "/") {
		verb = verb[:i] // "/ack@hotline_bot"
	}
	code := ""
	if len(fields) > 1 {
		if cs := hotline.FindReferenceCodes(fields[1]); len(cs) == 1 {
			code = cs[0]
		}
	}
	rest := ""
	if len(fields) > 2 {
		// Keep the reply's own spacing: cut after the second field.
		idx := strings.Index(text, fields[1]) + len(fields[1])
		rest = strings.TrimSpace(text[idx:])
	}
	if len(fields) == 1 && len(verb) == 6 && strings.Trim(verb, "0123456789") == "" {
		return Command{Action: ActionVerify, Argument: verb} // a phone code sent back alone
	}
	switch verb {
	case "ok", "/ack", "ack":
		if code != "" {
			return Command{Action: ActionAcknowledge, Code: code}
		}
	case "close", "/close":
		if code != "" {
			return Command{Action: ActionClose, Code: code, Outcome: parseOutcomeWord(rest)}
		}
	case "move", "/move":
		if code != "" {
			return Command{Action: ActionReassign, Code: code, County: parseCountyWords(rest)}
		}
	case "r", "/reply":
		if code != "" && rest != "" {
			return Command{Action: ActionReply, Code: code, Text: rest}
		}
	case "/phone":
		return Command{Action: ActionPhone, Argument: strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), fields[0]))}
	case "/verify":
		if len(fields) == 2 {
			return Command{Action: ActionVerify, Argument: fields[1]}
		}
	case "/duty":
		return Command{Action: ActionDuty}
	case "/mytips":
		return Command{Action: ActionMyTips}
	}
	return Command{Action: ActionHelp}
}
