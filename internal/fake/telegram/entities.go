package faketelegram

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// entity is a MessageEntity as Telegram returns it (offsets in UTF-16 code units).
type entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// Limits of the Bot API, in UTF-16 code units after entity parsing.
const (
	// MaxTextLength is the longest text of a message.
	MaxTextLength = 4096
	// MaxCaptionLength is the longest caption of a media message.
	MaxCaptionLength = 1024
	// MaxCallbackData is the longest callback_data of an inline button, in bytes.
	MaxCallbackData = 64
	// MaxDownloadSize is the largest file getFile lets a bot download.
	MaxDownloadSize = 20 << 20
)

// UTF16Len returns the length of s in UTF-16 code units, the unit Telegram
// counts lengths and entity offsets in.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// utf16Units returns how many UTF-16 units the UTF-8 sequence starting with the
// byte c adds (0 for continuation bytes), as tdlib counts while scanning bytes.
func utf16Units(c byte) int {
	switch {
	case c&0xC0 == 0x80:
		return 0
	case c >= 0xF0:
		return 2
	default:
		return 1
	}
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// formatted is a text after entity parsing.
type formatted struct {
	text     string
	entities []entity
}

// parseText validates raw (as a text or caption) and parses it according to
// parseMode the way the Bot API does. entitiesJSON is the optional explicit
// "entities"/"caption_entities" parameter.
func parseText(raw, parseMode, entitiesJSON string) (formatted, *APIError) {
	if !utf8.ValidString(raw) {
		return formatted{}, badRequest("text must be encoded in UTF-8")
	}
	var (
		text string
		ents []entity
		err  error
	)
	switch strings.ToLower(parseMode) {
	case "":
		text = raw
		if entitiesJSON != "" {
			if jerr := json.Unmarshal([]byte(entitiesJSON), &ents); jerr != nil {
				return formatted{}, badRequest("can't parse entities JSON object")
			}
		}
	case "markdownv2":
		text, ents, err = parseMarkdownV2(raw)
	case "markdown":
		text, ents, err = parseMarkdown(raw)
	case "html":
		text, ents, err = parseHTML(raw)
	default:
		return formatted{}, badRequest("unsupported parse_mode")
	}
	if err != nil {
		return formatted{}, badRequest("can't parse entities: %s", err.Error())
	}
	text, ents = trimText(text, ents)
	return formatted{text: text, entities: ents}, nil
}

// isEmptyRune reports the characters Telegram strips from both ends of a text.
func isEmptyRune(r rune) bool {
	if unicode.IsSpace(r) {
		return true
	}
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff', '\u00ad', '\u2800', '\u3164', '\uffa0':
		return true
	}
	return false
}

// trimText strips empty characters from both ends and moves the entities accordingly.
func trimText(text string, ents []entity) (string, []entity) {
	trimmed := strings.TrimLeftFunc(text, isEmptyRune)
	lead := UTF16Len(text[:len(text)-len(trimmed)])
	trimmed = strings.TrimRightFunc(trimmed, isEmptyRune)
	total := UTF16Len(trimmed)
	var out []entity
	for _, e := range ents {
		e.Offset -= lead
		if e.Offset < 0 {
			e.Length += e.Offset
			e.Offset = 0
		}
		if e.Offset+e.Length > total {
			e.Length = total - e.Offset
		}
		if e.Length > 0 {
			out = append(out, e)
		}
	}
	return trimmed, out
}

type openEntity struct {
	typ        string
	arg        string
	off16      int
	byteOffset int
	resultPos  int
}

