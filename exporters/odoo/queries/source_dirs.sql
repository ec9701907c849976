-- Where each load batch's export files were read from.
SELECT batch_id, source_dir FROM meta.load_batch
