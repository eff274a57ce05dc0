variable "project_id" {
  type        = string
  description = "Google Cloud project id that holds the service accounts and bindings."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project id."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions' Cloud Run services (for run.invoker bindings)."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must look like europe-west1."
  }
}

variable "function_service_accounts" {
  type        = map(string)
  description = "Function (Cloud Run service name) -> account id of its own service account (6-30 characters)."
  validation {
    condition     = alltrue([for _, id in var.function_service_accounts : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", id))])
    error_message = "Service account ids must be 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
  validation {
    condition     = length(distinct(values(var.function_service_accounts))) == length(var.function_service_accounts)
    error_message = "Every function needs its own service account: ids must be distinct."
  }
}

variable "function_services" {
  type        = map(string)
  description = "Function -> Cloud Run service name (module functions' service_names): the push invoker may call exactly these."
}

variable "topic_publishers" {
  type        = map(list(string))
  description = "Function -> topic names it publishes to (bound per topic, never project-wide)."
  validation {
    condition     = alltrue(flatten([for _, ts in var.topic_publishers : [for t in ts : length(t) >= 3]]))
    error_message = "Topic names must have at least 3 characters."
  }
}

variable "firestore_roles" {
  type        = map(string)
  description = "Function -> Firestore role (roles/datastore.viewer or roles/datastore.user). Firestore has no per-collection IAM, so this is project-level; rules do not apply to server credentials, so which collections a function touches is enforced by its code and review."
  default     = {}
  validation {
    condition     = alltrue([for _, r in var.firestore_roles : contains(["roles/datastore.viewer", "roles/datastore.user"], r)])
    error_message = "firestore_roles may only be roles/datastore.viewer or roles/datastore.user."
  }
}

variable "dataset_id" {
  type        = string
  description = "The telemetry dataset id."
  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id may hold only letters, digits and underscores."
  }
}

variable "table_writers" {
  type        = map(list(string))
  description = "Function -> BigQuery tables it inserts into (roles/bigquery.dataEditor on each table only)."
  default     = {}
}

variable "device_events_topic" {
  type        = string
  description = "The topic devices publish to (device-events)."
  validation {
    condition     = length(var.device_events_topic) >= 3
    error_message = "device_events_topic must have at least 3 characters."
  }
}

variable "gateway_service_accounts" {
  type        = list(string)
  description = "Account ids of device/gateway service accounts to create; each may publish to device_events_topic and nothing else."
  default     = []
  validation {
    condition     = alltrue([for id in var.gateway_service_accounts : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", id))])
    error_message = "Service account ids must be 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "device_publisher_members" {
  type        = list(string)
  description = "Other members that may publish to device_events_topic only, e.g. a workload identity pool (principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/*) or existing service accounts."
  default     = []
  validation {
    condition     = alltrue([for m in var.device_publisher_members : can(regex("^(serviceAccount|principal|principalSet|group):.+$", m))])
    error_message = "device_publisher_members entries must be IAM members (serviceAccount:, principal:, principalSet:, group:); users and allUsers are not allowed."
  }
}