var markdownV2TypeNames = map[string]string{
	"bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
	"spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}

func reservedError(c byte) error {
	return fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

// parseMarkdownV2 follows tdlib's parse_markdown_v2.
func parseMarkdownV2(text string) (string, []entity, error) {
	at := func(i int) byte {
		if i >= 0 && i < len(text) {
			return text[i]
		}
		return 0
	}
	var (
		stack []openEntity
		ents  []entity
		res   = make([]byte, 0, len(text))
		u16   int
	)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			i++
			u16++
			res = append(res, text[i])
			continue
		}
		reserved := "_*[]()~`>#+-=|{}.!"
		inCode := false
		if n := len(stack); n > 0 && (stack[n-1].typ == "code" || stack[n-1].typ == "pre") {
			reserved = "`"
			inCode = true
		}
		if strings.IndexByte(reserved, c) < 0 {
			u16 += utf16Units(c)
			res = append(res, c)
			continue
		}
		// A '>' at the start of a line starts a block quotation.
		if c == '>' && !inCode && (i == 0 || text[i-1] == '\n') {
			continue
		}
		isEnd := false
		if n := len(stack); n > 0 {
			switch stack[n-1].typ {
			case "bold":
				isEnd = c == '*'
			case "italic":
				isEnd = c == '_' && at(i+1) != '_'
			case "code":
				isEnd = c == '`'
			case "pre":
				isEnd = c == '`' && at(i+1) == '`' && at(i+2) == '`'
			case "text_link", "custom_emoji":
				isEnd = c == ']'
			case "underline":
				isEnd = c == '_' && at(i+1) == '_'
			case "strikethrough":
				isEnd = c == '~'
			case "spoiler":
				isEnd = c == '|' && at(i+1) == '|'
			}
		}
		if !isEnd {
			typ, arg, byteOffset := "", "", i
			switch c {
			case '_':
				if at(i+1) == '_' {
					typ = "underline"
					i++
				} else {
					typ = "italic"
				}
			case '*':
				typ = "bold"
			case '~':
				typ = "strikethrough"
			case '|':
				if at(i+1) != '|' {
					return "", nil, reservedError(c)
				}
				i++
				typ = "spoiler"
			case '[':
				typ = "text_link"
			case '`':
				if at(i+1) == '`' && at(i+2) == '`' {
					i += 3
					typ = "pre"
					end := i
					for end < len(text) && !isSpaceByte(text[end]) && text[end] != '`' {
						end++
					}
					if i != end && end < len(text) && text[end] != '`' {
						arg = text[i:end]
						i = end
					}
					if at(i) == '\n' || at(i) == '\r' {
						if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
							i += 2
						} else {
							i++
						}
					}
					i--
				} else {
					typ = "code"
				}
			case '!':
				if at(i+1) != '[' {
					return "", nil, reservedError(c)
				}
				i++
				typ = "custom_emoji"
			default:
				return "", nil, reservedError(c)
			}
			stack = append(stack, openEntity{typ: typ, arg: arg, off16: u16, byteOffset: byteOffset, resultPos: len(res)})
			continue
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := entity{Type: top.typ, Offset: top.off16, Length: u16 - top.off16}
		switch top.typ {
		case "underline", "spoiler":
			i++
		case "pre":
			i += 2
			e.Language = top.arg
		case "text_link", "custom_emoji":
			var link string
			if at(i+1) != '(' {
				link = string(res[top.resultPos:])
			} else {
				i += 2
				begin := i
				var b []byte
				for i < len(text) && text[i] != ')' {
					if text[i] == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
						b = append(b, text[i+1])
						i += 2
						continue
					}
					b = append(b, text[i])
					i++
				}
				if at(i) != ')' {
					return "", nil, fmt.Errorf("Can't find end of a URL at byte offset %d", begin)
				}
				link = string(b)
			}
			if top.typ == "custom_emoji" {
				id, ok := strings.CutPrefix(link, "tg://emoji?id=")
				if !ok || id == "" {
					return "", nil, fmt.Errorf("Custom emoji URL must have an emoji identifier")
				}
				e.CustomEmojiID = id
			} else {
				e.URL = link
				if link == "" {
					e.Length = 0
				}
			}
		}
		if e.Length > 0 {
			ents = append(ents, e)
		}
	}
	if n := len(stack); n > 0 {
		top := stack[n-1]
		name := markdownV2TypeNames[top.typ]
		if top.typ == "pre" && top.arg != "" {
			name = "PreCode"
		}
		return "", nil, fmt.Errorf("Can't find end of %s entity at byte offset %d", name, top.byteOffset)
	}
	return string(res), ents, nil
}

