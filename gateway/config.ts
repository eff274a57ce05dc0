// The gateway's settings, read once at start; a bad value fails with a
// ConfigError naming the variable (as functions/lib/config.ts does).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../functions/lib/config.js';
import { GATEWAY_EVENTS_TOPIC } from './names.js';

type Env = Record<string, string | undefined>;

export interface GatewayConfig {
  projectId: string;
  /** Which bridges this process runs: Cloud Run runs http, the instance group mqtt. */
  mode: 'http' | 'mqtt' | 'both';
  host: string;
  httpPort: number;
  /** Plain MQTT (local and private networks); 0 = off, -1 = not started. */
  mqttPort: number;
  /** MQTT over TLS; needs tlsCertFile and tlsKeyFile. -1 = not started. */
  mqttsPort: number;
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  eventsTopic: string;
  cacheTtlMs: number;
  /** This bridge's id in presence records (commands are routed to it). */
  bridgeId: string;
  /** A config not acknowledged within this long is sent again. */
  configResendMs: number;
  publishBatchMs: number;
}

function int(env: Env, v: string, def: number, min: number, max: number): number {
  const raw = env[v]?.trim();
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(v, `expected an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(v, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const projectId = env.GOOGLE_CLOUD_PROJECT?.trim();
  if (!projectId) throw new ConfigError('GOOGLE_CLOUD_PROJECT', 'not set');
  const mode = (env.GATEWAY_MODE?.trim() || 'both') as GatewayConfig['mode'];
  if (!['http', 'mqtt', 'both'].includes(mode)) throw new ConfigError('GATEWAY_MODE', 'expected http, mqtt or both');
  const cert = env.GATEWAY_TLS_CERT?.trim() || null;
  const key = env.GATEWAY_TLS_KEY?.trim() || null;
  const mqttsPort = int(env, 'GATEWAY_MQTTS_PORT', cert ? 8883 : -1, -1, 65535);
  if (mqttsPort >= 0 && (!cert || !key)) throw new ConfigError(cert ? 'GATEWAY_TLS_KEY' : 'GATEWAY_TLS_CERT', 'MQTT over TLS needs both GATEWAY_TLS_CERT and GATEWAY_TLS_KEY');
  const topic = env.GATEWAY_EVENTS_TOPIC?.trim() || GATEWAY_EVENTS_TOPIC;
  if (!/^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/.test(topic)) throw new ConfigError('GATEWAY_EVENTS_TOPIC', `not a topic name: ${JSON.stringify(topic)}`);
  return {
    projectId,
    mode,
    host: env.GATEWAY_HOST?.trim() || '127.0.0.1',
    // Cloud Run sets PORT.
    httpPort: int(env, 'PORT', int(env, 'GATEWAY_HTTP_PORT', 8095, 0, 65535), 0, 65535),
    mqttPort: int(env, 'GATEWAY_MQTT_PORT', 1883, -1, 65535),
    mqttsPort,
    tlsCertFile: cert,
    tlsKeyFile: key,
    eventsTopic: topic,
    cacheTtlMs: int(env, 'GATEWAY_CACHE_TTL_MS', 5000, 0, 600_000),
    bridgeId: env.GATEWAY_BRIDGE_ID?.trim() || `${hostname()}-${randomBytes(3).toString('hex')}`,
    configResendMs: int(env, 'GATEWAY_CONFIG_RESEND_MS', 10_000, 100, 3_600_000),
    publishBatchMs: int(env, 'GATEWAY_PUBLISH_BATCH_MS', 5, 0, 1000),
  };
}
