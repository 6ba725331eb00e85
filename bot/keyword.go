package bot

import (
	"strings"
	"unicode"

	"github.com/hotline-al/hotline/hotline"
)

// foldWords returns text folded for matching (lower case, no diacritics,
// "ë" → "e") and split into words without punctuation: "Ndihmë!" → ["ndihme"].
// For matching only: never store or show the result.
func foldWords(text string) []string {
	return strings.FieldsFunc(hotline.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '/' && r != '_'
	})
}

// keywords maps a whole folded message to its keyword. Twilio's own
// opt-out (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT)
// and opt-in (START, UNSTOP) words are included; Twilio's "YES" opt-in is
// left out because "yes" answers the bot's questions.
var keywords = map[string]string{
	"stop": hotline.KeywordStop, "ndalo": hotline.KeywordStop, "stopall": hotline.KeywordStop, "stop all": hotline.KeywordStop,
	"unsubscribe": hotline.KeywordStop, "cancel": hotline.KeywordStop, "end": hotline.KeywordStop, "quit": hotline.KeywordStop,
	"revoke": hotline.KeywordStop, "optout": hotline.KeywordStop, "opt out": hotline.KeywordStop, "/stop": hotline.KeywordStop,
	"start": hotline.KeywordStart, "unstop": hotline.KeywordStart, "fillo": hotline.KeywordStart,
	"fshij": hotline.KeywordDelete, "delete": hotline.KeywordDelete, "/delete": hotline.KeywordDelete, "fshi": hotline.KeywordDelete,
	"ndihme": hotline.KeywordHelp, "help": hotline.KeywordHelp, "/help": hotline.KeywordHelp, "info": hotline.KeywordHelp,
}

// ParseKeyword returns the keyword a whole message is (case-, accent- and
// punctuation-insensitive: "Ndalo.", "NDIHMË", "delete!"), or "". A keyword
// inside a longer message is not one: "stop them" is information.
func ParseKeyword(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.IndexByte(text, '@'); i > 0 && strings.HasPrefix(text, "/") && !strings.ContainsAny(text[:i], " \t") {
		text = text[:i] // "/help@hotline_bot"
	}
	words := foldWords(text)
	if len(words) == 0 || len(words) > 2 {
		return ""
	}
	return keywords[strings.Join(words, " ")]
}