// parseMarkdown follows tdlib's parse_markdown (the legacy "Markdown" mode).
func parseMarkdown(text string) (string, []entity, error) {
	at := func(i int) byte {
		if i >= 0 && i < len(text) {
			return text[i]
		}
		return 0
	}
	var (
		ents []entity
		res  = make([]byte, 0, len(text))
		u16  int
	)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\\' && (at(i+1) == '_' || at(i+1) == '*' || at(i+1) == '`' || at(i+1) == '[') {
			i++
			u16++
			res = append(res, text[i])
			continue
		}
		if c != '_' && c != '*' && c != '`' && c != '[' {
			u16 += utf16Units(c)
			res = append(res, c)
			continue
		}
		begin := i
		end := c
		if c == '[' {
			end = ']'
		}
		i++
		isPre, lang := false, ""
		if c == '`' && at(i) == '`' && at(i+1) == '`' {
			i += 2
			isPre = true
			e := i
			for e < len(text) && !isSpaceByte(text[e]) && text[e] != '`' {
				e++
			}
			if i != e && e < len(text) && text[e] != '`' {
				lang = text[i:e]
				i = e
			}
		}
		off := u16
		for i < len(text) && (text[i] != end || (isPre && !(at(i+1) == '`' && at(i+2) == '`'))) {
			u16 += utf16Units(text[i])
			res = append(res, text[i])
			i++
		}
		if i == len(text) {
			return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		if off != u16 {
			e := entity{Offset: off, Length: u16 - off}
			switch c {
			case '_':
				e.Type = "italic"
			case '*':
				e.Type = "bold"
			case '`':
				if isPre {
					e.Type, e.Language = "pre", lang
				} else {
					e.Type = "code"
				}
			case '[':
				if at(i+1) == '(' {
					i += 2
					var b []byte
					for i < len(text) && text[i] != ')' {
						b = append(b, text[i])
						i++
					}
					e.Type, e.URL = "text_link", string(b)
				}
			}
			if e.Type != "" && (e.Type != "text_link" || e.URL != "") {
				ents = append(ents, e)
			}
		}
		if isPre {
			i += 2
		}
	}
	return string(res), ents, nil
}

var htmlTags = map[string]string{
	"a": "text_link", "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"u": "underline", "ins": "underline", "tg-spoiler": "spoiler", "span": "spoiler",
	"tg-emoji": "custom_emoji", "pre": "pre", "code": "code", "blockquote": "blockquote",
}

// decodeHTMLEntity decodes the entity starting at text[*i] == '&' and advances
// *i past it; it returns 0 (and leaves *i) when there is no valid entity, in
// which case the '&' is ordinary text, as in tdlib.
func decodeHTMLEntity(text string, i *int) rune {
	at := func(j int) byte {
		if j < len(text) {
			return text[j]
		}
		return 0
	}
	end := *i + 1
	var code rune
	if at(end) == '#' {
		end++
		digits := 0
		if at(end) == 'x' || at(end) == 'X' {
			end++
			for {
				c := at(end)
				var d rune
				switch {
				case c >= '0' && c <= '9':
					d = rune(c - '0')
				case c >= 'a' && c <= 'f':
					d = rune(c-'a') + 10
				case c >= 'A' && c <= 'F':
					d = rune(c-'A') + 10
				default:
					d = -1
				}
				if d < 0 {
					break
				}
				code = code*16 + d
				if code > 0x10ffff {
					return 0
				}
				end++
				digits++
			}
		} else {
			for c := at(end); c >= '0' && c <= '9'; c = at(end) {
				code = code*10 + rune(c-'0')
				if code > 0x10ffff {
					return 0
				}
				end++
				digits++
			}
		}
		if digits == 0 || code == 0 || (code >= 0xd800 && code <= 0xdfff) {
			return 0
		}
	} else {
		for c := at(end); (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); c = at(end) {
			end++
		}
		switch text[*i+1 : end] {
		case "lt":
			code = '<'
		case "gt":
			code = '>'
		case "amp":
			code = '&'
		case "quot":
			code = '"'
		default:
			return 0
		}
	}
	if at(end) != ';' {
		return 0
	}
	*i = end + 1
	return code
}

