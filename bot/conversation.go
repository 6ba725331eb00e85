package bot

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/hotline-al/hotline/hotline"
)

// Conversation paths.
const (
	PathSelf     = "self"     // "I need help myself": a self-identification
	PathTip      = "tip"      // "I want to report something"
	PathQuestion = "question" // "I have a question"
)

// KindButton is the inbound kind of a reporter's press on an inline button
// (Telegram); the message text is the button's data ("a:yes", "menu:self").
const KindButton = "button"

// Conversation is the state of the bot's conversation about one tip,
// stored with the tip (tips.conversation, JSON) in the intake transaction of
// every message, so a restart loses nothing. Answers that matter for
// routing are kept here and re-applied to each new classification.
type Conversation struct {
	Path string `json:"path,omitempty"`
	// Menu is true while the three-path menu awaits a choice.
	Menu bool `json:"menu,omitempty"`
	// Asking is the question awaiting an answer, "" when none.
	Asking string `json:"asking,omitempty"`
	// Asked lists the questions asked so far (each is asked once).
	Asked []string `json:"asked,omitempty"`
	// Answers to closed questions: "yes", "no" or "" (skipped or not asked).
	Safe   string `json:"safe,omitempty"`
	Child  string `json:"child,omitempty"`
	Danger string `json:"danger,omitempty"`
	// County (ISO code) and Municipality the reporter gave.
	County       string `json:"county,omitempty"`
	Municipality string `json:"municipality,omitempty"`
	// PoliceTold is true once the reporter was told that police were
	// alerted without their consent (danger now or a child).
	PoliceTold bool `json:"police_told,omitempty"`
	// UsedSensitiveWord is true once the reporter used the word for trafficking.
	UsedSensitiveWord bool `json:"used_sensitive_word,omitempty"`
	// Human is true once a responder wrote to the reporter: the bot asks
	// no more questions (set by the store when it relays).
	Human bool `json:"human,omitempty"`
}

// Questions of each path, in the order they are asked.
var (
	selfQuestions = []string{"safe", "county", "municipality", "child", "consent"}
	tipQuestions  = []string{"what", "where", "when", "who", "child", "how", "danger"}
)

// closedQuestions are answered yes / no / skip.
var closedQuestions = map[string]bool{"safe": true, "child": true, "consent": true, "danger": true, "confirm_county": true}

func parseConversation(raw []byte) Conversation {
	var c Conversation
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &c) // a damaged state restarts the conversation, never blocks intake
	}
	return c
}

// apply re-applies the reporter's answers to a fresh classification of the
// tip's text: the path, danger, child, place.
func (conv Conversation) apply(c hotline.Classification) hotline.Classification {
	if conv.Path == PathSelf {
		c.Intake, c.Level = hotline.IntakeSelfIdentification, hotline.LevelP1
	}
	if conv.Safe == "no" || conv.Danger == "yes" {
		c.DangerNow, c.Level = true, hotline.LevelP1
	}
	if conv.Child == "yes" {
		c.Child, c.Level = true, hotline.LevelP1
	}
	if conv.County != "" {
		c.County = conv.County
		c.Municipality = conv.Municipality
	}
	return c
}

// answer reads a reporter's message as an answer: "yes", "no", "skip",
// a button's value, or "" for free text.
func answer(kind, text string) string {
	if kind == KindButton {
		if v, ok := strings.CutPrefix(text, "a:"); ok {
			return v
		}
		return ""
	}
	words := foldWords(text)
	if len(words) == 0 || len(words) > 3 {
		return ""
	}
	switch strings.Join(words, " ") {
	case "1", "po", "p", "yes", "y", "yeah", "ok", "po po", "sigurisht":
		return "yes"
	case "2", "jo", "j", "no", "n", "nope", "jo jo":
		return "no"
	case "0", "skip", "kalo", "pass", "nuk e di", "nuk di", "s e di", "se di", "dont know", "don t know", "i don t know", "nuk dua":
		return "skip"
	}
	return ""
}

