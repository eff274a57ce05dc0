variable "project_id" {
  type        = string
  description = "Google Cloud project id to deploy into."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id)) && !startswith(var.project_id, "demo-")
    error_message = "project_id must be a real Google Cloud project id (demo-* ids are emulator-only)."
  }
}

variable "region" {
  type        = string
  description = "Region for the functions and the source bucket."
  default     = "europe-west1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must look like europe-west1."
  }
}

variable "bigquery_write_api" {
  type        = string
  description = <<-EOT
    How the BigQuery sinks write: "storage-write" (the Storage Write API's
    default stream: billed by bytes, first 2 TiB a month free, at-least-once,
    read exactly-once through the *_dedup views) or "insert-all" (legacy
    streaming inserts: billed per row with a 1 KB minimum, insertId de-dup
    best effort).
  EOT
  default     = "storage-write"
  validation {
    condition     = contains(["storage-write", "insert-all"], var.bigquery_write_api)
    error_message = "bigquery_write_api must be storage-write or insert-all."
  }
}

variable "bigquery_location" {
  type        = string
  description = "BigQuery dataset location (EU, US or a region)."
  default     = "EU"
  validation {
    condition     = can(regex("^(EU|US|[a-z]+-[a-z]+[0-9]+)$", var.bigquery_location))
    error_message = "bigquery_location must be EU, US or a region such as europe-west1."
  }
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (eur3, nam5 or a region). Fixed once the database exists."
  default     = "eur3"
  validation {
    condition     = can(regex("^(eur3|nam5|nam7|[a-z]+-[a-z]+[0-9]+)$", var.firestore_location))
    error_message = "firestore_location must be a Firestore location such as eur3, nam5 or europe-west1."
  }
}

variable "source_bucket_name" {
  type        = string
  description = "Bucket for the functions' source archive; null uses <project_id>-functions-source."
  default     = null
  validation {
    condition     = var.source_bucket_name == null || can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be a valid bucket name."
  }
}

variable "max_instances" {
  type        = number
  description = "Upper bound on instances per function (cost and quota guard); each instance takes up to 80 concurrent requests."
  default     = 100
  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 1000
    error_message = "max_instances must be between 1 and 1000."
  }
}

variable "min_instances" {
  type        = number
  description = "Warm instances kept per function (0 = scale to zero, with cold starts)."
  default     = 0
  validation {
    condition     = var.min_instances >= 0 && var.min_instances <= 10
    error_message = "min_instances must be between 0 and 10."
  }
}

variable "function_scaling" {
  description = <<-EOT
    Per function (Cloud Run service name, e.g. "validate"), overriding the
    defaults: billing "request" (default) or "instance"; min_instances and
    max_instances (else var.min_instances / var.max_instances); small = true
    for a sixth of a vCPU and one request at a time (request billing only).
    `npm run cost -- --rate N` prints which pays at your rate.
  EOT
  type = map(object({
    billing       = optional(string, "request")
    min_instances = optional(number)
    max_instances = optional(number)
    small         = optional(bool, false)
  }))
  default = {}
  validation {
    condition     = alltrue([for name, _ in var.function_scaling : contains(["validate", "enrich", "sink-bigquery", "sink-firestore", "sink-deadletter"], name)])
    error_message = "function_scaling keys must be function service names: validate, enrich, sink-bigquery, sink-firestore, sink-deadletter."
  }
  validation {
    condition     = alltrue([for _, f in var.function_scaling : contains(["request", "instance"], f.billing) && !(f.small && f.billing == "instance")])
    error_message = "billing must be \"request\" or \"instance\", and a small instance bills by request only."
  }
  validation {
    condition     = alltrue([for _, f in var.function_scaling : (f.min_instances == null ? 0 : f.min_instances) >= 0 && (f.max_instances == null ? 1 : f.max_instances) >= 1 && (f.max_instances == null ? 1000 : f.max_instances) <= 1000])
    error_message = "min_instances >= 0 and 1 <= max_instances <= 1000."
  }
}

