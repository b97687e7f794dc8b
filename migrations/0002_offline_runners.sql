-- The offline sweeper deletes runners that have been offline for longer than
-- a given age; this index lets it find them without reading every runner.
CREATE INDEX runner_offline_since ON runner (status_changed_at) WHERE status = 'offline';
