variable "project_id" {
  type        = string
  description = "Google Cloud project id that holds the topics and subscriptions."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project id (6-30 characters, lowercase letters, digits, hyphens)."
  }
}

variable "topics" {
  description = "Topics by name. message_retention_duration keeps published messages on the topic (for seek/replay) even after every subscription acked them; null disables topic retention."
  type = map(object({
    message_retention_duration = optional(string)
  }))
  validation {
    condition     = alltrue([for name, _ in var.topics : can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", name)) && !startswith(lower(name), "goog")])
    error_message = "Topic names must be 3-255 characters, start with a letter and not start with \"goog\"."
  }
  validation {
    condition     = alltrue([for _, t in var.topics : t.message_retention_duration == null || can(regex("^[0-9]+s$", t.message_retention_duration))])
    error_message = "message_retention_duration must be a duration in seconds such as \"604800s\"."
  }
}

variable "push_subscriptions" {
  description = <<-EOT
    Push subscriptions by name. Each pushes to push_endpoint with an OIDC token
    minted for oidc_service_account_email (audience = oidc_audience), retries
    with exponential backoff between minimum_backoff and maximum_backoff, and
    after max_delivery_attempts failed deliveries moves the message to
    dead_letter_topic (a key of var.topics).
  EOT
  type = map(object({
    topic                      = string
    push_endpoint              = string
    oidc_service_account_email = string
    oidc_audience              = string
    ack_deadline_seconds       = optional(number, 60)
    minimum_backoff            = optional(string, "10s")
    maximum_backoff            = optional(string, "600s")
    dead_letter_topic          = string
    max_delivery_attempts      = optional(number, 10)
    message_retention_duration = optional(string, "604800s")
    enable_message_ordering    = optional(bool, false)
  }))
  validation {
    condition     = alltrue([for name, _ in var.push_subscriptions : can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", name))])
    error_message = "Subscription names must be 3-255 characters and start with a letter."
  }
  validation {
    condition     = alltrue([for _, s in var.push_subscriptions : startswith(s.push_endpoint, "https://")])
    error_message = "push_endpoint must be an https:// URL (OIDC tokens are only sent over HTTPS)."
  }
  validation {
    condition     = alltrue([for _, s in var.push_subscriptions : s.ack_deadline_seconds >= 10 && s.ack_deadline_seconds <= 600])
    error_message = "ack_deadline_seconds must be between 10 and 600."
  }
  validation {
    # try(): Terraform's && does not short-circuit, so a malformed duration
    # must turn into false rather than an error from tonumber().
    condition = alltrue([for _, s in var.push_subscriptions : try(
      can(regex("^[0-9]+s$", s.minimum_backoff)) && can(regex("^[0-9]+s$", s.maximum_backoff)) &&
      tonumber(trimsuffix(s.minimum_backoff, "s")) <= tonumber(trimsuffix(s.maximum_backoff, "s")) &&
    tonumber(trimsuffix(s.maximum_backoff, "s")) <= 600, false)])
    error_message = "minimum_backoff and maximum_backoff are durations like \"10s\"; minimum <= maximum <= 600s."
  }
  validation {
    condition     = alltrue([for _, s in var.push_subscriptions : s.max_delivery_attempts >= 5 && s.max_delivery_attempts <= 100])
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
  validation {
    condition     = alltrue([for _, s in var.push_subscriptions : s.topic != s.dead_letter_topic])
    error_message = "A subscription's dead_letter_topic must differ from its own topic (otherwise a poison message loops forever)."
  }
  validation {
    condition = alltrue([for _, s in var.push_subscriptions : try(
      can(regex("^[0-9]+s$", s.message_retention_duration)) &&
      tonumber(trimsuffix(s.message_retention_duration, "s")) >= 600 &&
    tonumber(trimsuffix(s.message_retention_duration, "s")) <= 2678400, false)])
    error_message = "message_retention_duration must be between \"600s\" and \"2678400s\" (31 days)."
  }
}

variable "pull_subscriptions" {
  description = "Pull subscriptions by name (e.g. an operator's hold on the parked dead letters); nothing consumes them automatically."
  type = map(object({
    topic                      = string
    ack_deadline_seconds       = optional(number, 60)
    message_retention_duration = optional(string, "604800s")
  }))
  default = {}
  validation {
    condition     = alltrue([for name, _ in var.pull_subscriptions : can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", name))])
    error_message = "Subscription names must be 3-255 characters and start with a letter."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every topic and subscription."
  default     = {}
}
