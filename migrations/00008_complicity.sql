-- +goose Up
-- Official complicity is a flag of its own, not only an intake value: a tip
-- that names complicit officials keeps going only to internal control and
-- the national desk even when a later message makes witness_threat the
-- stronger intake. The store sets it whenever a classification of the tip
-- finds complicity and never clears it by itself.
ALTER TABLE tips ADD COLUMN official_complicity boolean NOT NULL DEFAULT false;
UPDATE tips SET official_complicity = true
    WHERE intake = 'official_complicity' OR classification->>'intake' = 'official_complicity';
CREATE INDEX tips_official_complicity ON tips (official_complicity) WHERE official_complicity;

-- +goose Down
ALTER TABLE tips DROP COLUMN official_complicity;
