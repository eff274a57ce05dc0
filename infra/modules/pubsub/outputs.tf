output "topic_ids" {
  description = "Topic name -> full resource id (projects/P/topics/T)."
  value       = { for name, t in google_pubsub_topic.topic : name => t.id }
}

output "topic_names" {
  description = "Topic names, for IAM bindings in other modules."
  value       = { for name, t in google_pubsub_topic.topic : name => t.name }
}

output "push_subscription_ids" {
  description = "Push subscription name -> full resource id."
  value       = { for name, s in google_pubsub_subscription.push : name => s.id }
}

output "pubsub_service_agent" {
  description = "The Pub/Sub service agent member (it mints push OIDC tokens and moves dead letters)."
  value       = local.pubsub_agent
}
