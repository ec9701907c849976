-- Where each load batch's export files came from (attachments are read
-- relative to it).
SELECT batch_id, source_dir FROM meta.load_batch
