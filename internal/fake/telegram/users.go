package faketelegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// User is a Telegram user the fake plays. The private chat with a user has the
// user's id as chat id.
type User struct {
	// ID is the user id (positive).
	ID int64
	// FirstName is the first name (may be empty-looking, e.g. "ㅤ").
	FirstName string
	// LastName is the optional last name.
	LastName string
	// Username is the optional username, without "@".
	Username string
	// LanguageCode is the optional IETF language tag of the user's client, e.g. "sq".
	LanguageCode string
}

func (u User) object() map[string]any {
	obj := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.LastName != "" {
		obj["last_name"] = u.LastName
	}
	if u.Username != "" {
		obj["username"] = u.Username
	}
	if u.LanguageCode != "" {
		obj["language_code"] = u.LanguageCode
	}
	return obj
}

// Chat is a group or supergroup in which users write (see SendGroupMessage).
type Chat struct {
	// ID is the chat id (negative for groups; below -1000000000000 for supergroups).
	ID int64
	// Type is "group" or "supergroup"; empty = derived from ID.
	Type string
	// Title is the group's title.
	Title string
}

// toGeneric turns any JSON-able value into its generic JSON form (maps,
// slices, json.Number, …), so that stored objects never alias caller data.
func toGeneric(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("faketelegram: value is not JSON-able: %v", err))
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		panic(fmt.Sprintf("faketelegram: %v", err))
	}
	return out
}

// enqueueLocked assigns the next update_id to update (an object with one
// update field), queues it and returns the id.
func (s *Server) enqueueLocked(update map[string]any) int64 {
	id := s.nextUpdateID
	s.nextUpdateID++
	update["update_id"] = id
	body, err := json.Marshal(update)
	if err != nil {
		panic(fmt.Sprintf("faketelegram: update is not JSON-able: %v", err))
	}
	s.queue = append(s.queue, queuedUpdate{id: id, body: body})
	s.broadcastLocked()
	return id
}

// SendText makes user from write text to the bot in their private chat. A
// text starting with "/" carries a bot_command entity, as Telegram adds it.
// It returns the update_id and the message_id.
func (s *Server) SendText(from User, text string) (updateID int64, messageID int) {
	fields := map[string]any{"text": text}
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		cmd, _, _ = strings.Cut(cmd, "\n")
		fields["entities"] = []entity{{Type: "bot_command", Offset: 0, Length: UTF16Len(cmd)}}
	}
	return s.SendMessage(from, fields)
}

// SendMessage makes user from send a message in their private chat with the
// bot. fields are merged into the Message object the fake builds (message_id,
// from, chat and date are set already; any of them but message_id can be
// overridden), e.g.
//
//	map[string]any{"photo": []map[string]any{…}, "caption": "…"}
//	map[string]any{"forward_origin": map[string]any{"type": "hidden_user", …}, "text": "…"}
//
// File objects in fields (with file_id and file_unique_id) become fetchable
// with getFile. It returns the update_id and the message_id.
func (s *Server) SendMessage(from User, fields map[string]any) (updateID int64, messageID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	return s.userMessageLocked(from.ID, from, fields)
}

// SendGroupMessage makes user from write in a group chat.
func (s *Server) SendGroupMessage(chat Chat, from User, fields map[string]any) (updateID int64, messageID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	c := s.chatLocked(chat.ID)
	if chat.Type != "" {
		c.typ = chat.Type
	}
	if chat.Title != "" {
		c.title = chat.Title
	}
	return s.userMessageLocked(chat.ID, from, fields)
}

func (s *Server) userMessageLocked(chatID int64, from User, fields map[string]any) (int64, int) {
	m, id := s.newMessageLocked(chatID, false)
	m.obj["from"] = from.object()
	for k, v := range fields {
		if k != "message_id" {
			m.obj[k] = v
		}
	}
	generic, _ := toGeneric(m.obj).(map[string]any)
	m.obj = generic
	s.rememberFilesLocked(generic)
	return s.enqueueLocked(map[string]any{"message": generic}), id
}

// SendPhoto makes user from send a photo (file fileID as the largest size,
// plus a thumbnail size) with an optional caption.
func (s *Server) SendPhoto(from User, fileID, caption string) (updateID int64, messageID int) {
	s.mu.Lock()
	var size int
	var content []byte
	if f := s.files[fileID]; f != nil {
		size, content = f.size, f.content
	}
	if s.files[fileID+"-s"] == nil {
		s.addFileLocked(fileID+"-s", "", content, size)
	}
	s.mu.Unlock()
	fields := map[string]any{"photo": []map[string]any{
		{"file_id": fileID + "-s", "file_unique_id": fileID + "-su", "file_size": size, "width": 90, "height": 67},
		{"file_id": fileID, "file_unique_id": fileID + "-u", "file_size": size, "width": 1280, "height": 960},
	}}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.SendMessage(from, fields)
}

// SendVoice makes user from send a voice note (file fileID, duration in seconds).
func (s *Server) SendVoice(from User, fileID string, duration int) (updateID int64, messageID int) {
	return s.SendMessage(from, map[string]any{"voice": s.mediaObject(fileID, map[string]any{"duration": duration, "mime_type": "audio/ogg"})})
}

// SendDocument makes user from send a document with an optional caption.
func (s *Server) SendDocument(from User, fileID, fileName, mimeType, caption string) (updateID int64, messageID int) {
	fields := map[string]any{"document": s.mediaObject(fileID, map[string]any{"file_name": fileName, "mime_type": mimeType})}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.SendMessage(from, fields)
}

