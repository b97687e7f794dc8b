-- Reads are served from memory, which is loaded from these tables at
-- start-up and kept in step with every committed write. SQLite keeps what
-- must survive a restart, and no more: what only served reads goes.

-- A runner's labels as the ids of its labels, in the order GitHub shows
-- them. This replaces both the runner_label table and the labels_json copy.
ALTER TABLE runner ADD COLUMN label_ids TEXT NOT NULL DEFAULT '[]';

UPDATE runner SET label_ids = (
    SELECT json_group_array(rl.label_id ORDER BY rl.position)
      FROM runner_label rl
     WHERE rl.runner_id = runner.runner_id);

DROP TABLE runner_label;
ALTER TABLE runner DROP COLUMN labels_json;

-- Pages and counts come from memory.
DROP INDEX runner_scope_id;
DROP TRIGGER runner_counted;
DROP TRIGGER runner_uncounted;
ALTER TABLE scope DROP COLUMN runner_count;
