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

# Indexes. The app query (deviceState where tenantId == T, as the dashboard
# listens) needs only the automatic single-field index on tenantId, so there
# is no composite index to create. What pays off instead is the opposite:
# deviceState is rewritten constantly, and Firestore would index every
# metrics.<name>.* and state.<key> subfield (ascending, descending, array) on
# each write. Nothing queries by them, so they are exempted; the same
# overrides are in firestore.indexes.json for the Firebase CLI.
resource "google_firestore_field" "unindexed" {
  for_each = toset(["metrics", "state"])

  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = "deviceState"
  field      = each.value

  index_config {} # empty: no single-field indexes on this map or its subfields
}
