output "function_urls" {
  description = "Function -> Cloud Run service URL (internal ingress: reachable by Pub/Sub push only)."
  value       = module.functions.service_uris
}

output "function_service_accounts" {
  description = "Function -> its own service account email."
  value       = module.iam.function_service_account_emails
}

output "push_invoker" {
  description = "Service account in the push subscriptions' OIDC tokens."
  value       = module.iam.push_invoker_email
}

output "device_events_topic" {
  description = "Full id of the topic devices publish to."
  value       = module.pubsub.topic_ids["device-events"]
}

output "gateway_service_accounts" {
  description = "Device/gateway publisher accounts created (publish to device-events only)."
  value       = module.iam.gateway_service_account_emails
}

output "readings_dedup_view" {
  description = "The de-duplicating view analysts should query."
  value       = module.bigquery.readings_dedup_view
}

output "dedup_views" {
  description = "Every de-duplicating view (readings_dedup, events_dedup, deadletter_dedup): what analysts query."
  value       = module.bigquery.dedup_views
}

output "source_object" {
  description = "The deployed source archive."
  value       = module.functions.source_object
}

output "gateway_http_url" {
  value       = one(module.gateway[*].http_bridge_url)
  description = "The HTTP bridge's base URL (null without gateway_image)."
}

output "gateway_mqtt_address" {
  value       = one(module.gateway[*].mqtt_bridge_address)
  description = "The MQTT bridge's address, TLS on 8883 (null without gateway_image)."
}
