variable "project_id" {
  type        = string
  description = "Google Cloud project id that holds the dataset."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project id."
  }
}

variable "location" {
  type        = string
  description = "Dataset location (a multi-region such as EU or US, or a region such as europe-west1)."
  validation {
    condition     = can(regex("^(EU|US|[a-z]+-[a-z]+[0-9]+)$", var.location))
    error_message = "location must be EU, US or a region such as europe-west1."
  }
}

variable "dataset_id" {
  type        = string
  description = "Dataset id (DATASET in functions/lib/names.ts: telemetry)."
  default     = "telemetry"
  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id may hold only letters, digits and underscores."
  }
}

variable "partition_expiration_days" {
  type        = number
  description = "Days a DAY partition of readings and events is kept (by event time); null keeps them forever."
  default     = 400
  validation {
    condition     = var.partition_expiration_days == null || (var.partition_expiration_days >= 1 && var.partition_expiration_days <= 36500)
    error_message = "partition_expiration_days must be null or between 1 and 36500."
  }
}

variable "deadletter_partition_expiration_days" {
  type        = number
  description = "Days a partition of the deadletter table is kept (by received_at); long enough to investigate and replay."
  default     = 90
  validation {
    condition     = var.deadletter_partition_expiration_days >= 1 && var.deadletter_partition_expiration_days <= 36500
    error_message = "deadletter_partition_expiration_days must be between 1 and 36500."
  }
}

variable "require_partition_filter" {
  type        = bool
  description = "Reject queries on readings and events that do not filter on the partitioning column (guards analysts against full scans)."
  default     = false
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to destroy tables from Terraform (turn off only to tear an environment down)."
  default     = true
}

variable "analyst_members" {
  type        = list(string)
  description = "Members (group:..., user:..., serviceAccount:...) given read access to the whole dataset (roles/bigquery.dataViewer). To run queries they also need roles/bigquery.jobUser in the project they run jobs in."
  default     = []
  validation {
    condition     = alltrue([for m in var.analyst_members : can(regex("^(user|group|serviceAccount|domain|principalSet|principal):.+$", m))])
    error_message = "analyst_members entries must be IAM members such as group:analysts@example.com."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on the dataset and tables."
  default     = {}
}
