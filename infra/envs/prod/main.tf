# Production: the whole pipeline in one project. Names come from
# functions/lib/names.ts (test/unit/infra.test.ts checks they match).

locals {
  repo_root = abspath("${path.module}/../../..")

  topics = {
    device_events = "device-events"
    valid         = "events-valid"
    enriched      = "events-enriched"
    dead_letter   = "events-deadletter"
    # Device events from the gateway (module.gateway): only its service account publishes here.
    gateway_events = "gateway-events"
    # Where dead letters that sinkDeadletter itself cannot store end up (a
    # dead-letter topic must differ from the source topic), held for an operator.
    parked = "events-deadletter-parked"
  }

  # Cloud Run service name -> entry point (FUNCTIONS), requests per instance
  # (FUNCTIONS[...].concurrency: the sinks hold deliveries for their batching
  # window, so they take more), its push subscription, the topic it is pushed
  # from, and its own service account.
  functions = {
    "validate" = {
      entry_point     = "validate"
      concurrency     = 250
      subscription    = "validate-device-events"
      topic           = local.topics.device_events
      service_account = "fn-validate"
      dead_letter     = local.topics.dead_letter
    }
    "enrich" = {
      entry_point     = "enrich"
      concurrency     = 80
      subscription    = "enrich-events-valid"
      topic           = local.topics.valid
      service_account = "fn-enrich"
      dead_letter     = local.topics.dead_letter
    }
    "sink-bigquery" = {
      entry_point     = "sinkBigquery"
      concurrency     = 250
      subscription    = "sink-bigquery-events-enriched"
      topic           = local.topics.enriched
      service_account = "fn-sink-bigquery"
      dead_letter     = local.topics.dead_letter
    }
    "sink-firestore" = {
      entry_point     = "sinkFirestore"
      concurrency     = 500
      subscription    = "sink-firestore-events-enriched"
      topic           = local.topics.enriched
      service_account = "fn-sink-firestore"
      dead_letter     = local.topics.dead_letter
    }
    "sink-deadletter" = {
      entry_point     = "sinkDeadletter"
      concurrency     = 80
      subscription    = "sink-deadletter-events-deadletter"
      topic           = local.topics.dead_letter
      service_account = "fn-sink-deadletter"
      dead_letter     = local.topics.parked
    }
  }

  apis = [
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    # The Storage Write API the BigQuery sinks append through (BQ_WRITE_API=storage-write).
    "bigquerystorage.googleapis.com",
    "compute.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "firebaserules.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "api" {
  for_each = toset(local.apis)

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

module "iam" {
  source     = "../../modules/iam"
  project_id = var.project_id
  region     = var.region

  function_service_accounts = { for name, f in local.functions : name => f.service_account }
  function_services         = module.functions.service_names

  topic_publishers = {
    "validate"        = [module.pubsub.topic_names[local.topics.valid], module.pubsub.topic_names[local.topics.dead_letter]]
    "enrich"          = [module.pubsub.topic_names[local.topics.enriched], module.pubsub.topic_names[local.topics.dead_letter]]
    "sink-bigquery"   = [module.pubsub.topic_names[local.topics.dead_letter]]
    "sink-firestore"  = [module.pubsub.topic_names[local.topics.dead_letter]]
    "sink-deadletter" = []
  }
  firestore_roles = {
    "validate"       = "roles/datastore.viewer" # reads deviceKeys/{deviceId}
    "enrich"         = "roles/datastore.viewer" # reads devices/{deviceId}
    "sink-firestore" = "roles/datastore.user"   # transactions on deviceState/{deviceId}
  }
  dataset_id = module.bigquery.dataset_id
  table_writers = {
    "sink-bigquery"   = [module.bigquery.table_ids["readings"], module.bigquery.table_ids["events"]]
    "sink-deadletter" = [module.bigquery.table_ids["deadletter"]]
  }

  device_events_topic      = module.pubsub.topic_names[local.topics.device_events]
  gateway_service_accounts = var.gateway_service_accounts
  device_publisher_members = var.device_publisher_members

  depends_on = [google_project_service.api]
}

module "functions" {
  source             = "../../modules/functions"
  project_id         = var.project_id
  region             = var.region
  repo_root          = local.repo_root
  source_bucket_name = coalesce(var.source_bucket_name, "${var.project_id}-functions-source")
  labels             = var.labels

  # Per function: var.function_scaling overrides the billing and instance
  # bounds; `small` is Cloud Functions' own default size (a sixth of a vCPU,
  # one request at a time), the cheapest where an instance idles most of the
  # time (about 1 msg/s), with no batching across requests.
  functions = { for name, f in local.functions : name => {
    entry_point                      = f.entry_point
    service_account_email            = module.iam.function_service_account_emails[name]
    min_instances                    = coalesce(try(var.function_scaling[name].min_instances, null), var.min_instances)
    max_instances                    = coalesce(try(var.function_scaling[name].max_instances, null), var.max_instances)
    max_instance_request_concurrency = try(var.function_scaling[name].small, false) ? 1 : f.concurrency
    available_cpu                    = try(var.function_scaling[name].small, false) ? "0.167" : "1"
    available_memory                 = "256Mi"
    timeout_seconds                  = 60
    billing                          = try(var.function_scaling[name].billing, "request")
  } }
  build_service_account_email = module.iam.builder_email

  environment = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    BQ_DATASET           = module.bigquery.dataset_id
    TOPIC_VALID          = local.topics.valid
    TOPIC_ENRICHED       = local.topics.enriched
    TOPIC_DEADLETTER     = local.topics.dead_letter
    LOG_LEVEL            = var.log_level
    # FUNCTION_HEAP_MIB in functions/lib/names.ts: V8 collects before a 256Mi instance fills.
    NODE_OPTIONS = "--max-old-space-size=128"
    # Ordering keys only when some subscription is ordered (see ordered_subscriptions).
    PUBLISH_ORDERING_KEYS = length(var.ordered_subscriptions) > 0 ? "true" : "false"
    # How sinkBigquery and sinkDeadletter write (functions/lib/config.ts).
    BQ_WRITE_API = var.bigquery_write_api
  }
  settings = var.settings

  depends_on = [google_project_service.api]
}

# Cloud Run request logs: one entry per push delivery, billed by Cloud
# Logging past its free 50 GiB. Our functions log what matters themselves
# (dead letters, retries), so by default none are kept; request_log_share
# keeps that share of them, sampled.
resource "google_logging_project_exclusion" "cloud_run_requests" {
  count       = var.request_log_share < 1 ? 1 : 0
  project     = var.project_id
  name        = "pipeline-cloud-run-request-logs"
  description = "Cloud Run request logs of the pipeline's functions (keeping ${var.request_log_share * 100}%)."
  filter = join(" AND ", concat(
    [
      "resource.type=\"cloud_run_revision\"",
      "log_id(\"run.googleapis.com/requests\")",
      "resource.labels.service_name=(${join(" OR ", [for name, _ in local.functions : "\"${name}\""])})",
    ],
    var.request_log_share > 0 ? ["sample(insertId, ${1 - var.request_log_share})"] : [],
  ))

  depends_on = [google_project_service.api]
}