func (s *Server) mediaObject(fileID string, extra map[string]any) map[string]any {
	s.mu.Lock()
	size := 0
	if f := s.files[fileID]; f != nil {
		size = f.size
	}
	s.mu.Unlock()
	obj := map[string]any{"file_id": fileID, "file_unique_id": fileID + "-u", "file_size": size}
	for k, v := range extra {
		obj[k] = v
	}
	return obj
}

// SendLocation makes user from share a location.
func (s *Server) SendLocation(from User, latitude, longitude float64) (updateID int64, messageID int) {
	return s.SendMessage(from, map[string]any{"location": map[string]any{"latitude": latitude, "longitude": longitude}})
}

// SendContact makes user from share a contact (userID 0 = not a Telegram user).
func (s *Server) SendContact(from User, phoneNumber, firstName string, userID int64) (updateID int64, messageID int) {
	contact := map[string]any{"phone_number": phoneNumber, "first_name": firstName}
	if userID != 0 {
		contact["user_id"] = userID
	}
	return s.SendMessage(from, map[string]any{"contact": contact})
}

// EditText makes user from edit their message messageID in their private
// chat to text; it queues an edited_message update and returns its update_id.
func (s *Server) EditText(from User, messageID int, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	var obj map[string]any
	if m := s.messageLocked(from.ID, messageID); m != nil && !m.fromBot {
		obj = copyObject(m.obj)
		m.obj = obj
	} else {
		obj = map[string]any{"message_id": messageID, "chat": s.chatObjectLocked(from.ID), "date": s.now().Unix()}
	}
	obj["from"] = from.object()
	obj["text"] = text
	obj["edit_date"] = s.now().Unix()
	generic := toGeneric(obj)
	return s.enqueueLocked(map[string]any{"edited_message": generic})
}

// PressButton makes user from press the inline button with callback data data
// under the bot's message msg. It queues a callback_query with a fresh id and
// the message as it is now, and returns the update_id. The fake does not check
// that the message has a button with that data.
func (s *Server) PressButton(from User, msg SentMessage, data string) int64 {
	return s.PressButtonIn(from, msg.ChatID, msg.MessageID, data)
}

// PressButtonIn is PressButton for a message given by chat and message id.
func (s *Server) PressButtonIn(from User, chatID int64, messageID int, data string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	s.cbSeq++
	id := strconv.FormatInt(BotID<<20+s.cbSeq, 10)
	s.callbacks[id] = false
	var msg any
	if m := s.messageLocked(chatID, messageID); m != nil {
		msg = toGeneric(m.obj)
	} else {
		// An inaccessible message: Telegram sends date 0.
		msg = map[string]any{"chat": s.chatObjectLocked(chatID), "message_id": messageID, "date": 0}
	}
	cq := map[string]any{
		"id":            id,
		"from":          from.object(),
		"message":       msg,
		"chat_instance": strconv.FormatInt(-(chatID*7919 + 13), 10),
		"data":          data,
	}
	return s.enqueueLocked(map[string]any{"callback_query": cq})
}

// BlockBot makes user from block the bot: it queues the my_chat_member update
// (status "kicked") Telegram sends and blocks sends to the user (see Block).
func (s *Server) BlockBot(from User) int64 {
	return s.memberChange(from, "member", "kicked", true)
}

// UnblockBot makes user from unblock the bot (my_chat_member "member") and
// lifts the block.
func (s *Server) UnblockBot(from User) int64 {
	return s.memberChange(from, "kicked", "member", false)
}

func (s *Server) memberChange(from User, oldStatus, newStatus string, block bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	if block {
		s.blocked[from.ID] = true
	} else {
		delete(s.blocked, from.ID)
	}
	newMember := map[string]any{"user": botUserObject(), "status": newStatus}
	if newStatus == "kicked" {
		newMember["until_date"] = 0
	}
	return s.enqueueLocked(map[string]any{"my_chat_member": map[string]any{
		"chat":            s.chatObjectLocked(from.ID),
		"from":            from.object(),
		"date":            s.now().Unix(),
		"old_chat_member": map[string]any{"user": botUserObject(), "status": oldStatus},
		"new_chat_member": newMember,
	}})
}

// InjectRaw queues any update JSON object as it is (fixtures, update types the
// client library does not know, deliberately malformed fields), with its
// update_id overwritten by the next id, which it returns. Messages, callback
// queries and files in it become known to the fake (for edits, answers and
// getFile). It panics when update is not a JSON object: that is a bug in the
// test.
func (s *Server) InjectRaw(update json.RawMessage) int64 {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(update, &fields); err != nil || fields == nil {
		panic(fmt.Sprintf("faketelegram: InjectRaw needs a JSON object: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{"message", "edited_message", "channel_post", "edited_channel_post"} {
		if raw, ok := fields[k]; ok {
			s.rememberMessageLocked(raw, false)
		}
	}
	if raw, ok := fields["callback_query"]; ok {
		var cq struct {
			ID      string          `json:"id"`
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(raw, &cq) == nil {
			if cq.ID != "" {
				if _, seen := s.callbacks[cq.ID]; !seen {
					s.callbacks[cq.ID] = false
				}
			}
			if len(cq.Message) > 0 {
				s.rememberMessageLocked(cq.Message, true)
			}
		}
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(update))
	dec.UseNumber()
	if dec.Decode(&generic) == nil {
		s.rememberFilesLocked(generic)
	}
	id := s.nextUpdateID
	s.nextUpdateID++
	fields["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
	body, err := json.Marshal(fields)
	if err != nil {
		panic(fmt.Sprintf("faketelegram: %v", err))
	}
	s.queue = append(s.queue, queuedUpdate{id: id, body: body})
	s.broadcastLocked()
	return id
}
