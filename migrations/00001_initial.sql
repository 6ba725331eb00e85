-- +goose Up
-- Reporters are known only by an opaque id. Their contact lives encrypted in
-- reporter_contacts, looked up by a keyed hash (HMAC-SHA-256), never in clear.
CREATE TABLE reporters (
    id              bigserial PRIMARY KEY,
    channel         text        NOT NULL,
    language        text        NOT NULL DEFAULT 'sq',
    opted_out_at    timestamptz,          -- STOP / NDALO: nothing more is sent
    erased_at       timestamptz,          -- FSHIJ / DELETE: contact erased
    last_message_at timestamptz,
    created_at      timestamptz NOT NULL
);

CREATE TABLE reporter_contacts (
    reporter_id       bigint PRIMARY KEY REFERENCES reporters (id) ON DELETE CASCADE,
    channel           text  NOT NULL,
    contact_hash      bytea NOT NULL,   -- HMAC-SHA-256 of channel and contact
    contact_encrypted bytea NOT NULL,   -- AES-256-GCM, nonce prepended
    UNIQUE (channel, contact_hash)
);

-- De-duplication keys of everything that arrives: Twilio MessageSid,
-- Telegram update_id. A repeat finds its key here and changes nothing.
CREATE TABLE inbound_deliveries (
    source      text        NOT NULL,   -- 'twilio' or 'telegram'
    key         text        NOT NULL,   -- MessageSid or update_id
    received_at timestamptz NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE responders (
    id               bigserial PRIMARY KEY,
    name             text    NOT NULL,
    role             text    NOT NULL,
    county           text    NOT NULL DEFAULT '',  -- ISO 3166-2:AL, '' for national roles
    telegram_chat_id bigint,
    phone            text,
    always_on_duty   boolean NOT NULL DEFAULT false,
    active           boolean NOT NULL DEFAULT true,
    UNIQUE (name, role, county)
);
CREATE INDEX responders_telegram ON responders (telegram_chat_id) WHERE telegram_chat_id IS NOT NULL;
CREATE INDEX responders_phone ON responders (phone) WHERE phone IS NOT NULL;

CREATE TABLE shifts (
    responder_id bigint      NOT NULL REFERENCES responders (id) ON DELETE CASCADE,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX shifts_responder ON shifts (responder_id);

CREATE TABLE tips (
    id               bigserial PRIMARY KEY,
    reference_code   text        NOT NULL UNIQUE,
    reporter_id      bigint REFERENCES reporters (id),
    channel          text        NOT NULL,
    language         text        NOT NULL,
    status           text        NOT NULL DEFAULT 'open',  -- open, acknowledged, closed
    level            text        NOT NULL DEFAULT 'P4',
    county           text        NOT NULL DEFAULT '',
    intake           text        NOT NULL DEFAULT 'other',
    classification   jsonb       NOT NULL DEFAULT '{}',
    dispatch_pending boolean     NOT NULL DEFAULT false,   -- triage result not yet routed
    escalation_step  int         NOT NULL DEFAULT 0,
    escalate_at      timestamptz,
    acknowledged_at  timestamptz,
    last_message_at  timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX tips_dispatch_pending ON tips (id) WHERE dispatch_pending;
CREATE INDEX tips_escalation ON tips (escalate_at) WHERE escalate_at IS NOT NULL AND acknowledged_at IS NULL;
CREATE INDEX tips_reporter ON tips (reporter_id, last_message_at DESC);

-- Every message, in and out of a tip's transcript, and every inbound item we
-- could not place (tip_id NULL). raw_encrypted keeps the payload as it came
-- (it may hold contacts), encrypted.
CREATE TABLE messages (
    id            bigserial PRIMARY KEY,
    tip_id        bigint REFERENCES tips (id),
    reporter_id   bigint REFERENCES reporters (id),
    responder_id  bigint REFERENCES responders (id),
    direction     text        NOT NULL,  -- 'in' or 'out'
    channel       text        NOT NULL,
    kind          text        NOT NULL,  -- text, photo, voice, location, unknown, ...
    body          text        NOT NULL DEFAULT '',
    media         jsonb       NOT NULL DEFAULT '[]',
    raw_encrypted bytea,
    received_at   timestamptz NOT NULL
);
CREATE INDEX messages_tip ON messages (tip_id, id);

-- The outbox: every alert, escalation, reply and confirmation, sent by the
-- dispatch sender. An alert is written in the same transaction as the
-- routing decision that caused it.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    tip_id          bigint REFERENCES tips (id),
    kind            text        NOT NULL,  -- alert, escalation, reporter_reply, confirmation
    responder_id    bigint REFERENCES responders (id),
    reporter_id     bigint REFERENCES reporters (id),
    channel         text        NOT NULL,  -- telegram or sms
    body            text        NOT NULL,
    buttons         jsonb       NOT NULL DEFAULT '[]',
    priority        int         NOT NULL,  -- 1 (P1) … 4; replies take their tip's
    escalation_step int         NOT NULL DEFAULT 0,
    state           text        NOT NULL DEFAULT 'pending',  -- pending, sending, sent, delivered, failed
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    external_id     text,
    error           text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    CHECK ((responder_id IS NULL) <> (reporter_id IS NULL))
);
CREATE UNIQUE INDEX outbox_once ON outbox (tip_id, responder_id, kind, escalation_step, channel)
    WHERE kind IN ('alert', 'escalation');
CREATE INDEX outbox_due ON outbox (priority, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_external ON outbox (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE acknowledgements (
    tip_id          bigint      NOT NULL REFERENCES tips (id),
    responder_id    bigint      NOT NULL REFERENCES responders (id),
    channel         text        NOT NULL,
    acknowledged_at timestamptz NOT NULL,
    PRIMARY KEY (tip_id, responder_id)
);

-- Append-only record of who did what. Never holds reporter contact.
CREATE TABLE audit_log (
    id     bigserial PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text        NOT NULL,
    action text        NOT NULL,
    tip_id bigint REFERENCES tips (id),
    detail jsonb       NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE audit_log, acknowledgements, outbox, messages, tips, shifts, responders,
    inbound_deliveries, reporter_contacts, reporters;
