// Package web serves hotline's HTTP surface: webhooks, health and readiness,
// Prometheus metrics, the console and (under `hotline demo`) the simulator.
// Routing is the standard library's ServeMux.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotline-al/hotline/hotline"
)

// Check is one readiness check ("postgres", "redis", "migrations").
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Routes are the handlers the server mounts; nil ones are left out (a
// channel that is switched off answers 404).
type Routes struct {
	TwilioSMS    http.Handler
	TwilioStatus http.Handler
	Telegram     http.Handler
	Simulator    http.Handler // only under `hotline demo`
	Console      http.Handler // the console (web/console); nil: the placeholder page
	Checks       []Check
	Gatherer     prometheus.Gatherer
}

// Handler returns the server's handler.
func Handler(r Routes) http.Handler {
	mux := http.NewServeMux()
	if r.TwilioSMS != nil {
		mux.Handle("POST /webhooks/twilio/sms", r.TwilioSMS)
	}
	if r.TwilioStatus != nil {
		mux.Handle("POST /webhooks/twilio/status", r.TwilioStatus)
	}
	if r.Telegram != nil {
		mux.Handle("POST /webhooks/telegram", r.Telegram)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		status := map[string]string{}
		code := http.StatusOK
		for _, c := range r.Checks {
			if err := c.Run(ctx); err != nil {
				status[c.Name] = err.Error()
				code = http.StatusServiceUnavailable
			} else {
				status[c.Name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status)
	})
	if r.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(r.Gatherer, promhttp.HandlerOpts{}))
	}
	if r.Console != nil {
		mux.Handle("/console/", r.Console)
	} else {
		mux.Handle("/console/", consoleHandler())
	}
	if r.Simulator != nil {
		mux.Handle("/simulator/", r.Simulator)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, req *http.Request) {
		target := "/console/"
		if r.Simulator != nil {
			target = "/simulator/"
		}
		http.Redirect(w, req, target, http.StatusFound)
	})
	return mux
}

// StatusOf maps an error kind to its HTTP status.
func StatusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, hotline.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, hotline.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, hotline.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, hotline.ErrUnauthorized):
		return http.StatusForbidden
	case errors.Is(err, hotline.ErrTemporary):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// consoleHandler serves the console's sign-in page. Sign-in by one-time
// code and the console itself are not built yet (issue 6): the page says so.
func consoleHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`<!doctype html><html lang="sq"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>hotline · hyrje / sign in</title></head><body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em">
<h1>hotline</h1><p>Hyrja në konsol me kod njëpërdorimësh nuk është gati ende.</p>
<p lang="en">Sign-in to the console with a one-time code is not available yet.</p></body></html>`))
	})
}
