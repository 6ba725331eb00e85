-- +goose Up
-- The lifecycle of a tip, shared by the conversation, triage, the roster and
-- the console (see hotline/status.go for the allowed transitions).
--   status: open, acknowledged, closed, spam, merged
ALTER TABLE tips
    ADD COLUMN municipality       text        NOT NULL DEFAULT '',  -- as GLOSSARY.md writes it
    ADD COLUMN outcome            text        NOT NULL DEFAULT '',  -- referred, no_action, duplicate, false_report
    ADD COLUMN closed_at          timestamptz,
    ADD COLUMN merged_into        bigint REFERENCES tips (id),      -- status merged: the surviving tip
    ADD COLUMN owner_responder_id bigint REFERENCES responders (id), -- case owner, set by a supervisor
    ADD COLUMN nrm_reference      text        NOT NULL DEFAULT '',  -- NRM / TIMS case reference
    ADD COLUMN corrected          jsonb       NOT NULL DEFAULT '{}'; -- fields a supervisor set by hand: reclassification keeps them
CREATE INDEX tips_open ON tips (level, created_at) WHERE status IN ('open', 'acknowledged');
CREATE INDEX audit_log_tip ON audit_log (tip_id, at);

-- +goose Down
DROP INDEX audit_log_tip;
DROP INDEX tips_open;
ALTER TABLE tips
    DROP COLUMN corrected, DROP COLUMN nrm_reference, DROP COLUMN owner_responder_id,
    DROP COLUMN merged_into, DROP COLUMN closed_at, DROP COLUMN outcome, DROP COLUMN municipality;
