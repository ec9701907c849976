-- The destination a run went to: a rollback refuses another CRM's push.
SELECT destination FROM meta.push_run WHERE run_id = ?
