variable "project_id" {
  type        = string
  description = "Google Cloud project id."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,61}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id."
  }
}

variable "region" {
  type        = string
  description = "Region of the HTTP bridge and the MQTT bridge's instance group."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Cloud region such as us-central1."
  }
}

variable "image" {
  type        = string
  description = "The gateway container image (node build/gateway/main.js), e.g. REGION-docker.pkg.dev/PROJECT/iot/gateway:TAG."
  validation {
    condition     = length(var.image) > 0
    error_message = "image is required."
  }
}

variable "events_topic" {
  type        = string
  description = "The gateway's topic (gateway-events): only the gateway's service account may publish to it."
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$", var.events_topic))
    error_message = "events_topic must be a Pub/Sub topic name."
  }
}

variable "labels" {
  type        = map(string)
  default     = {}
  description = "Labels on every resource that takes them."
}

variable "http_max_instances" {
  type        = number
  default     = 20
  description = "HTTP bridge: Cloud Run's instance cap (stateless, a JWT check per request)."
  validation {
    condition     = var.http_max_instances >= 1 && var.http_max_instances <= 1000
    error_message = "http_max_instances must be between 1 and 1000."
  }
}

variable "mqtt_instances" {
  type        = number
  default     = 2
  description = "MQTT bridge: instances behind the network load balancer (each holds its devices' connections)."
  validation {
    condition     = var.mqtt_instances >= 1 && var.mqtt_instances <= 100
    error_message = "mqtt_instances must be between 1 and 100."
  }
}

variable "mqtt_machine_type" {
  type        = string
  default     = "e2-small"
  description = "MQTT bridge machine type (docs/gateway.md has the measured connections and msg/s per core)."
  validation {
    condition     = can(regex("^[a-z0-9]+-[a-z0-9-]+$", var.mqtt_machine_type))
    error_message = "mqtt_machine_type must be a machine type such as e2-small."
  }
}

variable "tls_cert_secret" {
  type = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.tls_cert_secret))
    error_message = "tls_cert_secret must be a Secret Manager secret id."
  }
  description = "Secret Manager secret id holding the MQTT bridge's TLS certificate chain (PEM), read by the instances at boot."
}

variable "tls_key_secret" {
  type = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.tls_key_secret))
    error_message = "tls_key_secret must be a Secret Manager secret id."
  }
  description = "Secret Manager secret id holding the MQTT bridge's TLS private key (PEM)."
}

variable "network" {
  type        = string
  default     = "default"
  description = "VPC network of the MQTT bridge instances."
  validation {
    condition     = length(var.network) > 0
    error_message = "network is required."
  }
}
