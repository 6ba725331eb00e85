-- +goose Up
-- SMS bundling counts a responder's SMS of the last minute before each
-- send (DB.RecentSMS): by responder and time, not a scan of the outbox.
CREATE INDEX outbox_responder_sent ON outbox (responder_id, sent_at) WHERE channel = 'sms' AND sent_at IS NOT NULL;

-- +goose Down
DROP INDEX outbox_responder_sent;