// menuChoice reads a menu answer: "1"/"2"/"3" or a menu button.
func menuChoice(kind, text string) string {
	if kind == KindButton {
		if v, ok := strings.CutPrefix(text, "menu:"); ok && slices.Contains([]string{PathSelf, PathTip, PathQuestion}, v) {
			return v
		}
		return ""
	}
	switch strings.Join(foldWords(text), " ") {
	case "1":
		return PathSelf
	case "2":
		return PathTip
	case "3":
		return PathQuestion
	}
	return ""
}

// languageChoice reads "EN", "SQ", "English", "shqip" or a language button.
func languageChoice(kind, text string) string {
	if kind == KindButton {
		if v, ok := strings.CutPrefix(text, "lang:"); ok && slices.Contains(Languages, v) {
			return v
		}
		return ""
	}
	switch strings.Join(foldWords(text), " ") {
	case "en", "english", "anglisht", "/language en":
		return "en"
	case "sq", "shqip", "albanian", "/language sq":
		return "sq"
	}
	return ""
}

// sensitiveStems are the folded stems of the word for trafficking in
// Albanian and English (and the Italian/French "trafic…" a reporter may
// use). A stem anywhere inside a word counts: "Antitrafik",
// "AntiTrafficking", "kundërtrafikim".
var sensitiveStems = []string{"trafik", "traffick", "trafic"}

// sensitive reports whether text names trafficking in either language,
// with or without diacritics, in any case, the stem anywhere in a word
// (discreet mode: SMS avoid the word unless the reporter used it).
func sensitive(text string) bool {
	for _, w := range foldWords(text) {
		for _, stem := range sensitiveStems {
			if strings.Contains(w, stem) {
				return true
			}
		}
	}
	return false
}

// turn collects what the bot says in answer to one message.
type turn struct {
	s       *Service
	lang    string
	sms     bool
	code    string
	replies []hotline.Reply
	// question is the question asked in this turn: always sent last.
	question *hotline.Reply
}

// all returns the turn's messages, the question last.
func (t *turn) all() []hotline.Reply {
	if t.question == nil {
		return t.replies
	}
	return append(t.replies, *t.question)
}

func (t *turn) say(id string) {
	t.replies = append(t.replies, hotline.Reply{Text: t.s.Catalogue.Text(t.lang, id, map[string]any{"Code": t.code})})
}

// ask appends question q: on SMS with numbered options in the text, on
// Telegram with buttons.
func (t *turn) ask(q string, conv Conversation) {
	text := t.s.Catalogue.Text(t.lang, "q_"+q, map[string]any{"Place": hotline.CountyName(conv.County)})
	var buttons []hotline.Button
	skip := hotline.Button{Text: t.s.Catalogue.Text(t.lang, "button_skip", nil), Data: "a:skip"}
	switch {
	case closedQuestions[q] && t.sms:
		text += " " + t.s.Catalogue.Text(t.lang, "options_yes_no_sms", nil)
	case closedQuestions[q]:
		buttons = []hotline.Button{
			{Text: t.s.Catalogue.Text(t.lang, "button_yes", nil), Data: "a:yes"},
			{Text: t.s.Catalogue.Text(t.lang, "button_no", nil), Data: "a:no"}, skip}
	case t.sms:
		text += " " + t.s.Catalogue.Text(t.lang, "options_skip_sms", nil)
	case q == "county":
		for _, c := range hotline.Counties {
			buttons = append(buttons, hotline.Button{Text: c.Name, Data: "a:" + c.Code})
		}
		buttons = append(buttons, skip)
	case q == "municipality":
		if c, err := hotline.CountyByCode(conv.County); err == nil {
			for _, m := range c.Municipalities {
				buttons = append(buttons, hotline.Button{Text: m, Data: "a:m:" + m})
			}
		}
		buttons = append(buttons, skip)
	default:
		buttons = []hotline.Button{skip}
	}
	t.question = &hotline.Reply{Text: text, Buttons: buttons}
}

func (t *turn) menu() {
	if t.sms {
		t.say("menu_sms")
		return
	}
	text := t.s.Catalogue.Text(t.lang, "menu_telegram", map[string]any{"Code": t.code})
	t.replies = append(t.replies, hotline.Reply{Text: text, Buttons: []hotline.Button{
		{Text: t.s.Catalogue.Text(t.lang, "button_self", nil), Data: "menu:" + PathSelf},
		{Text: t.s.Catalogue.Text(t.lang, "button_tip", nil), Data: "menu:" + PathTip},
		{Text: t.s.Catalogue.Text(t.lang, "button_question", nil), Data: "menu:" + PathQuestion},
		{Text: "English", Data: "lang:en"}, {Text: "Shqip", Data: "lang:sq"},
	}})
}

