-- +goose Up
-- Flood protection: a message over its reporter's rate limit is stored at
-- once but not classified at once; reclassify_pending marks its tip for the
-- reclassifier, which runs the classifier over the whole tip later.
ALTER TABLE tips ADD COLUMN reclassify_pending boolean NOT NULL DEFAULT false;
CREATE INDEX tips_reclassify_pending ON tips (last_message_at) WHERE reclassify_pending;
-- The county of a location the reporter shared (near a county seat), used
-- when the text names no place; reclassification keeps it.
ALTER TABLE tips ADD COLUMN located_county text NOT NULL DEFAULT '';

-- +goose Down
DROP INDEX tips_reclassify_pending;
ALTER TABLE tips DROP COLUMN located_county, DROP COLUMN reclassify_pending;
