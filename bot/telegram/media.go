package telegram

import (
	"context"
	"fmt"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hotline-al/hotline/hotline"
)

// FetchMedia downloads the file fileID (getFile, then the file endpoint),
// at most max bytes: larger files give hotline.ErrMediaTooLarge (the Bot API
// itself serves files up to 20 MB). It returns the bytes and the content type.
func (b *BotAPI) FetchMedia(ctx context.Context, fileID string, max int64) ([]byte, string, error) {
	f, err := b.bot.GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		return nil, "", fmt.Errorf("telegram getFile: %s", redact(err, b.token))
	}
	if int64(f.FileSize) > max {
		return nil, "", fmt.Errorf("telegram file of %d bytes: %w", f.FileSize, hotline.ErrMediaTooLarge)
	}
	url := fmt.Sprintf(b.fileEndpoint, b.token, f.FilePath)
	return download(ctx, http.DefaultClient, url, max, func(r *http.Request) {}, b.token)
}

// download GETs url, reading at most max bytes (one more means too large).
// secret is removed from errors (it may be in the URL).
func download(ctx context.Context, client *http.Client, url string, max int64, prepare func(*http.Request), secret string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", fmt.Errorf("download: bad URL")
	}
	prepare(req)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download: %s", redact(err, secret))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("download: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("download: %s", redact(err, secret))
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("download over %d bytes: %w", max, hotline.ErrMediaTooLarge)
	}
	return data, resp.Header.Get("Content-Type"), nil
}