// next asks the next question of the path that is still useful, or says
// the questions are done. It returns the updated state.
func (t *turn) next(conv Conversation, c hotline.Classification, consent *bool) Conversation {
	conv.Asking = ""
	if conv.Human || conv.Safe == "no" {
		// A person is talking with the reporter now, or it is not safe
		// for them to talk: the bot asks nothing more.
		return conv
	}
	var list []string
	switch conv.Path {
	case PathSelf:
		list = selfQuestions
	case PathTip:
		list = tipQuestions
	default:
		return conv
	}
	for _, q := range list {
		if slices.Contains(conv.Asked, q) || !useful(q, conv, c, consent) {
			continue
		}
		conv.Asking, conv.Asked = q, append(conv.Asked, q)
		t.ask(q, conv)
		return conv
	}
	if len(conv.Asked) > 0 && !slices.Contains(conv.Asked, "done") {
		conv.Asked = append(conv.Asked, "done")
		t.say("questions_done")
	}
	return conv
}

// useful reports whether question q still needs asking.
func useful(q string, conv Conversation, c hotline.Classification, consent *bool) bool {
	switch q {
	case "county", "where":
		return c.County == ""
	case "municipality":
		return c.County != "" && c.Municipality == "" && conv.County != ""
	case "child":
		return !c.Child
	case "danger":
		return !c.DangerNow
	case "consent":
		return consent == nil && !conv.PoliceTold
	}
	return true
}

