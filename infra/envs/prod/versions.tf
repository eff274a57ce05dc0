terraform {
  required_version = ">= 1.5.0"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }

  # Keep state in a bucket (versioned, access limited to the deployers), not
  # on a laptop. Create the bucket once, then uncomment and `terraform init`:
  #
  # backend "gcs" {
  #   bucket = "my-project-tfstate"
  #   prefix = "iot-pipeline/prod"
  # }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
