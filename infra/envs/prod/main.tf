# Production: the whole pipeline in one project. Names come from
# functions/lib/names.ts (test/unit/infra.test.ts checks they match).

locals {
  repo_root = abspath("${path.module}/../../..")

  topics = {
    device_events = "device-events"
    valid         = "events-valid"
    enriched      = "events-enriched"
    dead_letter   = "events-deadletter"
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
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "firebaserules.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
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

  functions = { for name, f in local.functions : name => {
    entry_point                      = f.entry_point
    service_account_email            = module.iam.function_service_account_emails[name]
    min_instances                    = var.min_instances
    max_instances                    = var.max_instances
    max_instance_request_concurrency = f.concurrency
    available_cpu                    = "1"
    available_memory                 = "256Mi"
    timeout_seconds                  = 60
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
  }
  settings = var.settings

  depends_on = [google_project_service.api]
}

module "pubsub" {
  source     = "../../modules/pubsub"
  project_id = var.project_id
  labels     = var.labels

  topics = {
    (local.topics.device_events) = { message_retention_duration = var.device_events_retention }
    (local.topics.valid)         = {}
    (local.topics.enriched)      = {}
    (local.topics.dead_letter)   = {}
    (local.topics.parked)        = {}
  }

  push_subscriptions = { for name, f in local.functions : f.subscription => {
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
  } }

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