// converse decides the replies to one reporter message (not a keyword) and
// the new conversation state. c is the classification of the tip's whole
// text; the returned classification has the reporter's answers applied.
func (s *Service) converse(tc hotline.TipContext, c hotline.Classification, lang string) (hotline.IntakeDecision, Conversation) {
	msg := tc.Message
	conv := parseConversation(tc.Conversation)
	if sensitive(msg.Text) {
		conv.UsedSensitiveWord = true
	}
	t := &turn{s: s, lang: lang, sms: msg.Channel == hotline.ChannelSMS, code: tc.ReferenceCode}
	d := hotline.IntakeDecision{Language: lang}
	consent := tc.PoliceConsent
	note := func(question, text string) {
		d.ResponderNote = s.Catalogue.Text("sq", "tip_update", map[string]any{"Code": tc.ReferenceCode, "Question": question, "Text": text})
	}
	label := func(q string) string { return s.Catalogue.Text("sq", "label_"+q, nil) }
	words := foldWords(msg.Text)

	switch l := languageChoice(msg.Kind, msg.Text); {
	case l != "":
		t.lang, d.Language = l, l
		t.say("language_set")
		if tc.NewTip || conv.Menu {
			conv.Menu = true
			t.menu()
		} else if conv.Asking != "" {
			t.ask(conv.Asking, conv)
		}
	case len(words) == 1 && words[0] == "/language":
		t.replies = append(t.replies, hotline.Reply{Text: s.Catalogue.Text(lang, "choose_language", nil),
			Buttons: []hotline.Button{{Text: "English", Data: "lang:en"}, {Text: "Shqip", Data: "lang:sq"}}})
	case !tc.NewTip && len(words) >= 2 && (words[0] == "status" || words[0] == "statusi") && len(hotline.FindReferenceCodes(msg.Text)) > 0:
		if tc.ByOtherReporter {
			t.say("added_to_tip")
			break
		}
		switch tc.Status {
		case "open":
			t.say("status_open")
		case "acknowledged":
			t.say("status_acknowledged")
		default:
			t.say("status_closed")
		}
	case tc.ByOtherReporter:
		// Someone else wrote the code: information for the tip, not a
		// turn of its reporter's conversation.
		if strings.TrimSpace(msg.Text) != "" {
			note(label("other_person"), msg.Text)
		}
		t.say("added_to_tip")
	case tc.NewTip:
		conv = s.firstContact(t, tc, c, conv)
		if ParseKeyword(msg.Text) == hotline.KeywordHelp && !t.sms {
			// Only "NDIHMË!" opened this tip: the help text goes too (not by
			// SMS, where the first reply already gives the numbers and the
			// first contact stays short; FSHIJ comes with the delete hint).
			t.say("help")
		}
	case strings.HasPrefix(msg.Kind, "edited_") || strings.HasPrefix(msg.Kind, "forwarded_"):
		// A corrected or forwarded message is information, never an answer to a question.
		note(s.Catalogue.Text("sq", "label_edited", nil), msg.Text)
		t.say("added_to_tip")
	case conv.Menu && menuChoice(msg.Kind, msg.Text) != "":
		conv.Menu = false
		conv.Path = menuChoice(msg.Kind, msg.Text)
		switch conv.Path {
		case PathSelf:
			t.say("rights")
		case PathQuestion:
			t.say("question_reply")
		}
		conv = t.next(conv, conv.apply(c), consent)
	case conv.Asking != "":
		q := conv.Asking
		a := answer(msg.Kind, msg.Text)
		shown := msg.Text
		switch {
		case a == "skip":
			shown = s.Catalogue.Text("sq", "answer_skip", nil)
		case closedQuestions[q] && (a == "yes" || a == "no"):
			shown = s.Catalogue.Text("sq", "answer_"+a, nil)
			switch q {
			case "safe":
				conv.Safe = a
				if a == "no" {
					t.say("not_safe")
				}
			case "child":
				conv.Child = a
			case "danger":
				conv.Danger = a
			case "confirm_county":
				if a == "no" {
					// The nearest seat was wrong: ask for the county.
					conv.County, conv.Municipality = "", ""
					conv.Asked = slices.DeleteFunc(conv.Asked, func(q string) bool { return q == "county" || q == "where" || q == "municipality" })
				}
			case "consent":
				v := a == "yes"
				consent, d.PoliceConsent = &v, &v
				if v {
					t.say("consent_yes")
				} else {
					t.say("consent_no")
				}
			}
		case q == "county" || q == "municipality" || q == "where":
			if county, muni := s.place(msg.Kind, a, msg.Text, conv.County); county != "" {
				conv.County = county
				if muni != "" {
					conv.Municipality = muni
				}
				shown = hotline.CountyName(county)
				if conv.Municipality != "" {
					shown += " (" + conv.Municipality + ")"
				}
			}
		case closedQuestions[q] && msg.Kind == KindButton:
			shown = ""
		}
		if strings.TrimSpace(shown) != "" {
			note(label(q), shown)
		}
		if a == "" && closedQuestions[q] && msg.Kind != KindButton {
			// Free text where yes/no was asked: it is information, not an
			// answer. Keep it and move on; nothing is forced.
			t.say("not_understood")
		}
		conv = t.next(conv, conv.apply(c), consent)
	default:
		if strings.TrimSpace(msg.Text) != "" && msg.Kind != KindButton {
			note("", msg.Text)
		} else if len(msg.Media) > 0 {
			note("", msg.Kind)
		}
		t.say("added_to_tip")
	}

	if (msg.Latitude != 0 || msg.Longitude != 0) && !tc.ByOtherReporter {
		// A shared location: the nearest county seat, confirmed with the reporter.
		county, _ := hotline.NearestCounty(msg.Latitude, msg.Longitude)
		conv.County, conv.Municipality = county.Code, ""
		if pending := conv.Asking; pending != "" {
			// Put the pending question back: it is asked after the confirmation.
			conv.Asked = slices.DeleteFunc(conv.Asked, func(q string) bool { return q == pending })
		}
		conv.Asking = "confirm_county"
		t.ask("confirm_county", conv)
	}
	c = conv.apply(c)
	// Routing rule 2: police are alerted without consent when there is
	// danger now or a child; say so honestly, once. Who is on duty is not
	// known here (routing comes after, and may fall back to the national
	// desk), so the text promises no police officer or social worker. After
	// "not safe to talk" the bot says nothing more.
	if c.Intake == hotline.IntakeSelfIdentification && (c.DangerNow || c.Child) && !conv.PoliceTold && (consent == nil || !*consent) && conv.Safe != "no" {
		conv.PoliceTold = true
		if c.DangerNow {
			t.say("police_told_danger")
		} else {
			t.say("police_told_child")
		}
		if conv.Asking == "consent" {
			conv.Asking, t.question = "", nil
			conv = t.next(conv, c, consent)
		}
	}
	replies := t.all()
	if t.sms {
		replies = packSMS(replies)
		// How to delete the thread, once per reporter: with the first reply
		// when it fits in the messages already going, else with the reply
		// to their next message, so the first contact stays short.
		if !tc.DeleteHintSent && !tc.ByOtherReporter && len(replies) > 0 && conv.Safe != "no" {
			// The hint goes before the question, which is always last.
			with := append(slices.Clone(t.replies), hotline.Reply{Text: s.Catalogue.Text(t.lang, "delete_hint", nil)})
			if t.question != nil {
				with = append(with, *t.question)
			}
			if with = packSMS(with); !tc.NewTip || len(with) == len(replies) {
				replies, d.DeleteHintSent = with, true
			}
		}
	}
	d.Classification, d.Replies = c, replies
	return d, conv
}

