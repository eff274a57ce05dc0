output "database_name" {
  description = "The Firestore database name."
  value       = google_firestore_database.default.name
}

output "ruleset_name" {
  description = "The released ruleset."
  value       = google_firebaserules_ruleset.firestore.name
}
