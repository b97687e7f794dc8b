-- A runner's labels as GitHub shows them, kept on the runner itself so that a
-- page of runners is read without a subquery per runner. runner_label stays
-- the record of which label (and label id) a runner carries; this column is
-- written from it whenever a runner is inserted.
ALTER TABLE runner ADD COLUMN labels_json TEXT NOT NULL DEFAULT '[]';

UPDATE runner SET labels_json = (
    SELECT json_group_array(json_object('id', l.label_id, 'name', l.name, 'type', l.type)
                            ORDER BY rl.position)
      FROM runner_label rl JOIN label l ON l.label_id = rl.label_id
     WHERE rl.runner_id = runner.runner_id);
