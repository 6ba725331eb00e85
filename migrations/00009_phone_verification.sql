-- +goose Up
-- A phone number a responder adds themselves (Telegram "/phone +355…") is
-- used for alerts only once the code sent to it by SMS comes back
-- ("/verify CODE"): until then it lives here, and responders.phone (what
-- alerts, fallbacks and wake-up calls use) keeps the number verified or
-- imported before. One claim per responder; a new one replaces it.
CREATE TABLE responder_phone_claims (
    responder_id bigint      PRIMARY KEY REFERENCES responders (id),
    phone        text        NOT NULL,            -- E.164, the responder's own number
    code_hash    bytea       NOT NULL,            -- HMAC-SHA-256 (keyed) of responder id and code
    attempts     int         NOT NULL DEFAULT 0,  -- wrong codes so far; 5 voids the claim
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL
);
-- Where an outbox item goes instead of its responder's own phone: the
-- number being verified (kind phone_verification).
ALTER TABLE outbox ADD COLUMN to_phone text;

-- +goose Down
ALTER TABLE outbox DROP COLUMN to_phone;
DROP TABLE responder_phone_claims;
