package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
)

// messagingServiceSID is the shape of a Twilio Messaging Service SID.
var messagingServiceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)

// checkAddresses validates the syntax of the addresses in c: DATABASE_URL
// and REDIS_URL (a URL that does not parse is bad configuration, exit 2;
// a server that does not answer is a failure at run time, exit 1),
// HTTP_ADDR ([host]:port) and TWILIO_FROM (E.164 or a Messaging Service
// SID). It returns one error per bad variable, naming it.
func checkAddresses(c Config) []error {
	var errs []error
	if _, err := pgx.ParseConfig(c.DatabaseURL); err != nil {
		errs = append(errs, errors.New("DATABASE_URL is not a PostgreSQL URL such as postgres://user@host:5432/db"))
	}
	if _, err := redis.ParseURL(c.RedisURL); err != nil {
		errs = append(errs, errors.New("REDIS_URL is not a Redis URL such as redis://host:6379/0"))
	}
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || !validPort(port) {
		errs = append(errs, fmt.Errorf("HTTP_ADDR must be [host]:port such as :8080 or 127.0.0.1:8080"))
	}
	if f := c.TwilioFrom; f != "" && !messagingServiceSID.MatchString(f) {
		if _, err := hotline.NormalizePhone(f); err != nil {
			errs = append(errs, errors.New("TWILIO_FROM must be an E.164 number such as +35542000000 or a Messaging Service SID (MG…)"))
		}
	}
	return errs
}

// validPort reports whether s is a port number, 0 to 65535 (0: any free port).
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535
}

// quietRedis drops go-redis's own log lines (connection retries, pool
// messages): hotline reports a Redis failure itself, in one line.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietRedis{}) }
