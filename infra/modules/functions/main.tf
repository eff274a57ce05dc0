# Cloud Run functions (gen2) from one source build.
#
# Trigger choice: no event_trigger (Eventarc). Each function is deployed as an
# HTTP service, and module pubsub creates the push subscription that calls it
# with an OIDC token. With an Eventarc trigger the platform creates and owns
# the subscription (generated name, no dead-letter policy, retry settings
# outside Terraform); owning it ourselves gives the names in names.ts, one
# subscription per sink, retry backoff and a dead-letter cap, and the same
# topology as the local stack, where the emulator pushes to the same path.
# The functions-framework turns a Pub/Sub push body into the same CloudEvent
# an Eventarc trigger would deliver, so the code does not know the difference.

locals {
  int_settings = jsondecode(file("${path.module}/int-settings.json"))

  # Only what the runtime needs: the compiled functions and schemas, plus the
  # manifests the buildpack installs dependencies from.
  source_files = setunion(
    fileset(var.repo_root, "build/functions/**"),
    fileset(var.repo_root, "build/schemas/**"),
    toset(["package.json", "package-lock.json"]),
  )
}

data "archive_file" "source" {
  type        = "zip"
  output_path = "${path.root}/.terraform/tmp/functions-source.zip"

  dynamic "source" {
    for_each = local.source_files
    content {
      filename = source.value
      content  = file("${var.repo_root}/${source.value}")
    }
  }
}

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = var.source_bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = var.labels

  lifecycle_rule {
    condition {
      age = 30 # old source archives are only needed for rollbacks
    }
    action {
      type = "Delete"
    }
  }
}

# Named by content hash: a new build is a new object, which makes Terraform
# redeploy every function; an unchanged build changes nothing.
resource "google_storage_bucket_object" "source" {
  name   = "functions-source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

# The builder reads the archive from this bucket only.
resource "google_storage_bucket_iam_member" "builder_reads_source" {
  count = var.build_service_account_email == null ? 0 : 1

  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${var.build_service_account_email}"
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = var.functions

  project  = var.project_id
  location = var.region
  name     = each.key
  labels   = var.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = each.value.entry_point
    service_account = var.build_service_account_email == null ? null : "projects/${var.project_id}/serviceAccounts/${var.build_service_account_email}"
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
    # build/ is already compiled: stop the buildpack from running
    # `npm run build` (it runs a package.json build script by default), and
    # have `npm ci` skip devDependencies (emulator, bench and test tooling):
    # with NODE_ENV=production npm's default is --omit=dev.
    environment_variables = {
      GOOGLE_NODE_RUN_SCRIPTS = ""
      NODE_ENV                = "production"
    }
  }

  service_config {
    service_account_email = each.value.service_account_email
    min_instance_count    = each.value.min_instances
    max_instance_count    = each.value.max_instances
    # Many concurrent requests per instance let the sinks batch (group commit
    # to BigQuery, coalesced Firestore writes) and reuse clients.
    max_instance_request_concurrency = each.value.max_instance_request_concurrency
    available_cpu                    = each.value.available_cpu
    available_memory                 = each.value.available_memory
    timeout_seconds                  = each.value.timeout_seconds
    # Pub/Sub push from this project counts as internal traffic; nothing else
    # should reach the functions.
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    environment_variables          = merge(var.environment, { for k, v in var.settings : k => tostring(v) })
  }

  depends_on = [google_storage_bucket_iam_member.builder_reads_source]

  lifecycle {
    precondition {
      condition     = alltrue([for k, v in var.settings : try(v >= local.int_settings[k].min && v <= local.int_settings[k].max, false)])
      error_message = "var.settings: every key must be an INT_SETTINGS variable with a value within its bounds (see ${path.module}/int-settings.json)."
    }
  }
}

# Billing per function. google_cloudfunctions2_function has no attribute for
# it, but a gen2 function is a Cloud Run service, and Cloud Run's own setting
# (CPU throttling: on = request-based, off = instance-based) survives function
# deploys. So it is set on the service with gcloud after every deploy, and
# whenever the choice changes. Needs the gcloud CLI where Terraform runs.
resource "terraform_data" "billing" {
  for_each = var.functions

  triggers_replace = {
    billing = each.value.billing
    source  = google_storage_bucket_object.source.name
    service = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  }

  provisioner "local-exec" {
    command = "gcloud run services update ${google_cloudfunctions2_function.fn[each.key].service_config[0].service} --project=${var.project_id} --region=${var.region} ${each.value.billing == "instance" ? "--no-cpu-throttling" : "--cpu-throttling"} --quiet"
  }
}
