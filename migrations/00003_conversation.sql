-- +goose Up
-- Conversations with the public (issue 3).
--
-- tips.conversation is the bot's state of the conversation about a tip
-- (bot.Conversation as JSON: path, the question awaiting an answer, the
-- questions asked, the answers that change routing). It is written in the
-- intake transaction of every reporter message, so it survives restarts.
-- tips.police_consent is a self-identifying person's answer to "may we tell
-- the police?" (DESIGN.md routing rule 2): NULL not asked or not answered.
ALTER TABLE tips
    ADD COLUMN conversation   jsonb   NOT NULL DEFAULT '{}',
    ADD COLUMN police_consent boolean;

-- SMS reporters are told once how to delete the thread.
ALTER TABLE reporters ADD COLUMN delete_hint_sent_at timestamptz;

-- Outbox kinds added by this migration:
--   tip_update  to a responder: "new information on <code>" (a reporter's
--               later message or answer), to those who acknowledged the tip,
--               else to those alerted about it
--   relay       to a reporter: a responder's message relayed by the bot
-- Outbox state added: 'held' — a relay outside the reply window, released
-- (back to 'pending') when the reporter writes again.
CREATE INDEX outbox_held ON outbox (reporter_id) WHERE state = 'held';

-- Telegram replies to an alert: the alert's message_id is outbox.external_id.
CREATE INDEX outbox_responder_external ON outbox (responder_id, external_id) WHERE external_id IS NOT NULL;

-- Attachments (Telegram photo, voice, video, document; Twilio MMS): the
-- file itself, fetched by the media stage after the message was stored
-- (never in the webhook), up to MEDIA_MAX_BYTES, sealed (AES-256-GCM): a
-- photo may show the reporter. locator_encrypted is the Telegram file_id or
-- the Twilio MediaUrl, sealed too.
--   state: pending, stored, too_large (kept as metadata only), failed
CREATE TABLE media_files (
    id                bigserial PRIMARY KEY,
    message_id        bigint      NOT NULL REFERENCES messages (id),
    tip_id            bigint REFERENCES tips (id),
    channel           text        NOT NULL,
    kind              text        NOT NULL,
    locator_encrypted bytea       NOT NULL,
    content_type      text        NOT NULL DEFAULT '',
    state             text        NOT NULL DEFAULT 'pending',
    attempts          int         NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    bytes             bigint      NOT NULL DEFAULT 0,
    data_encrypted    bytea,
    error             text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    stored_at         timestamptz
);
CREATE INDEX media_files_due ON media_files (next_attempt_at) WHERE state = 'pending';
CREATE INDEX media_files_tip ON media_files (tip_id);

-- +goose Down
DROP TABLE media_files;
DROP INDEX outbox_responder_external;
DROP INDEX outbox_held;
ALTER TABLE reporters DROP COLUMN delete_hint_sent_at;
ALTER TABLE tips DROP COLUMN police_consent, DROP COLUMN conversation;
