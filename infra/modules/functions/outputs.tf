output "service_uris" {
  description = "Function name -> Cloud Run service URL (push endpoint base and OIDC audience)."
  value       = { for name, f in google_cloudfunctions2_function.fn : name => f.service_config[0].uri }
}

output "service_names" {
  description = "Function name -> Cloud Run service name (for run.invoker bindings)."
  value       = { for name, f in google_cloudfunctions2_function.fn : name => f.service_config[0].service }
}

output "source_object" {
  description = "gs:// path of the deployed source archive."
  value       = "gs://${google_storage_bucket.source.name}/${google_storage_bucket_object.source.name}"
}

output "billing" {
  description = "Function name -> Cloud Run billing (request or instance)."
  value       = { for name, f in var.functions : name => f.billing }
}