variable "request_log_share" {
  type        = number
  description = "Share of Cloud Run request log entries of the functions that Cloud Logging keeps (0 = all excluded, the default; 1 = no exclusion)."
  default     = 0
  validation {
    condition     = var.request_log_share >= 0 && var.request_log_share <= 1
    error_message = "request_log_share must be between 0 and 1."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of a transiently failing message before Pub/Sub moves it to the dead-letter topic."
  default     = 10
  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100."
  }
}

variable "ordered_subscriptions" {
  type        = list(string)
  description = <<-EOT
    Subscriptions created with message ordering. Empty by default: the sinks
    are idempotent and last-writer-wins by event time, so order buys no
    correctness, while an ordered subscription allows one outstanding push per
    device. When this list is not empty, the functions also publish with
    orderingKey = deviceId (PUBLISH_ORDERING_KEYS=true).
  EOT
  default     = []
  validation {
    condition = alltrue([for s in var.ordered_subscriptions : contains([
      "validate-device-events", "enrich-events-valid", "sink-bigquery-events-enriched",
      "sink-firestore-events-enriched", "sink-deadletter-events-deadletter",
    ], s)])
    error_message = "ordered_subscriptions entries must be pipeline subscription names."
  }
}

variable "device_events_retention" {
  type        = string
  description = "How long device-events keeps messages after delivery, so subscriptions can seek back and reprocess (\"604800s\" = 7 days); null disables."
  default     = "604800s"
  validation {
    condition     = var.device_events_retention == null || can(regex("^[0-9]+s$", var.device_events_retention))
    error_message = "device_events_retention must be null or a duration in seconds such as \"604800s\"."
  }
}

variable "partition_expiration_days" {
  type        = number
  description = "Days of readings/events partitions kept (by event time); null keeps them forever."
  default     = 400
  validation {
    condition     = var.partition_expiration_days == null || (var.partition_expiration_days >= 1 && var.partition_expiration_days <= 36500)
    error_message = "partition_expiration_days must be null or between 1 and 36500."
  }
}

variable "require_partition_filter" {
  type        = bool
  description = "Make queries on readings/events name an event_time range."
  default     = false
}

variable "log_level" {
  type        = string
  description = "Lowest log severity the functions write."
  default     = "INFO"
  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "settings" {
  type        = map(number)
  description = "Overrides of the functions' numeric limits by variable name (INT_SETTINGS in functions/lib/config.ts), e.g. { MAX_MESSAGE_BYTES = 65536 }."
  default     = {}
}

variable "gateway_service_accounts" {
  type        = list(string)
  description = "Account ids of device/gateway service accounts to create, each allowed to publish to device-events only."
  default     = []
}

variable "device_publisher_members" {
  type        = list(string)
  description = "Other members allowed to publish to device-events only (e.g. a workload identity pool principalSet)."
  default     = []
}

variable "analyst_members" {
  type        = list(string)
  description = "Members given read access to the telemetry dataset."
  default     = []
}

variable "labels" {
  type        = map(string)
  description = "Labels on every labelled resource."
  default     = { app = "iot-pipeline", env = "prod" }
}

variable "gateway_image" {
  type        = string
  default     = null
  description = "The device gateway's container image (HTTP and MQTT bridges); null deploys no gateway."
  validation {
    condition     = var.gateway_image == null || length(coalesce(var.gateway_image, "x")) > 0
    error_message = "gateway_image must be an image reference or null."
  }
}

variable "gateway_mqtt_instances" {
  type        = number
  default     = 2
  description = "MQTT bridge instances behind the network load balancer."
  validation {
    condition     = var.gateway_mqtt_instances >= 1 && var.gateway_mqtt_instances <= 100
    error_message = "gateway_mqtt_instances must be between 1 and 100."
  }
}

variable "gateway_tls_cert_secret" {
  type = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.gateway_tls_cert_secret))
    error_message = "gateway_tls_cert_secret must be a Secret Manager secret id."
  }
  default     = "iot-gateway-tls-cert"
  description = "Secret Manager secret with the MQTT bridge's TLS certificate chain."
}

variable "gateway_tls_key_secret" {
  type = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.gateway_tls_key_secret))
    error_message = "gateway_tls_key_secret must be a Secret Manager secret id."
  }
  default     = "iot-gateway-tls-key"
  description = "Secret Manager secret with the MQTT bridge's TLS private key."
}
