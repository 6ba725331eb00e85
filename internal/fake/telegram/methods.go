package faketelegram

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	register("getMe", (*Server).getMe)
	register("getUpdates", (*Server).getUpdates)
	register("sendMessage", (*Server).sendMessage)
	register("editMessageText", (*Server).editMessageText)
	register("editMessageReplyMarkup", (*Server).editMessageReplyMarkup)
	register("editMessageCaption", (*Server).editMessageCaption)
	register("deleteMessage", (*Server).deleteMessage)
	register("answerCallbackQuery", (*Server).answerCallbackQuery)
	register("sendChatAction", (*Server).sendChatAction)
	register("setWebhook", (*Server).setWebhook)
	register("deleteWebhook", (*Server).deleteWebhook)
	register("getWebhookInfo", (*Server).getWebhookInfo)
	register("getFile", (*Server).getFile)
	register("getChat", (*Server).getChat)
	register("copyMessage", (*Server).copyMessage)
	register("forwardMessage", (*Server).forwardMessage)
	register("setMyCommands", (*Server).setMyCommands)
	register("getMyCommands", (*Server).getMyCommands)
	register("deleteMyCommands", (*Server).deleteMyCommands)
	for field, method := range mediaMethods {
		field := field
		register(method, func(s *Server, r *http.Request, p params) (any, *APIError) {
			return s.sendMedia(r, p, method, field)
		})
	}
}

var mediaMethods = map[string]string{
	"photo": "sendPhoto", "document": "sendDocument", "voice": "sendVoice",
	"audio": "sendAudio", "video": "sendVideo", "animation": "sendAnimation",
}

func (s *Server) getMe(_ *http.Request, _ params) (any, *APIError) {
	return map[string]any{
		"id": BotID, "is_bot": true, "first_name": BotFirstName, "username": BotUsername,
		"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
	}, nil
}

// getUpdates implements offset confirmation, limit and long polling.
func (s *Server) getUpdates(r *http.Request, p params) (any, *APIError) {
	offset, _ := p.integer("offset")
	limit, ok := p.integer("limit")
	if !ok || limit < 1 || limit > 100 {
		limit = 100
	}
	timeout, _ := p.integer("timeout")
	if timeout < 0 {
		timeout = 0
	}
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		timer = t.C
	}

	s.mu.Lock()
	if s.hook.url != "" {
		s.mu.Unlock()
		return nil, &WebhookConflict
	}
	s.pollGen++
	gen := s.pollGen
	s.broadcastLocked() // terminates an earlier waiting getUpdates
	switch {
	case offset > 0:
		i := 0
		for i < len(s.queue) && s.queue[i].id < offset {
			i++
		}
		if i > 0 {
			s.queue = append([]queuedUpdate(nil), s.queue[i:]...)
			s.broadcastLocked()
		}
	case offset < 0:
		if keep := int(-offset); len(s.queue) > keep {
			s.queue = append([]queuedUpdate(nil), s.queue[len(s.queue)-keep:]...)
			s.broadcastLocked()
		}
	}
	expired := timeout == 0
	for {
		if s.hook.url != "" {
			s.mu.Unlock()
			return nil, &WebhookConflict
		}
		if s.pollGen != gen {
			s.mu.Unlock()
			return nil, &PollConflict
		}
		if len(s.queue) > 0 || expired {
			n := min(len(s.queue), int(limit))
			out := make([]json.RawMessage, n)
			for i := range n {
				out[i] = s.queue[i].body
			}
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer:
			expired = true
		case <-s.closed:
			expired = true
		case <-r.Context().Done():
			return nil, nil
		}
		s.mu.Lock()
	}
}

// chatParam resolves chat_id; the fake accepts any numeric chat id.
func chatParam(p params, name string) (int64, *APIError) {
	v := strings.TrimSpace(p.get(name))
	if v == "" {
		return 0, badRequest("%s is empty", name)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		e := ChatNotFound
		return 0, &e
	}
	return id, nil
}

// targetChat resolves chat_id and refuses blocked chats.
func (s *Server) targetChat(p params) (int64, *APIError) {
	id, e := chatParam(p, "chat_id")
	if e != nil {
		return 0, e
	}
	s.mu.Lock()
	blocked := s.blocked[id]
	s.mu.Unlock()
	if blocked {
		b := Blocked
		return 0, &b
	}
	return id, nil
}

