output "service_account_email" {
  value       = google_service_account.gateway.email
  description = "The gateway's identity (the only publisher on the gateway topic)."
}

output "http_bridge_url" {
  value       = google_cloud_run_v2_service.http.uri
  description = "Base URL of the HTTP bridge (devices POST to /v1/projects/.../devices/{id}:publishEvent)."
}

output "mqtt_bridge_address" {
  value       = google_compute_forwarding_rule.mqtt.ip_address
  description = "The MQTT bridge's address (TLS on port 8883)."
}
