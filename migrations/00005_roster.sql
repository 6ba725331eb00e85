-- +goose Up
-- Duty roster beyond explicit shifts: weekly rotations, overrides,
-- deactivation and Telegram link codes (issue 5; see docs/roster.md).

-- Set by `hotline roster deactivate` (lost phone, left the job): alerts stop,
-- the Telegram chat is unlinked and link codes are voided in the same
-- transaction. The console ends sessions of a responder with deactivated_at
-- set (or active false). Cleared when an import makes them active again.
ALTER TABLE responders ADD COLUMN deactivated_at timestamptz;

-- A weekly rotation: members take turns one week each, handing over at a
-- local weekday and time in Europe/Tirane.
CREATE TABLE rotations (
    id              bigserial PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    role            text        NOT NULL,
    county          text        NOT NULL DEFAULT '',   -- '' for national roles
    first_handover  date        NOT NULL,              -- local date in Europe/Tirane; its weekday is the rotation's
    handover_minute int         NOT NULL CHECK (handover_minute BETWEEN 0 AND 1439), -- local, after midnight
    created_at      timestamptz NOT NULL
);

CREATE TABLE rotation_members (
    rotation_id  bigint NOT NULL REFERENCES rotations (id) ON DELETE CASCADE,
    position     int    NOT NULL,                      -- 0 is on duty from the first handover
    responder_id bigint NOT NULL REFERENCES responders (id),
    PRIMARY KEY (rotation_id, position),
    UNIQUE (rotation_id, responder_id)
);
CREATE INDEX rotation_members_responder ON rotation_members (responder_id);

-- covering_responder_id is on duty instead of covered_responder_id in
-- [starts_at, ends_at), wherever the covered one would be.
CREATE TABLE duty_overrides (
    id                    bigserial PRIMARY KEY,
    covering_responder_id bigint      NOT NULL REFERENCES responders (id),
    covered_responder_id  bigint      NOT NULL REFERENCES responders (id),
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL,
    created_at            timestamptz NOT NULL,
    cancelled_at          timestamptz,
    CHECK (ends_at > starts_at),
    CHECK (covering_responder_id <> covered_responder_id)
);
CREATE INDEX duty_overrides_in_force ON duty_overrides (ends_at) WHERE cancelled_at IS NULL;

-- One-time codes that link a responder's Telegram chat (`/start r_CODE`):
-- stored as SHA-256 of the code, valid 24 h, used once.
CREATE TABLE telegram_link_codes (
    code_hash    bytea       PRIMARY KEY,
    responder_id bigint      NOT NULL REFERENCES responders (id),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    voided_at    timestamptz
);
CREATE INDEX telegram_link_codes_responder ON telegram_link_codes (responder_id);

-- Delivery (issue 5). An item claimed again after its lease expired (a
-- sender died mid-send) may reach its recipient twice: marked, and the
-- repeat is labelled for responders.
ALTER TABLE outbox ADD COLUMN possible_duplicate boolean NOT NULL DEFAULT false;

-- Twilio status callbacks that arrive before the send was recorded (the
-- callback can beat the API response): applied when it is.
CREATE TABLE delivery_statuses_early (
    external_id text        NOT NULL,
    status      text        NOT NULL,
    error_code  text        NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL,
    PRIMARY KEY (external_id, status)
);

-- A contact method that failed for good (Telegram 403 / chat not found;
-- Twilio 21610 opted out, 21211 / 21614 invalid or landline): not used for
-- alerts until the responder links again or an import changes it.
ALTER TABLE responders
    ADD COLUMN telegram_broken_at timestamptz,
    ADD COLUMN phone_broken_at    timestamptz;

-- Self-monitoring: a condition (e.g. no inbound SMS for a while) is told to
-- the national desk once when it starts and once when it ends.
CREATE TABLE monitor_alerts (
    name       text PRIMARY KEY,     -- e.g. 'silence:twilio'
    raised_at  timestamptz NOT NULL,
    cleared_at timestamptz           -- NULL while the condition lasts
);
CREATE INDEX inbound_deliveries_latest ON inbound_deliveries (source, received_at DESC);

-- +goose Down
DROP INDEX inbound_deliveries_latest;
DROP TABLE monitor_alerts;
ALTER TABLE responders DROP COLUMN phone_broken_at, DROP COLUMN telegram_broken_at;
DROP TABLE delivery_statuses_early;
ALTER TABLE outbox DROP COLUMN possible_duplicate;
DROP TABLE telegram_link_codes, duty_overrides, rotation_members, rotations;
ALTER TABLE responders DROP COLUMN deactivated_at;
