# The device gateway (gateway/ in this repository): IoT Core's HTTP bridge on
# Cloud Run, and its MQTT bridge on a small regional managed instance group
# behind a passthrough network load balancer, since Cloud Run serves HTTP
# only, not raw TCP. Both run the same image as one service account, the only
# publisher on the gateway's topic, which validate trusts (docs/gateway.md).
#
# Scaling: HTTP scales on Cloud Run by itself. MQTT connections are
# long-lived, so the load balancer spreads new connections over
# var.mqtt_instances brokers; the brokers share nothing but Firestore (device
# presence names the broker holding a device, and each broker listens for the
# config and commands of its own devices) and Pub/Sub (every broker publishes
# to the same topic), so adding instances adds capacity without broker links.

resource "google_service_account" "gateway" {
  project      = var.project_id
  account_id   = "iot-gateway"
  display_name = "Device gateway"
  description  = "HTTP and MQTT bridges: the only publisher on ${var.events_topic}; reads and writes the registry in Firestore."
}

resource "google_pubsub_topic_iam_member" "gateway_publishes" {
  project = var.project_id
  topic   = var.events_topic
  role    = "roles/pubsub.publisher"
  member  = google_service_account.gateway.member
}

# Registry reads, state and config-ack writes, presence, command outcomes.
resource "google_project_iam_member" "gateway_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.gateway.member
}

resource "google_project_iam_member" "gateway_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.gateway.member
}

resource "google_secret_manager_secret_iam_member" "tls" {
  for_each = toset([var.tls_cert_secret, var.tls_key_secret])

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.gateway.member
}

# ---- HTTP bridge ----

resource "google_cloud_run_v2_service" "http" {
  project  = var.project_id
  name     = "iot-gateway-http"
  location = var.region
  labels   = var.labels
  ingress  = "INGRESS_TRAFFIC_ALL"

  template {
    service_account                  = google_service_account.gateway.email
    max_instance_request_concurrency = 250
    scaling {
      min_instance_count = 0
      max_instance_count = var.http_max_instances
    }
    containers {
      image   = var.image
      command = ["node", "build/gateway/main.js"]
      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "GATEWAY_MODE"
        value = "http"
      }
      env {
        name  = "GATEWAY_HOST"
        value = "0.0.0.0"
      }
      env {
        name  = "GATEWAY_EVENTS_TOPIC"
        value = var.events_topic
      }
      resources {
        limits = { cpu = "1", memory = "256Mi" }
      }
    }
  }
}

# Devices authenticate with their JWT, not with IAM: anyone may reach the bridge.
resource "google_cloud_run_v2_service_iam_member" "public" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.http.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# ---- MQTT bridge ----

locals {
  mqtt_port = 8883
  # cloud-init on Container-Optimized OS: fetch the TLS pair from Secret
  # Manager with the gcloud image, then run the gateway with it read-only.
  cloud_init = <<-EOT
    #cloud-config
    write_files:
      - path: /etc/systemd/system/iot-gateway.service
        permissions: "0644"
        content: |
          [Unit]
          Description=IoT Core-compatible MQTT bridge
          Wants=network-online.target docker.socket
          After=network-online.target docker.socket
          [Service]
          ExecStartPre=/bin/mkdir -p /run/gateway-tls
          ExecStartPre=/usr/bin/docker run --rm -v /run/gateway-tls:/out gcr.io/google.com/cloudsdktool/google-cloud-cli:slim sh -c "gcloud secrets versions access latest --secret=${var.tls_cert_secret} --project=${var.project_id} > /out/cert.pem && gcloud secrets versions access latest --secret=${var.tls_key_secret} --project=${var.project_id} > /out/key.pem"
          ExecStart=/usr/bin/docker run --rm --name iot-gateway --network host -v /run/gateway-tls:/tls:ro -e GOOGLE_CLOUD_PROJECT=${var.project_id} -e GATEWAY_MODE=mqtt -e GATEWAY_HOST=0.0.0.0 -e GATEWAY_MQTT_PORT=-1 -e GATEWAY_MQTTS_PORT=${local.mqtt_port} -e GATEWAY_TLS_CERT=/tls/cert.pem -e GATEWAY_TLS_KEY=/tls/key.pem -e GATEWAY_EVENTS_TOPIC=${var.events_topic} ${var.image} node build/gateway/main.js
          ExecStop=/usr/bin/docker stop -t 30 iot-gateway
          Restart=always
    runcmd:
      - systemctl daemon-reload
      - systemctl start iot-gateway.service
  EOT
}

