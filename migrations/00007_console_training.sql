-- +goose Up
-- Training mode (docs/console.md): a database serves either the live hotline
-- (`hotline serve`) or training (`hotline demo`: the simulator, fake
-- Telegram and Twilio), never both, so training tips never reach the real
-- queue, reports, alerts or exports. The first command to start on the
-- database claims it; the other refuses to start.
CREATE TABLE deployment_mode (
    only_row   boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    mode       text        NOT NULL CHECK (mode IN ('live', 'training')),
    claimed_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE deployment_mode;