// parseHTML follows tdlib's parse_html.
func parseHTML(text string) (string, []entity, error) {
	at := func(i int) byte {
		if i >= 0 && i < len(text) {
			return text[i]
		}
		return 0
	}
	type openTag struct {
		name, arg  string
		off16, pos int
	}
	var (
		stack []openTag
		ents  []entity
		res   = make([]byte, 0, len(text))
		u16   int
	)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '&' {
			j := i
			if r := decodeHTMLEntity(text, &j); r != 0 {
				if r > 0xffff {
					u16 += 2
				} else {
					u16++
				}
				res = utf8.AppendRune(res, r)
				i = j - 1
				continue
			}
		}
		if c != '<' {
			u16 += utf16Units(c)
			res = append(res, c)
			continue
		}
		begin := i
		i++
		if at(i) != '/' {
			for i < len(text) && !isSpaceByte(text[i]) && text[i] != '>' {
				i++
			}
			if i >= len(text) {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
			}
			name := strings.ToLower(text[begin+1 : i])
			if _, ok := htmlTags[name]; !ok {
				return "", nil, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
			}
			arg := ""
			for at(i) != '>' {
				for i < len(text) && isSpaceByte(text[i]) {
					i++
				}
				if at(i) == '>' {
					break
				}
				attrBegin := i
				for i < len(text) && !isSpaceByte(text[i]) && text[i] != '=' && text[i] != '>' {
					i++
				}
				attr := strings.ToLower(text[attrBegin:i])
				if attr == "" {
					return "", nil, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
				}
				for i < len(text) && isSpaceByte(text[i]) {
					i++
				}
				if at(i) != '=' {
					if name == "blockquote" && attr == "expandable" {
						arg = "expandable"
						continue
					}
					return "", nil, fmt.Errorf("Expected equal sign in declaration of an attribute of the tag \"%s\" at byte offset %d", name, begin)
				}
				i++
				for i < len(text) && isSpaceByte(text[i]) {
					i++
				}
				if i >= len(text) {
					return "", nil, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", name, begin)
				}
				var value []byte
				if q := text[i]; q != '\'' && q != '"' {
					tokenBegin := i
					for i < len(text) && (isAlnum(text[i]) || text[i] == '.' || text[i] == '-') {
						i++
					}
					value = []byte(strings.ToLower(text[tokenBegin:i]))
					if !isSpaceByte(at(i)) && at(i) != '>' {
						return "", nil, fmt.Errorf("Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					i++
					for i < len(text) && text[i] != q {
						if text[i] == '&' {
							j := i
							if r := decodeHTMLEntity(text, &j); r != 0 {
								value = utf8.AppendRune(value, r)
								i = j
								continue
							}
						}
						value = append(value, text[i])
						i++
					}
					if at(i) == q {
						i++
					}
				}
				if i >= len(text) {
					return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
				}
				switch {
				case name == "a" && attr == "href",
					name == "code" && attr == "class",
					name == "span" && attr == "class",
					name == "tg-emoji" && attr == "emoji-id":
					arg = string(value)
				}
			}
			if name == "span" && arg != "tg-spoiler" {
				return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, openTag{name: name, arg: arg, off16: u16, pos: len(res)})
			continue
		}
		if len(stack) == 0 {
			return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
		}
		for i < len(text) && !isSpaceByte(text[i]) && text[i] != '>' {
			i++
		}
		endName := strings.ToLower(text[begin+2 : i])
		for i < len(text) && isSpaceByte(text[i]) {
			i++
		}
		if at(i) != '>' {
			return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if endName != "" && endName != top.name {
			return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, endName)
		}
		if u16 == top.off16 {
			continue
		}
		e := entity{Type: htmlTags[top.name], Offset: top.off16, Length: u16 - top.off16}
		switch top.name {
		case "a":
			e.URL = top.arg
			if e.URL == "" {
				e.URL = string(res[top.pos:])
			}
		case "code":
			if lang, ok := strings.CutPrefix(top.arg, "language-"); ok && lang != "" {
				e.Type, e.Language = "pre", lang
			}
		case "tg-emoji":
			if top.arg == "" {
				return "", nil, fmt.Errorf("Custom emoji entity must contain a tg://emoji URL")
			}
			e.CustomEmojiID = top.arg
		case "blockquote":
			if top.arg == "expandable" {
				e.Type = "expandable_blockquote"
			}
		}
		ents = append(ents, e)
	}
	if n := len(stack); n > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[n-1].name)
	}
	return string(res), ents, nil
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
