package faketelegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
)

// chatState is what the fake knows about one chat: its messages (user's and
// bot's share one id sequence, as in Telegram) and, for groups, its title.
type chatState struct {
	id     int64
	typ    string
	title  string
	lastID int
	msgs   map[int]*storedMessage
}

type storedMessage struct {
	obj     map[string]any // the Message object as Telegram would return it
	fromBot bool
	deleted bool
}

func chatType(id int64) string {
	switch {
	case id > 0:
		return "private"
	case id < -1000000000000:
		return "supergroup"
	default:
		return "group"
	}
}

func (s *Server) chatLocked(id int64) *chatState {
	c := s.chats[id]
	if c == nil {
		c = &chatState{id: id, typ: chatType(id), msgs: map[int]*storedMessage{}}
		s.chats[id] = c
	}
	return c
}

// chatObject returns the Chat object of chat id, enriched with the user's
// names for private chats the fake knows.
func (s *Server) chatObjectLocked(id int64) map[string]any {
	c := s.chatLocked(id)
	obj := map[string]any{"id": id, "type": c.typ}
	if c.typ == "private" {
		if u, ok := s.users[id]; ok {
			if u.FirstName != "" {
				obj["first_name"] = u.FirstName
			}
			if u.LastName != "" {
				obj["last_name"] = u.LastName
			}
			if u.Username != "" {
				obj["username"] = u.Username
			}
		}
	} else if c.title != "" {
		obj["title"] = c.title
	}
	return obj
}

func botUserObject() map[string]any {
	return map[string]any{"id": BotID, "is_bot": true, "first_name": BotFirstName, "username": BotUsername}
}

// newMessageLocked stores a new message in chat id and returns its object
// (already carrying message_id, chat and date).
func (s *Server) newMessageLocked(chatID int64, fromBot bool) (*storedMessage, int) {
	c := s.chatLocked(chatID)
	c.lastID++
	m := &storedMessage{
		obj: map[string]any{
			"message_id": c.lastID,
			"chat":       s.chatObjectLocked(chatID),
			"date":       s.now().Unix(),
		},
		fromBot: fromBot,
	}
	if fromBot {
		m.obj["from"] = botUserObject()
	}
	c.msgs[c.lastID] = m
	return m, c.lastID
}

func (s *Server) messageLocked(chatID int64, id int) *storedMessage {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	m := c.msgs[id]
	if m == nil || m.deleted {
		return nil
	}
	return m
}

// copyObject returns a shallow copy of a message object.
func copyObject(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	return out
}

// rememberMessageLocked records a message object seen in an injected update so
// that later edits, replies and button presses find it.
func (s *Server) rememberMessageLocked(raw json.RawMessage, fromBotDefault bool) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&obj) != nil {
		return
	}
	chat, _ := obj["chat"].(map[string]any)
	if chat == nil {
		return
	}
	chatID, ok1 := jsonInt(chat["id"])
	msgID, ok2 := jsonInt(obj["message_id"])
	if !ok1 || !ok2 || msgID <= 0 {
		return
	}
	c := s.chatLocked(chatID)
	if t, ok := chat["type"].(string); ok && t != "" {
		c.typ = t
	}
	if t, ok := chat["title"].(string); ok && t != "" {
		c.title = t
	}
	if int(msgID) > c.lastID {
		c.lastID = int(msgID)
	}
	if _, exists := c.msgs[int(msgID)]; exists {
		return
	}
	fromBot := fromBotDefault
	if from, ok := obj["from"].(map[string]any); ok {
		id, _ := jsonInt(from["id"])
		fromBot = id == BotID
	}
	c.msgs[int(msgID)] = &storedMessage{obj: obj, fromBot: fromBot}
}

func jsonInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// fileEntry is a file the fake can serve through getFile and /file/bot….
type fileEntry struct {
	id       string
	uniqueID string
	path     string
	content  []byte
	size     int
}

func (f *fileEntry) object(withPath bool) map[string]any {
	obj := map[string]any{"file_id": f.id, "file_unique_id": f.uniqueID, "file_size": f.size}
	if withPath {
		obj["file_path"] = f.path
	}
	return obj
}

// AddFile registers a file the bot can fetch with getFile(fileID) and download
// from the file endpoint. Registering the same id again replaces the content.
func (s *Server) AddFile(fileID string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFileLocked(fileID, "", append([]byte(nil), content...), len(content))
}

func (s *Server) addFileLocked(fileID, uniqueID string, content []byte, size int) *fileEntry {
	if f := s.files[fileID]; f != nil {
		delete(s.filePaths, f.path)
	}
	s.fileSeq++
	if uniqueID == "" {
		uniqueID = fmt.Sprintf("AgAD%06d", s.fileSeq)
	}
	dir, ext := fileKind(content)
	f := &fileEntry{
		id:       fileID,
		uniqueID: uniqueID,
		path:     path.Join(dir, fmt.Sprintf("file_%d%s", s.fileSeq, ext)),
		content:  content,
		size:     size,
	}
	s.files[fileID] = f
	s.filePaths[f.path] = f
	return f
}

// fileKind picks the folder and extension Telegram would use for content.
func fileKind(content []byte) (dir, ext string) {
	ct := http.DetectContentType(content)
	switch {
	case strings.HasPrefix(ct, "image/jpeg"):
		return "photos", ".jpg"
	case strings.HasPrefix(ct, "image/png"):
		return "photos", ".png"
	case strings.HasPrefix(ct, "image/webp"):
		return "stickers", ".webp"
	case strings.HasPrefix(ct, "audio/ogg"), strings.HasPrefix(ct, "application/ogg"):
		return "voice", ".oga"
	case strings.HasPrefix(ct, "video/mp4"):
		return "videos", ".mp4"
	case strings.HasPrefix(ct, "application/pdf"):
		return "documents", ".pdf"
	default:
		return "documents", ""
	}
}

// rememberFilesLocked registers every file (an object with file_id and
// file_unique_id) in an update the fake queues, so that getFile works for
// them as it does on Telegram. Content is a placeholder of file_size bytes
// unless AddFile registered the id.
func (s *Server) rememberFilesLocked(v any) {
	switch t := v.(type) {
	case map[string]any:
		id, ok1 := t["file_id"].(string)
		uid, ok2 := t["file_unique_id"].(string)
		if ok1 && ok2 && id != "" && s.files[id] == nil {
			size, _ := jsonInt(t["file_size"])
			if size < 0 {
				size = 0
			}
			var content []byte
			if size <= MaxDownloadSize {
				content = bytes.Repeat([]byte{0}, int(size))
			}
			s.addFileLocked(id, uid, content, int(size))
		}
		for _, child := range t {
			s.rememberFilesLocked(child)
		}
	case []any:
		for _, child := range t {
			s.rememberFilesLocked(child)
		}
	}
}
