package sms

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// MediaSource downloads MMS attachments (MediaUrlN) with the account's
// credentials (HTTP basic auth); with APIURL set, Twilio's host is replaced
// as for the REST API (TWILIO_API_URL).
type MediaSource struct {
	AccountSID, AuthToken string
	APIURL                string
	Client                *http.Client
}

// FetchMedia downloads the attachment at mediaURL, at most max bytes
// (hotline.ErrMediaTooLarge beyond). Twilio redirects to a storage host;
// the credentials are not sent there.
func (s MediaSource) FetchMedia(ctx context.Context, mediaURL string, max int64) ([]byte, string, error) {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
		if s.APIURL != "" {
			u, err := url.Parse(s.APIURL)
			if err != nil {
				return nil, "", fmt.Errorf("TWILIO_API_URL: %w", err)
			}
			client.Transport = RewriteTransport{Base: u}
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("media URL: %w", hotline.ErrInvalid)
	}
	req.SetBasicAuth(s.AccountSID, s.AuthToken)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download twilio media: network error")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("download twilio media: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("download twilio media: %w", err)
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("twilio media over %d bytes: %w", max, hotline.ErrMediaTooLarge)
	}
	return data, resp.Header.Get("Content-Type"), nil
}
