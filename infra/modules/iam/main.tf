# Least privilege: one service account per function, each bound only where it
# needs it (a topic, a table), and a separate account that Pub/Sub uses to
# call the functions. No owner/editor and no project-wide admin role.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  publish_pairs = merge([for fn, topics in var.topic_publishers : { for t in topics : "${fn}/${t}" => { fn = fn, topic = t } }]...)
  table_pairs   = merge([for fn, tables in var.table_writers : { for t in tables : "${fn}/${t}" => { fn = fn, table = t } }]...)
}

resource "google_service_account" "function" {
  for_each = var.function_service_accounts

  project      = var.project_id
  account_id   = each.value
  display_name = "Function ${each.key}"
  description  = "Runtime identity of the ${each.key} function only."
}

# Publish rights per topic (roles/pubsub.publisher on the topic, not the project).
resource "google_pubsub_topic_iam_member" "function_publishes" {
  for_each = local.publish_pairs

  project = var.project_id
  topic   = each.value.topic
  role    = "roles/pubsub.publisher"
  member  = google_service_account.function[each.value.fn].member
}

# Firestore has no collection-level IAM: datastore.viewer (read-only) is the
# narrowest role that lets validate read deviceKeys and enrich read devices;
# datastore.user (read/write, no admin) lets sinkFirestore run its
# transactions. A condition limits each grant to the (default) database.
resource "google_project_iam_member" "function_firestore" {
  for_each = var.firestore_roles

  project = var.project_id
  role    = each.value
  member  = google_service_account.function[each.key].member

  condition {
    title      = "default-database-only"
    expression = "resource.name == \"projects/${var.project_id}/databases/(default)\""
  }
}

# BigQuery: dataEditor on the tables a sink writes, not the dataset or project.
# Both write paths need only table-level rights: insertAll and the Storage
# Write API's AppendRows bigquery.tables.updateData, GetWriteStream (the
# writer reads the table schema) bigquery.tables.get; dataEditor has both.
# The Storage Write API needs no project-level role (reading does:
# bigquery.readSessionUser, which no function has).
resource "google_bigquery_table_iam_member" "function_writes" {
  for_each = local.table_pairs

  project    = var.project_id
  dataset_id = var.dataset_id
  table_id   = each.value.table
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.function[each.value.fn].member
}

# The identity in the push requests' OIDC tokens: it may invoke the
# functions' Cloud Run services, and nothing else.
resource "google_service_account" "push_invoker" {
  project      = var.project_id
  account_id   = "pubsub-push-invoker"
  display_name = "Pub/Sub push invoker"
  description  = "Identity of Pub/Sub push requests to the pipeline functions (run.invoker on them only)."
}

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = var.function_services

  project  = var.project_id
  location = var.region
  name     = each.value
  role     = "roles/run.invoker"
  member   = google_service_account.push_invoker.member
}

# Pub/Sub mints the OIDC tokens as the invoker account (needed explicitly in
# projects created before April 2021; bound on this one account only).
resource "google_service_account_iam_member" "agent_mints_tokens" {
  service_account_id = google_service_account.push_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# Devices and gateways: publish to device-events, nothing else.
resource "google_service_account" "gateway" {
  for_each = toset(var.gateway_service_accounts)

  project      = var.project_id
  account_id   = each.value
  display_name = "Device publisher ${each.value}"
  description  = "A device or gateway: may publish to ${var.device_events_topic} only."
}

resource "google_pubsub_topic_iam_member" "device_publisher" {
  for_each = merge(
    { for id, sa in google_service_account.gateway : id => sa.member },
    { for m in var.device_publisher_members : m => m },
  )

  project = var.project_id
  topic   = var.device_events_topic
  role    = "roles/pubsub.publisher"
  member  = each.value
}

# Builds of the functions run as this account rather than the default
# compute account (which new projects no longer give broad rights).
resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "functions-builder"
  display_name = "Functions builder"
  description  = "Cloud Build identity for building the pipeline functions."
}

resource "google_project_iam_member" "builder" {
  for_each = toset(["roles/logging.logWriter", "roles/artifactregistry.writer"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.builder.member
}

# Cloud Functions copies the source archive into its own gcf-v2-sources-*
# bucket, which Cloud Build then reads: object read on those buckets only.
resource "google_project_iam_member" "builder_reads_function_sources" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = google_service_account.builder.member

  condition {
    title      = "gcf-v2-sources-buckets-only"
    expression = "resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-\")"
  }
}