module "pubsub" {
  source     = "../../modules/pubsub"
  project_id = var.project_id
  labels     = var.labels

  topics = {
    (local.topics.device_events)  = { message_retention_duration = var.device_events_retention }
    (local.topics.valid)          = {}
    (local.topics.enriched)       = {}
    (local.topics.dead_letter)    = {}
    (local.topics.parked)         = {}
    (local.topics.gateway_events) = { message_retention_duration = var.device_events_retention }
  }

  push_subscriptions = merge({ for name, f in local.functions : f.subscription => {
    topic = f.topic
    # The functions-framework takes the CloudEvent source from the path, as
    # with the local emulator's push.
    push_endpoint              = "${module.functions.service_uris[name]}/projects/${var.project_id}/topics/${f.topic}"
    oidc_service_account_email = module.iam.push_invoker_email
    oidc_audience              = module.functions.service_uris[name]
    ack_deadline_seconds       = 60 # = the functions' timeout
    minimum_backoff            = "10s"
    maximum_backoff            = "600s"
    dead_letter_topic          = f.dead_letter
    max_delivery_attempts      = var.max_delivery_attempts
    message_retention_duration = "604800s"
    enable_message_ordering    = contains(var.ordered_subscriptions, f.subscription)
    } }, {
    # GATEWAY_ROUTE in names.ts: validate's second subscription; the topic in
    # the path is what tells validate to trust the gateway's device id.
    "validate-gateway-events" = {
      topic                      = local.topics.gateway_events
      push_endpoint              = "${module.functions.service_uris["validate"]}/projects/${var.project_id}/topics/${local.topics.gateway_events}"
      oidc_service_account_email = module.iam.push_invoker_email
      oidc_audience              = module.functions.service_uris["validate"]
      ack_deadline_seconds       = 60
      minimum_backoff            = "10s"
      maximum_backoff            = "600s"
      dead_letter_topic          = local.topics.dead_letter
      max_delivery_attempts      = var.max_delivery_attempts
      message_retention_duration = "604800s"
      enable_message_ordering    = false
    }
  })

  pull_subscriptions = {
    "events-deadletter-parked-hold" = { topic = local.topics.parked, message_retention_duration = "2678400s" }
  }

  depends_on = [google_project_service.api]
}

module "bigquery" {
  source                    = "../../modules/bigquery"
  project_id                = var.project_id
  location                  = var.bigquery_location
  dataset_id                = "telemetry"
  partition_expiration_days = var.partition_expiration_days
  require_partition_filter  = var.require_partition_filter
  analyst_members           = var.analyst_members
  labels                    = var.labels

  depends_on = [google_project_service.api]
}

module "firestore" {
  source      = "../../modules/firestore"
  project_id  = var.project_id
  location_id = var.firestore_location
  rules_file  = "${local.repo_root}/firestore.rules"

  depends_on = [google_project_service.api]
}

module "gateway" {
  count  = var.gateway_image == null ? 0 : 1
  source = "../../modules/gateway"

  project_id      = var.project_id
  region          = var.region
  image           = var.gateway_image
  events_topic    = module.pubsub.topic_names[local.topics.gateway_events]
  mqtt_instances  = var.gateway_mqtt_instances
  tls_cert_secret = var.gateway_tls_cert_secret
  tls_key_secret  = var.gateway_tls_key_secret
  labels          = var.labels

  depends_on = [google_project_service.api]
}
