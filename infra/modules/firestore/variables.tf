variable "project_id" {
  type        = string
  description = "Google Cloud project id that holds the Firestore database."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project id."
  }
}

variable "location_id" {
  type        = string
  description = "Firestore location (a multi-region such as eur3 or nam5, or a region such as europe-west1). Cannot be changed later."
  validation {
    condition     = can(regex("^(eur3|nam5|nam7|[a-z]+-[a-z]+[0-9]+)$", var.location_id))
    error_message = "location_id must be a Firestore location such as eur3, nam5 or europe-west1."
  }
}

variable "rules_file" {
  type        = string
  description = "Path of the security rules (the repository's firestore.rules, the same file the emulator and the rules tests load)."
  validation {
    condition     = endswith(var.rules_file, ".rules")
    error_message = "rules_file must point at a .rules file."
  }
}

variable "delete_protection" {
  type        = bool
  description = "Refuse to delete the database (turn off only to tear an environment down)."
  default     = true
}

variable "point_in_time_recovery" {
  type        = bool
  description = "Keep 7 days of versions for point-in-time recovery."
  default     = true
}
