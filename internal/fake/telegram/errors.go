package faketelegram

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// APIError is an error answer of the Bot API. It is serialised exactly as
// Telegram does:
//
//	{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}
//
// and answered with the HTTP status Code.
type APIError struct {
	// Code is the error_code and the HTTP status (400, 401, 403, 404, 409, 429, …).
	Code int
	// Description is the human-readable description, e.g. "Bad Request: chat not found".
	Description string
	// RetryAfter, when not zero, is sent as parameters.retry_after (seconds).
	RetryAfter int
	// MigrateToChatID, when not zero, is sent as parameters.migrate_to_chat_id.
	MigrateToChatID int64
}

// Error implements error.
func (e APIError) Error() string {
	return fmt.Sprintf("telegram error %d: %s", e.Code, e.Description)
}

// Predefined errors that Telegram answers when a chat cannot be reached.
var (
	// Blocked is what Telegram answers for sends to a user who blocked the bot.
	Blocked = APIError{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
	// CantInitiate is what Telegram answers for sends to a user who never pressed Start.
	CantInitiate = APIError{Code: http.StatusForbidden, Description: "Forbidden: bot can't initiate conversation with a user"}
	// ChatNotFound is what Telegram answers for sends to a chat it does not know.
	ChatNotFound = APIError{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"}
	// Unauthorized is what Telegram answers for a wrong bot token.
	Unauthorized = APIError{Code: http.StatusUnauthorized, Description: "Unauthorized"}
	// NotFound is what Telegram answers for an unknown method or file.
	NotFound = APIError{Code: http.StatusNotFound, Description: "Not Found"}
	// WebhookConflict is what getUpdates answers while a webhook is set.
	WebhookConflict = APIError{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	// PollConflict is what a waiting getUpdates answers when another getUpdates request arrives.
	PollConflict = APIError{Code: http.StatusConflict, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
)

// TooManyRequests returns the 429 flood-control error with parameters.retry_after.
func TooManyRequests(retryAfter int) APIError {
	return APIError{
		Code:        http.StatusTooManyRequests,
		Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		RetryAfter:  retryAfter,
	}
}

// MigratedTo returns the 400 error Telegram answers for sends to a group that
// was upgraded to the supergroup newChatID (parameters.migrate_to_chat_id).
func MigratedTo(newChatID int64) APIError {
	return APIError{
		Code:            http.StatusBadRequest,
		Description:     "Bad Request: group chat was upgraded to a supergroup chat",
		MigrateToChatID: newChatID,
	}
}

// BadRequest returns a 400 error whose description is "Bad Request: " + reason.
func BadRequest(reason string) APIError {
	return APIError{Code: http.StatusBadRequest, Description: "Bad Request: " + reason}
}

func badRequest(format string, args ...any) *APIError {
	e := BadRequest(fmt.Sprintf(format, args...))
	return &e
}

type responseParameters struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}

type apiResponse struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Description string              `json:"description,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e APIError) {
	code := e.Code
	if code == 0 {
		code = http.StatusBadRequest
	}
	resp := apiResponse{OK: false, ErrorCode: code, Description: e.Description}
	if e.RetryAfter != 0 || e.MigrateToChatID != 0 {
		resp.Parameters = &responseParameters{RetryAfter: e.RetryAfter, MigrateToChatID: e.MigrateToChatID}
	}
	writeJSON(w, code, resp)
}

// described is a successful result that carries a description too (setWebhook,
// deleteWebhook).
type described struct {
	result      any
	description string
}

func writeResult(w http.ResponseWriter, result any) {
	resp := apiResponse{OK: true, Result: result}
	if d, ok := result.(described); ok {
		resp.Result = d.result
		resp.Description = d.description
	}
	writeJSON(w, http.StatusOK, resp)
}
