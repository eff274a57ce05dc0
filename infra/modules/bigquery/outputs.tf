output "dataset_id" {
  description = "The dataset id."
  value       = google_bigquery_dataset.telemetry.dataset_id
}

output "table_ids" {
  description = "Table name -> table id, for table-level IAM."
  value       = { for name, t in google_bigquery_table.table : name => t.table_id }
}

output "readings_dedup_view" {
  description = "Fully qualified name of the de-duplicating view."
  value       = "${var.project_id}.${google_bigquery_dataset.telemetry.dataset_id}.${google_bigquery_table.readings_dedup.table_id}"
}

output "dedup_views" {
  description = "Fully qualified names of the de-duplicating views analysts query (readings_dedup, events_dedup, deadletter_dedup)."
  value = { for v in [google_bigquery_table.readings_dedup, google_bigquery_table.events_dedup, google_bigquery_table.deadletter_dedup] :
  v.table_id => "${var.project_id}.${google_bigquery_dataset.telemetry.dataset_id}.${v.table_id}" }
}
