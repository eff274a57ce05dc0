# The telemetry dataset. Table schemas come from schemas/*.json, generated
# from schemas/bigquery-tables.ts by `npm run gen:infra` (never edit by hand);
# partitioning and clustering mirror the same file.

locals {
  day_ms = 24 * 60 * 60 * 1000

  tables = {
    readings = {
      description     = "One row per (event, metric). Row insertId = event_id:metric."
      partition_field = "event_time"
      clustering      = ["tenant_id", "device_id", "metric"]
      expiration_ms   = var.partition_expiration_days == null ? null : var.partition_expiration_days * local.day_ms
      require_filter  = var.require_partition_filter
    }
    events = {
      description     = "One row per event, with its non-numeric state. Row insertId = event_id."
      partition_field = "event_time"
      clustering      = ["tenant_id", "device_id"]
      expiration_ms   = var.partition_expiration_days == null ? null : var.partition_expiration_days * local.day_ms
      require_filter  = var.require_partition_filter
    }
    deadletter = {
      description     = "Messages a stage could never process, with the reason and the raw bytes for replay."
      partition_field = "received_at"
      clustering      = ["stage", "reason"]
      expiration_ms   = var.deadletter_partition_expiration_days * local.day_ms
      # Replay tooling looks dead letters up by id; do not force a date filter.
      require_filter = false
    }
  }
}

resource "google_bigquery_dataset" "telemetry" {
  project     = var.project_id
  dataset_id  = var.dataset_id
  location    = var.location
  description = "IoT telemetry: readings, events and dead letters written by the pipeline's sinks."
  labels      = var.labels
}

resource "google_bigquery_table" "table" {
  for_each = local.tables

  project     = var.project_id
  dataset_id  = google_bigquery_dataset.telemetry.dataset_id
  table_id    = each.key
  description = each.value.description
  labels      = var.labels
  schema      = file("${path.module}/schemas/${each.key}.json")

  time_partitioning {
    type          = "DAY"
    field         = each.value.partition_field
    expiration_ms = each.value.expiration_ms
  }
  require_partition_filter = each.value.require_filter
  clustering               = each.value.clustering
  deletion_protection      = var.deletion_protection
}

# insertAll de-duplicates by insertId only best-effort (about a minute, one
# region); a retry after that window lands twice. Analysts query this view,
# which keeps one row per (event_id, metric): the first ingested. event_time
# is in the PARTITION BY too: it is fixed by event_id, so the key is the same,
# but it lets BigQuery push a caller's event_time filter below the window,
# which keeps partition pruning (and require_partition_filter) working.
# The de-dup views (schemas/bigquery-views.ts, the same SQL the local stack
# creates): the write path is at-least-once (the Storage Write API's default
# stream has no insertId; insertAll de-duplicates only best effort), so
# analysts read one row per key here. The raw tables are the landing zone.
resource "google_bigquery_table" "readings_dedup" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.telemetry.dataset_id
  table_id            = "readings_dedup"
  description         = "readings without duplicates (at-least-once writes): one row per (event_id, metric)."
  labels              = var.labels
  deletion_protection = var.deletion_protection

  view {
    use_legacy_sql = false
    query          = <<-SQL
      SELECT *
      FROM `${var.project_id}.${google_bigquery_dataset.telemetry.dataset_id}.${google_bigquery_table.table["readings"].table_id}`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id, metric, event_time ORDER BY ingest_time) = 1
    SQL
  }
}

resource "google_bigquery_table" "events_dedup" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.telemetry.dataset_id
  table_id            = "events_dedup"
  description         = "events without duplicates (at-least-once writes): one row per event_id."
  labels              = var.labels
  deletion_protection = var.deletion_protection

  view {
    use_legacy_sql = false
    query          = <<-SQL
      SELECT *
      FROM `${var.project_id}.${google_bigquery_dataset.telemetry.dataset_id}.${google_bigquery_table.table["events"].table_id}`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id, event_time ORDER BY ingest_time) = 1
    SQL
  }
}

resource "google_bigquery_table" "deadletter_dedup" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.telemetry.dataset_id
  table_id            = "deadletter_dedup"
  description         = "dead letters without duplicates: one row per (stage, reason, event) or, without an event id, per (stage, reason, message, payload)."
  labels              = var.labels
  deletion_protection = var.deletion_protection

  view {
    use_legacy_sql = false
    query          = <<-SQL
      SELECT *
      FROM `${var.project_id}.${google_bigquery_dataset.telemetry.dataset_id}.${google_bigquery_table.table["deadletter"].table_id}`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY stage, reason, IFNULL(event_id, CONCAT(IFNULL(message_id, ''), '|', payload_sha256)) ORDER BY received_at) = 1
    SQL
  }
}

resource "google_bigquery_dataset_iam_member" "analysts" {
  for_each = toset(var.analyst_members)

  project    = var.project_id
  dataset_id = google_bigquery_dataset.telemetry.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}
