# Firestore (native mode) for live device state and the device registry, with
# the repository's security rules. The functions use server credentials
# (Cloud client libraries), which bypass rules: rules only govern app users.

resource "google_firestore_database" "default" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.location_id
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC" # sinkFirestore's read-modify-write transactions lock per document
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = var.point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = var.delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.delete_protection ? "ABANDON" : "DELETE"
}

resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id
  source {
    files {
      name    = "firestore.rules"
      content = file(var.rules_file)
    }
  }

  lifecycle {
    create_before_destroy = true # the release must always point at an existing ruleset
  }

  depends_on = [google_firestore_database.default]
}

# "cloud.firestore" is the release name that binds rules to the (default) database.
resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = "cloud.firestore"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}"

  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}

# The dashboard lists a tenant's devices newest first:
#   deviceState where tenantId == T order by lastSeen desc
# An equality filter plus an order on another field needs a composite index
# (the same one is in firestore.indexes.json for the Firebase CLI).
resource "google_firestore_index" "device_state_by_tenant" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "deviceState"
  query_scope = "COLLECTION"

  fields {
    field_path = "tenantId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "lastSeen"
    order      = "DESCENDING"
  }
}

# The registry view: devices where tenantId == T order by site.
resource "google_firestore_index" "devices_by_tenant" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "devices"
  query_scope = "COLLECTION"

  fields {
    field_path = "tenantId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "site"
    order      = "ASCENDING"
  }
}
