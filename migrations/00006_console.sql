-- +goose Up
-- The console: sign-in by one-time code, sessions, notes and persons
-- concerned. Codes and session tokens are stored only as hashes.

-- One sign-in attempt: a code sent to a responder, bound to the browser that
-- asked for it (challenge_hash: SHA-256 of a random value kept in that
-- browser's cookie). Wrong guesses count against this attempt only, so a
-- stranger cannot lock the responder out.
CREATE TABLE console_sign_ins (
    id             bigserial PRIMARY KEY,
    responder_id   bigint      NOT NULL REFERENCES responders (id),
    challenge_hash bytea       NOT NULL UNIQUE,
    code_hash      bytea       NOT NULL,   -- HMAC-SHA-256 (keyed) of challenge and code
    attempts       int         NOT NULL DEFAULT 0,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE INDEX console_sign_ins_responder ON console_sign_ins (responder_id, created_at);

CREATE TABLE console_sessions (
    token_hash   bytea PRIMARY KEY,        -- SHA-256 of the cookie's token
    responder_id bigint      NOT NULL REFERENCES responders (id),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,     -- idle timeout counts from here
    ended_at     timestamptz               -- signed out
);
CREATE INDEX console_sessions_responder ON console_sessions (responder_id);

CREATE TABLE tip_notes (
    id           bigserial PRIMARY KEY,
    tip_id       bigint      NOT NULL REFERENCES tips (id),
    responder_id bigint      NOT NULL REFERENCES responders (id),
    body         text        NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX tip_notes_tip ON tip_notes (tip_id, id);

-- Persons concerned by a tip, the fields the strategy's statistics need.
-- status goes at most to presumed_victim: "identified victim" is decided
-- outside this system.
CREATE TABLE tip_persons (
    id           bigserial PRIMARY KEY,
    tip_id       bigint      NOT NULL REFERENCES tips (id),
    sex          text        NOT NULL CHECK (sex IN ('female', 'male', 'unknown')),
    age_group    text        NOT NULL CHECK (age_group IN ('child', 'adult', 'unknown')),
    nationality  text        NOT NULL DEFAULT '',  -- ISO 3166-1 alpha-2, '' unknown
    status       text        NOT NULL CHECK (status IN ('unknown', 'potential_victim', 'presumed_victim')),
    exploitation text        NOT NULL DEFAULT '',
    recorded_by  bigint      NOT NULL REFERENCES responders (id),
    created_at   timestamptz NOT NULL
);
CREATE INDEX tip_persons_tip ON tip_persons (tip_id);

-- The audit log is append-only.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE INDEX audit_log_at ON audit_log (at DESC);

-- +goose Down
DROP INDEX audit_log_at;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE tip_persons, tip_notes, console_sessions, console_sign_ins;
