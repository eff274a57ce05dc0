variable "project_id" {
  type        = string
  description = "Google Cloud project id the functions run in."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project id."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions (and of their source bucket)."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must look like europe-west1 or us-central1."
  }
}

variable "repo_root" {
  type        = string
  description = "Path of the repository root, holding build/ (from `npm run build`), package.json and package-lock.json."
  validation {
    condition     = length(var.repo_root) > 0
    error_message = "repo_root must not be empty."
  }
}

variable "source_bucket_name" {
  type        = string
  description = "Name of the bucket created to hold the zipped source (globally unique)."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be a valid bucket name (3-63 characters, lowercase)."
  }
}

variable "functions" {
  description = <<-EOT
    Functions by Cloud Run service name (lowercase, hyphens). entry_point is
    the name the function registers in build/functions/index.js
    (FUNCTIONS in functions/lib/names.ts); service_account_email is its own
    service account (module iam).
  EOT
  type = map(object({
    entry_point                      = string
    service_account_email            = string
    min_instances                    = optional(number, 0)
    max_instances                    = optional(number, 100)
    max_instance_request_concurrency = optional(number, 80)
    available_cpu                    = optional(string, "1")
    available_memory                 = optional(string, "256Mi")
    timeout_seconds                  = optional(number, 60)
    # Cloud Run billing: "request" (CPU only while requests are in flight,
    # busy time rounded up to 100 ms, plus a fee per request) or "instance"
    # (every instance's whole life at a lower rate, no request fee). `npm run
    # cost` shows where each pays off; the README recommends by rate.
    billing = optional(string, "request")
  }))
  validation {
    condition     = alltrue([for name, _ in var.functions : can(regex("^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$", name))])
    error_message = "Function (Cloud Run service) names must be lowercase letters, digits and hyphens, starting with a letter."
  }
  validation {
    condition     = alltrue([for _, f in var.functions : can(regex("^[A-Za-z_$][A-Za-z0-9_$]*$", f.entry_point))])
    error_message = "entry_point must be a JavaScript identifier (the registered function name)."
  }
  validation {
    condition     = alltrue([for _, f in var.functions : f.min_instances >= 0 && f.min_instances <= f.max_instances && f.max_instances >= 1 && f.max_instances <= 1000])
    error_message = "Instances: 0 <= min_instances <= max_instances <= 1000."
  }
  validation {
    condition     = alltrue([for _, f in var.functions : f.max_instance_request_concurrency >= 1 && f.max_instance_request_concurrency <= 1000])
    error_message = "max_instance_request_concurrency must be between 1 and 1000."
  }
  validation {
    # Cloud Run serves more than one request per instance only with a whole CPU.
    condition     = alltrue([for _, f in var.functions : f.max_instance_request_concurrency == 1 || try(tonumber(f.available_cpu) >= 1, false)])
    error_message = "max_instance_request_concurrency > 1 needs available_cpu >= 1."
  }
  validation {
    condition     = alltrue([for _, f in var.functions : contains(["request", "instance"], f.billing)])
    error_message = "billing must be \"request\" or \"instance\"."
  }
  validation {
    # Cloud Run refuses instance-based billing below one vCPU.
    condition     = alltrue([for _, f in var.functions : f.billing == "request" || try(tonumber(f.available_cpu) >= 1, false)])
    error_message = "billing = \"instance\" needs available_cpu >= 1."
  }
  validation {
    condition     = alltrue([for _, f in var.functions : can(regex("^[0-9]+(Mi|Gi)$", f.available_memory))])
    error_message = "available_memory must look like 256Mi or 1Gi."
  }
  validation {
    condition     = alltrue([for _, f in var.functions : f.timeout_seconds >= 1 && f.timeout_seconds <= 540])
    error_message = "timeout_seconds must be between 1 and 540 (event-driven functions' limit)."
  }
}

variable "build_service_account_email" {
  type        = string
  description = "Service account Cloud Build uses to build the functions (module iam's builder); null keeps the platform default."
  default     = null
  validation {
    condition     = var.build_service_account_email == null || can(regex("^[a-z0-9-]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$", var.build_service_account_email))
    error_message = "build_service_account_email must be a service account email."
  }
}

variable "environment" {
  type        = map(string)
  description = "Environment variables every function gets (names read by functions/lib/config.ts: GOOGLE_CLOUD_PROJECT, BQ_DATASET, TOPIC_VALID, TOPIC_ENRICHED, TOPIC_DEADLETTER, LOG_LEVEL, PUBLISH_ORDERING_KEYS, BQ_WRITE_API; and NODE_OPTIONS for the heap cap)."
  default     = {}
  validation {
    condition     = alltrue([for k, _ in var.environment : contains(["GOOGLE_CLOUD_PROJECT", "BQ_DATASET", "TOPIC_VALID", "TOPIC_ENRICHED", "TOPIC_DEADLETTER", "LOG_LEVEL", "PUBLISH_ORDERING_KEYS", "BQ_WRITE_API", "NODE_OPTIONS"], k)])
    error_message = "environment may only set GOOGLE_CLOUD_PROJECT, BQ_DATASET, TOPIC_VALID, TOPIC_ENRICHED, TOPIC_DEADLETTER, LOG_LEVEL, PUBLISH_ORDERING_KEYS, BQ_WRITE_API, NODE_OPTIONS (numeric limits go in settings)."
  }
}

variable "settings" {
  type        = map(number)
  description = "Numeric limits by environment variable name (INT_SETTINGS in functions/lib/config.ts, e.g. MAX_MESSAGE_BYTES); unset ones keep the code's default. Names and bounds are checked at plan time against int-settings.json (npm run gen:infra)."
  default     = {}
  validation {
    condition     = alltrue([for _, v in var.settings : floor(v) == v])
    error_message = "settings values must be integers."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every function and on the source bucket."
  default     = {}
}
