-- The push an (unfinished) rollback run undoes.
SELECT parent_run FROM meta.push_run WHERE run_id = ?