resource "google_compute_instance_template" "mqtt" {
  project      = var.project_id
  name_prefix  = "iot-gateway-mqtt-"
  machine_type = var.mqtt_machine_type
  labels       = var.labels
  tags         = ["iot-gateway-mqtt"]

  disk {
    source_image = "projects/cos-cloud/global/images/family/cos-stable"
    auto_delete  = true
    boot         = true
    disk_size_gb = 10
  }

  network_interface {
    network = var.network
    access_config {} # egress to Pub/Sub, Firestore and the image registry
  }

  service_account {
    email  = google_service_account.gateway.email
    scopes = ["cloud-platform"]
  }

  metadata = {
    user-data = local.cloud_init
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_health_check" "mqtt" {
  project = var.project_id
  name    = "iot-gateway-mqtt"
  tcp_health_check {
    port = local.mqtt_port
  }
}

resource "google_compute_region_instance_group_manager" "mqtt" {
  project            = var.project_id
  name               = "iot-gateway-mqtt"
  region             = var.region
  base_instance_name = "iot-gateway-mqtt"
  target_size        = var.mqtt_instances

  version {
    instance_template = google_compute_instance_template.mqtt.self_link
  }

  auto_healing_policies {
    health_check      = google_compute_health_check.mqtt.id
    initial_delay_sec = 120
  }

  # One instance at a time: its devices reconnect (through the load balancer) to the others.
  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    max_surge_fixed       = 3
    max_unavailable_fixed = 0
  }
}

resource "google_compute_region_backend_service" "mqtt" {
  project               = var.project_id
  name                  = "iot-gateway-mqtt"
  region                = var.region
  protocol              = "TCP"
  load_balancing_scheme = "EXTERNAL"
  health_checks         = [google_compute_health_check.mqtt.id]
  # Devices keep one long connection: spread new connections, never move live ones.
  session_affinity = "NONE"

  backend {
    group          = google_compute_region_instance_group_manager.mqtt.instance_group
    balancing_mode = "CONNECTION"
  }
}

resource "google_compute_forwarding_rule" "mqtt" {
  project               = var.project_id
  name                  = "iot-gateway-mqtt"
  region                = var.region
  load_balancing_scheme = "EXTERNAL"
  ip_protocol           = "TCP"
  ports                 = [tostring(local.mqtt_port)]
  backend_service       = google_compute_region_backend_service.mqtt.id
  labels                = var.labels
}

resource "google_compute_firewall" "mqtt" {
  project = var.project_id
  name    = "iot-gateway-mqtt"
  network = var.network

  allow {
    protocol = "tcp"
    ports    = [tostring(local.mqtt_port)]
  }
  # Devices from anywhere (passthrough keeps their addresses), and Google's health checkers.
  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["iot-gateway-mqtt"]
}

# ---- Firestore: what the bridges' listeners query (bridge-listeners.ts) ----

# Collection-group queries (devices where connection.bridge == me; commands
# where bridge == me and status == pending) need collection-group scope on
# those fields; firestore.indexes.json has the same overrides.
resource "google_firestore_field" "collection_group" {
  for_each = {
    devices_connection_bridge = { collection = "devices", field = "connection.bridge" }
    commands_bridge           = { collection = "commands", field = "bridge" }
    commands_status           = { collection = "commands", field = "status" }
  }

  project    = var.project_id
  collection = each.value.collection
  field      = each.value.field

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION"
    }
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}

# Command documents carry expireAt (a day after they were sent): Firestore deletes them then.
resource "google_firestore_field" "command_ttl" {
  project    = var.project_id
  collection = "commands"
  field      = "expireAt"

  ttl_config {}
  index_config {}
}