// SMSMaxSegments is how many SMS segments (GSM 03.38: 153 characters each,
// UCS-2: 67, see hotline.SMSSegments) one message to a reporter may take:
// 3, so a first reply written in Albanian with ë stays within 201 characters.
const SMSMaxSegments = 3

// packSMS joins consecutive replies, one per line, into as few SMS as it can
// without any of them taking more than SMSMaxSegments segments: every
// message that lights up a watched phone is a risk, and a person short of
// credit should not have to scroll through several. Replies with buttons
// are never joined (SMS replies have none).
func packSMS(replies []hotline.Reply) []hotline.Reply {
	var out []hotline.Reply
	for _, r := range replies {
		if n := len(out); n > 0 && len(r.Buttons) == 0 && len(out[n-1].Buttons) == 0 {
			joined := out[n-1].Text + "\n" + r.Text
			if segments, _ := hotline.SMSSegments(joined); segments <= SMSMaxSegments {
				out[n-1].Text = joined
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// firstContact answers the first message of a tip: a greeting or an empty
// /start gets the menu; a self-identification the rights and the first
// question; a question an answer; anything else is taken as a tip.
func (s *Service) firstContact(t *turn, tc hotline.TipContext, c hotline.Classification, conv Conversation) Conversation {
	msg := tc.Message
	words := foldWords(msg.Text)
	switch {
	case len(msg.Media) > 0 && len(words) == 0:
		conv.Path = PathTip
		t.say("empty_reply")
		conv.Asking, conv.Asked = "what", []string{"what"}
	case len(words) == 0 || (len(words) <= 3 && c.Level == hotline.LevelP4):
		// A greeting, "EN", an empty /start: offer the three paths.
		conv.Menu = true
		t.menu()
	case c.Intake == hotline.IntakeSelfIdentification:
		conv.Path = PathSelf
		t.say("self_first")
		t.say("rights")
		conv = t.next(conv, conv.apply(c), tc.PoliceConsent)
	case c.Intake == hotline.IntakeInformationRequest || c.Level == hotline.LevelP4:
		conv.Path = PathQuestion
		t.say("question_reply")
	default:
		conv.Path = PathTip
		t.say("first_reply")
		// The story may already say what: start with the next question.
		conv.Asked = []string{"what"}
		conv = t.next(conv, conv.apply(c), tc.PoliceConsent)
	}
	return conv
}

// place reads a county / municipality answer: a Telegram button ("AL-11",
// "m:Kamëz"), or SMS text in any spelling (county names, municipalities,
// towns, with or without ë/ç, with typos, as triage reads them).
func (s *Service) place(kind, value, text, county string) (string, string) {
	if kind == KindButton {
		if m, ok := strings.CutPrefix(value, "m:"); ok {
			// Only a municipality of the county (callback data can be forged).
			if c, err := hotline.CountyByCode(county); err == nil && slices.Contains(c.Municipalities, m) {
				return county, m
			}
			return "", ""
		}
		if c, err := hotline.CountyByCode(value); err == nil {
			return c.Code, ""
		}
		return "", ""
	}
	if c, err := hotline.ParseCounty(text); err == nil {
		return c.Code, ""
	}
	if c := s.Classifier.Classify("në " + text); c.County != "" {
		return c.County, c.Municipality
	}
	return "", ""
}