// parseMarkup validates reply_markup and returns it compacted (nil if absent).
func parseMarkup(raw string) (json.RawMessage, bool, *APIError) {
	if strings.TrimSpace(raw) == "" {
		return nil, false, nil
	}
	var m struct {
		InlineKeyboard *[][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) != nil || json.Unmarshal([]byte(raw), &m) != nil {
		return nil, false, badRequest("can't parse reply keyboard markup JSON object")
	}
	inline := m.InlineKeyboard != nil
	if inline {
		for _, row := range *m.InlineKeyboard {
			for _, b := range row {
				var text string
				if json.Unmarshal(b["text"], &text) != nil {
					return nil, false, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
				}
				actions := 0
				for k := range b {
					if k != "text" {
						actions++
					}
				}
				if actions == 0 {
					return nil, false, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
				}
				if cd, ok := b["callback_data"]; ok {
					var data string
					if json.Unmarshal(cd, &data) != nil || len(data) == 0 || len(data) > MaxCallbackData {
						return nil, false, badRequest("BUTTON_DATA_INVALID")
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return nil, false, badRequest("can't parse reply keyboard markup JSON object")
	}
	return json.RawMessage(buf.Bytes()), inline, nil
}

func replyToParam(p params) int {
	if id, ok := p.integer("reply_to_message_id"); ok {
		return int(id)
	}
	if raw := p.get("reply_parameters"); raw != "" {
		var rp struct {
			MessageID int `json:"message_id"`
		}
		if json.Unmarshal([]byte(raw), &rp) == nil {
			return rp.MessageID
		}
	}
	return 0
}

func checkText(f formatted, limit int, tooLong string) *APIError {
	if f.text == "" {
		return badRequest("message text is empty")
	}
	if UTF16Len(f.text) > limit {
		return badRequest("%s", tooLong)
	}
	return nil
}

func setEntities(obj map[string]any, key string, ents []entity) {
	if len(ents) > 0 {
		obj[key] = ents
	} else {
		delete(obj, key)
	}
}

// record stores a sent message and notifies observers.
func (s *Server) recordLocked(m SentMessage, edit bool) []func(SentMessage) {
	if edit {
		s.edits = append(s.edits, m)
	} else {
		s.sent = append(s.sent, m)
	}
	s.broadcastLocked()
	return slices.Clone(s.onSend)
}

func notify(fns []func(SentMessage), m SentMessage) {
	for _, fn := range fns {
		fn(m)
	}
}

func (s *Server) sendMessage(_ *http.Request, p params) (any, *APIError) {
	chatID, e := s.targetChat(p)
	if e != nil {
		return nil, e
	}
	raw := p.get("text")
	f, e := parseText(raw, p.get("parse_mode"), p.get("entities"))
	if e != nil {
		return nil, e
	}
	if e := checkText(f, MaxTextLength, "message is too long"); e != nil {
		return nil, e
	}
	markup, inline, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	replyTo := replyToParam(p)

	s.mu.Lock()
	m, id := s.newMessageLocked(chatID, true)
	m.obj["text"] = f.text
	setEntities(m.obj, "entities", f.entities)
	if inline {
		m.obj["reply_markup"] = markup
	}
	if replyTo != 0 {
		if orig := s.messageLocked(chatID, replyTo); orig != nil {
			ro := copyObject(orig.obj)
			delete(ro, "reply_to_message")
			m.obj["reply_to_message"] = ro
		}
	}
	result := toGeneric(m.obj)
	sm := SentMessage{
		Method: "sendMessage", ChatID: chatID, MessageID: id, Text: f.text, RawText: raw,
		ParseMode: p.get("parse_mode"), ReplyMarkup: markup, DisableNotification: p.boolean("disable_notification"),
		ReplyToMessageID: replyTo, Time: s.now(),
	}
	fns := s.recordLocked(sm, false)
	s.mu.Unlock()
	notify(fns, sm)
	return result, nil
}

// uploadedFile returns the content of the file sent for field, either as a
// multipart part named field or as "attach://name".
func uploadedFile(p params, field string) ([]byte, bool) {
	name := field
	if v := p.get(field); strings.HasPrefix(v, "attach://") {
		name = strings.TrimPrefix(v, "attach://")
	}
	fhs := p.files[name]
	if len(fhs) == 0 {
		return nil, false
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return b, err == nil
}

func (s *Server) sendMedia(_ *http.Request, p params, method, field string) (any, *APIError) {
	chatID, e := s.targetChat(p)
	if e != nil {
		return nil, e
	}
	rawCaption := p.get("caption")
	var f formatted
	if rawCaption != "" {
		if f, e = parseText(rawCaption, p.get("parse_mode"), p.get("caption_entities")); e != nil {
			return nil, e
		}
		if UTF16Len(f.text) > MaxCaptionLength {
			return nil, badRequest("message caption is too long")
		}
	}
	markup, inline, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	content, uploaded := uploadedFile(p, field)
	ref := p.get(field)

	s.mu.Lock()
	var fe *fileEntry
	switch {
	case uploaded:
		s.fileSeq++
		fe = s.addFileLocked("BQAC"+strconv.FormatInt(BotID, 36)+"_"+strconv.Itoa(s.fileSeq), "", content, len(content))
	case ref == "":
		s.mu.Unlock()
		return nil, badRequest("there is no %s in the request", field)
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		s.fileSeq++
		fe = s.addFileLocked("BQAC"+strconv.FormatInt(BotID, 36)+"_url"+strconv.Itoa(s.fileSeq), "", nil, 0)
	default:
		fe = s.files[ref]
		if fe == nil {
			s.mu.Unlock()
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
	}
	m, id := s.newMessageLocked(chatID, true)
	if field == "photo" {
		m.obj["photo"] = []map[string]any{fe.object(false)}
	} else {
		m.obj[field] = fe.object(false)
	}
	if f.text != "" {
		m.obj["caption"] = f.text
		setEntities(m.obj, "caption_entities", f.entities)
	}
	if inline {
		m.obj["reply_markup"] = markup
	}
	result := toGeneric(m.obj)
	sm := SentMessage{
		Method: method, ChatID: chatID, MessageID: id, Text: f.text, RawText: rawCaption,
		ParseMode: p.get("parse_mode"), ReplyMarkup: markup, DisableNotification: p.boolean("disable_notification"),
		ReplyToMessageID: replyToParam(p), FileID: fe.id, Time: s.now(),
	}
	fns := s.recordLocked(sm, false)
	s.mu.Unlock()
	notify(fns, sm)
	return result, nil
}

// editTarget resolves chat_id + message_id of an edit to a bot message.
func (s *Server) editTarget(p params) (int64, int, *APIError) {
	if p.get("inline_message_id") != "" {
		return 0, 0, badRequest("MESSAGE_ID_INVALID")
	}
	chatID, e := s.targetChat(p)
	if e != nil {
		return 0, 0, e
	}
	msgID, ok := p.integer("message_id")
	if !ok || msgID <= 0 {
		return 0, 0, badRequest("message identifier is not specified")
	}
	return chatID, int(msgID), nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(toGeneric(a))
	y, _ := json.Marshal(toGeneric(b))
	return bytes.Equal(x, y)
}

// edit applies change to the bot's message (under the lock) and records it.
func (s *Server) edit(p params, method, textKey string, change func(obj map[string]any) *APIError) (any, *APIError) {
	chatID, msgID, e := s.editTarget(p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	m := s.messageLocked(chatID, msgID)
	if m == nil {
		s.mu.Unlock()
		return nil, badRequest("message to edit not found")
	}
	if !m.fromBot {
		s.mu.Unlock()
		return nil, badRequest("message can't be edited")
	}
	obj := copyObject(m.obj)
	if e := change(obj); e != nil {
		s.mu.Unlock()
		return nil, e
	}
	if sameJSON(obj, m.obj) {
		s.mu.Unlock()
		return nil, badRequest(notModified)
	}
	obj["edit_date"] = s.now().Unix()
	m.obj = obj
	text, _ := obj[textKey].(string)
	var markup json.RawMessage
	if rm, ok := obj["reply_markup"].(json.RawMessage); ok {
		markup = rm
	} else if rm, ok := obj["reply_markup"]; ok {
		markup, _ = json.Marshal(rm)
	}
	result := toGeneric(obj)
	sm := SentMessage{
		Method: method, ChatID: chatID, MessageID: msgID, Text: text, RawText: p.get(textKey),
		ParseMode: p.get("parse_mode"), ReplyMarkup: markup, Time: s.now(),
	}
	fns := s.recordLocked(sm, true)
	s.mu.Unlock()
	notify(fns, sm)
	return result, nil
}

func applyMarkup(obj map[string]any, p params) *APIError {
	markup, inline, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return e
	}
	if inline {
		obj["reply_markup"] = markup
	} else {
		delete(obj, "reply_markup")
	}
	return nil
}

func (s *Server) editMessageText(_ *http.Request, p params) (any, *APIError) {
	f, e := parseText(p.get("text"), p.get("parse_mode"), p.get("entities"))
	if e != nil {
		return nil, e
	}
	if e := checkText(f, MaxTextLength, "message is too long"); e != nil {
		return nil, e
	}
	return s.edit(p, "editMessageText", "text", func(obj map[string]any) *APIError {
		if _, ok := obj["text"]; !ok {
			return badRequest("there is no text in the message to edit")
		}
		obj["text"] = f.text
		setEntities(obj, "entities", f.entities)
		return applyMarkup(obj, p)
	})
}

func (s *Server) editMessageCaption(_ *http.Request, p params) (any, *APIError) {
	var f formatted
	if raw := p.get("caption"); raw != "" {
		var e *APIError
		if f, e = parseText(raw, p.get("parse_mode"), p.get("caption_entities")); e != nil {
			return nil, e
		}
		if UTF16Len(f.text) > MaxCaptionLength {
			return nil, badRequest("message caption is too long")
		}
	}
	return s.edit(p, "editMessageCaption", "caption", func(obj map[string]any) *APIError {
		if _, ok := obj["text"]; ok {
			return badRequest("there is no caption in the message to edit")
		}
		if f.text == "" {
			delete(obj, "caption")
		} else {
			obj["caption"] = f.text
		}
		setEntities(obj, "caption_entities", f.entities)
		return applyMarkup(obj, p)
	})
}

func (s *Server) editMessageReplyMarkup(_ *http.Request, p params) (any, *APIError) {
	return s.edit(p, "editMessageReplyMarkup", "text", func(obj map[string]any) *APIError {
		return applyMarkup(obj, p)
	})
}

func (s *Server) deleteMessage(_ *http.Request, p params) (any, *APIError) {
	chatID, e := chatParam(p, "chat_id")
	if e != nil {
		return nil, e
	}
	msgID, ok := p.integer("message_id")
	if !ok {
		return nil, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messageLocked(chatID, int(msgID))
	if m == nil {
		return nil, badRequest("message to delete not found")
	}
	m.deleted = true
	return true, nil
}

func (s *Server) answerCallbackQuery(_ *http.Request, p params) (any, *APIError) {
	id := p.get("callback_query_id")
	if id == "" {
		return nil, badRequest("query_id is empty")
	}
	cacheTime, _ := p.integer("cache_time")
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, known := s.callbacks[id]
	if !known || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.callbacks[id] = true
	s.answers = append(s.answers, CallbackAnswer{
		QueryID: id, Text: p.get("text"), ShowAlert: p.boolean("show_alert"), URL: p.get("url"),
		CacheTime: int(cacheTime), Time: s.now(),
	})
	s.broadcastLocked()
	return true, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(_ *http.Request, p params) (any, *APIError) {
	if _, e := s.targetChat(p); e != nil {
		return nil, e
	}
	if !chatActions[p.get("action")] {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}

func (s *Server) getChat(_ *http.Request, p params) (any, *APIError) {
	id, e := chatParam(p, "chat_id")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatObjectLocked(id), nil
}

// sourceMessage resolves from_chat_id + message_id of copyMessage/forwardMessage.
func (s *Server) sourceMessageLocked(p params, verb string) (map[string]any, *APIError) {
	from, e := chatParam(p, "from_chat_id")
	if e != nil {
		return nil, e
	}
	msgID, ok := p.integer("message_id")
	if !ok {
		return nil, badRequest("message identifier is not specified")
	}
	m := s.messageLocked(from, int(msgID))
	if m == nil {
		return nil, badRequest("message to %s not found", verb)
	}
	return copyObject(m.obj), nil
}

var forwardDropped = []string{
	"message_id", "from", "chat", "date", "edit_date", "reply_to_message", "reply_markup",
	"forward_origin", "forward_from", "forward_sender_name", "forward_date", "forward_from_chat",
	"forward_from_message_id", "forward_signature",
}

func (s *Server) copyOrForward(p params, method string) (any, *APIError) {
	chatID, e := s.targetChat(p)
	if e != nil {
		return nil, e
	}
	markup, inline, e := parseMarkup(p.get("reply_markup"))
	if e != nil {
		return nil, e
	}
	var caption *formatted
	if p.has("caption") && method == "copyMessage" {
		f, e := parseText(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"))
		if e != nil {
			return nil, e
		}
		caption = &f
	}
	s.mu.Lock()
	verb := "copy"
	if method == "forwardMessage" {
		verb = "forward"
	}
	src, e := s.sourceMessageLocked(p, verb)
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	origFrom, origDate := src["from"], src["date"]
	m, id := s.newMessageLocked(chatID, true)
	for k, v := range src {
		if !contains(forwardDropped, k) {
			m.obj[k] = v
		}
	}
	if caption != nil {
		if _, hasText := m.obj["text"]; !hasText {
			m.obj["caption"] = caption.text
			setEntities(m.obj, "caption_entities", caption.entities)
		}
	}
	if method == "forwardMessage" {
		m.obj["forward_origin"] = map[string]any{"type": "user", "sender_user": origFrom, "date": origDate}
		m.obj["forward_from"] = origFrom
		m.obj["forward_date"] = origDate
	}
	if inline {
		m.obj["reply_markup"] = markup
	}
	text, _ := m.obj["text"].(string)
	if text == "" {
		text, _ = m.obj["caption"].(string)
	}
	var result any = map[string]any{"message_id": id}
	if method == "forwardMessage" {
		result = toGeneric(m.obj)
	}
	sm := SentMessage{
		Method: method, ChatID: chatID, MessageID: id, Text: text, ReplyMarkup: markup,
		DisableNotification: p.boolean("disable_notification"), Time: s.now(),
	}
	fns := s.recordLocked(sm, false)
	s.mu.Unlock()
	notify(fns, sm)
	return result, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s *Server) copyMessage(_ *http.Request, p params) (any, *APIError) {
	return s.copyOrForward(p, "copyMessage")
}

func (s *Server) forwardMessage(_ *http.Request, p params) (any, *APIError) {
	return s.copyOrForward(p, "forwardMessage")
}

func (s *Server) setMyCommands(_ *http.Request, p params) (any, *APIError) {
	var cmds []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	if json.Unmarshal([]byte(p.get("commands")), &cmds) != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = json.RawMessage(p.get("commands"))
	return true, nil
}

func (s *Server) getMyCommands(_ *http.Request, _ params) (any, *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.commands == nil {
		return []any{}, nil
	}
	return s.commands, nil
}

func (s *Server) deleteMyCommands(_ *http.Request, _ params) (any, *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = nil
	return true, nil
}

func (s *Server) getFile(_ *http.Request, p params) (any, *APIError) {
	id := p.get("file_id")
	if id == "" {
		return nil, badRequest("file_id not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[id]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	if f.size > MaxDownloadSize {
		return nil, badRequest("file is too big")
	}
	return f.object(true), nil
}

var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(_ *http.Request, p params) (any, *APIError) {
	raw := strings.TrimSpace(p.get("url"))
	secret := p.get("secret_token")
	if secret != "" && !secretTokenRE.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	if raw == "" {
		return s.removeWebhook(p.boolean("drop_pending_updates"))
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.boolean("drop_pending_updates") {
		s.queue = nil
	}
	if s.hook.url == raw && s.hook.secret == secret && s.hook.stop != nil {
		return described{true, "Webhook is already set"}, nil
	}
	s.hook.url = raw
	s.hook.secret = secret
	s.hook.lastErrorDate = 0
	s.hook.lastErrorMessage = ""
	s.startWebhookLocked()
	s.broadcastLocked()
	return described{true, "Webhook was set"}, nil
}

func (s *Server) removeWebhook(drop bool) (any, *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if drop {
		s.queue = nil
	}
	was := s.hook.url != ""
	s.stopWebhookLocked()
	s.hook = webhookState{}
	s.broadcastLocked()
	if !was {
		return described{true, "Webhook is already deleted"}, nil
	}
	return described{true, "Webhook was deleted"}, nil
}

func (s *Server) deleteWebhook(_ *http.Request, p params) (any, *APIError) {
	return s.removeWebhook(p.boolean("drop_pending_updates"))
}

func (s *Server) getWebhookInfo(_ *http.Request, _ params) (any, *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := map[string]any{
		"url":                    s.hook.url,
		"has_custom_certificate": false,
		"pending_update_count":   len(s.queue),
	}
	if s.hook.url != "" {
		info["max_connections"] = 40
		if s.hook.lastErrorDate != 0 {
			info["last_error_date"] = s.hook.lastErrorDate
			info["last_error_message"] = s.hook.lastErrorMessage
		}
	}
	return info, nil
}
