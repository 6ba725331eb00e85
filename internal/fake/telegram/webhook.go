package faketelegram

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SecretTokenHeader is the header carrying setWebhook's secret_token.
const SecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token"

type webhookState struct {
	url              string
	secret           string
	stop             chan struct{}
	lastErrorDate    int64
	lastErrorMessage string
}

func (s *Server) startWebhookLocked() {
	s.stopWebhookLocked()
	stop := make(chan struct{})
	s.hook.stop = stop
	select {
	case <-s.closed:
		return // closed: never deliver again
	default:
	}
	s.wg.Add(1)
	go s.deliver(stop)
}

func (s *Server) stopWebhookLocked() {
	if s.hook.stop != nil {
		close(s.hook.stop)
		s.hook.stop = nil
	}
}

// deliver posts queued updates to the webhook one at a time, in order; an
// update stays queued until the webhook answers 2xx, and failures are retried
// with exponential backoff.
func (s *Server) deliver(stop chan struct{}) {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
		case <-s.closed:
		case <-ctx.Done():
		}
		cancel()
	}()
	backoff := s.opts.backoffMin
	for {
		s.mu.Lock()
		if s.hook.stop != stop || ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		if len(s.queue) == 0 {
			ch := s.changed
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
			}
			continue
		}
		u := s.queue[0]
		target, secret := s.hook.url, s.hook.secret
		s.mu.Unlock()

		errMsg := s.post(ctx, target, secret, u.body)

		s.mu.Lock()
		if s.hook.stop != stop {
			s.mu.Unlock()
			return
		}
		if errMsg == "" {
			if len(s.queue) > 0 && s.queue[0].id == u.id {
				s.queue = s.queue[1:]
				s.broadcastLocked()
			}
			s.mu.Unlock()
			backoff = s.opts.backoffMin
			continue
		}
		s.hook.lastErrorDate = s.now().Unix()
		s.hook.lastErrorMessage = errMsg
		s.mu.Unlock()
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		backoff = min(backoff*2, s.opts.backoffMax)
	}
}

// post delivers one update; it returns "" on a 2xx answer, else the error
// message getWebhookInfo reports.
func (s *Server) post(ctx context.Context, target, secret string, body []byte) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretTokenHeader, secret)
	}
	resp, err := s.opts.webhookClient.Do(req)
	if err != nil {
		return "Connection refused"
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Sprintf("Wrong response from the webhook: %s", resp.Status)
	}
	return ""
}
