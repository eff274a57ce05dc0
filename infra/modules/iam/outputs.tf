output "function_service_account_emails" {
  description = "Function -> its service account email."
  value       = { for fn, sa in google_service_account.function : fn => sa.email }
}

output "push_invoker_email" {
  description = "Service account whose OIDC tokens the push subscriptions send."
  value       = google_service_account.push_invoker.email
}

output "builder_email" {
  description = "Service account Cloud Build builds the functions with."
  value       = google_service_account.builder.email
}

output "gateway_service_account_emails" {
  description = "Device/gateway publisher account id -> email."
  value       = { for id, sa in google_service_account.gateway : id => sa.email }
}
