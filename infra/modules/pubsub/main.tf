# Topics and push subscriptions. One subscription per consumer, so a slow or
# failing sink (BigQuery down) never holds back another (live state).

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Pub/Sub's own service agent: it moves messages to dead-letter topics and
  # mints the OIDC tokens of push requests.
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  dead_letter_topics = toset([for _, s in var.push_subscriptions : s.dead_letter_topic])
}

resource "google_pubsub_topic" "topic" {
  for_each = var.topics

  project                    = var.project_id
  name                       = each.key
  labels                     = var.labels
  message_retention_duration = each.value.message_retention_duration
}

resource "google_pubsub_subscription" "push" {
  for_each = var.push_subscriptions

  project = var.project_id
  name    = each.key
  topic   = google_pubsub_topic.topic[each.value.topic].id
  labels  = var.labels

  # For push, the ack deadline is how long Pub/Sub waits for the endpoint's
  # answer; keep it at least the function's timeout.
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = each.value.message_retention_duration
  retain_acked_messages      = false
  enable_message_ordering    = each.value.enable_message_ordering

  expiration_policy {
    ttl = "" # never expire for inactivity: a quiet fleet must not lose its pipeline
  }

  push_config {
    push_endpoint = each.value.push_endpoint
    oidc_token {
      service_account_email = each.value.oidc_service_account_email
      audience              = each.value.oidc_audience
    }
  }

  # Transient failures (a thrown error -> 5xx) are redelivered with
  # exponential backoff instead of at once, so an outage is not hammered.
  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = each.value.maximum_backoff
  }

  # Permanent failures never get here (the functions dead-letter and ack them
  # themselves); this caps retries of messages that keep failing transiently.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.topic[each.value.dead_letter_topic].id
    max_delivery_attempts = each.value.max_delivery_attempts
  }
}

resource "google_pubsub_subscription" "pull" {
  for_each = var.pull_subscriptions

  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  labels                     = var.labels
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = each.value.message_retention_duration

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering is done by the Pub/Sub service agent: it must be allowed to
# publish to each dead-letter topic...
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  for_each = local.dead_letter_topics

  project = var.project_id
  topic   = google_pubsub_topic.topic[each.value].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

# ...and to ack (remove) the message on the source subscription.
resource "google_pubsub_subscription_iam_member" "agent_acks_source" {
  for_each = var.push_subscriptions

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
