// The gateway process: `node build/gateway/main.js` (the container's command
// in infra/; `npm run emulate` starts it beside the functions).
import { log } from '../functions/lib/logger.js';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './server.js';

async function run(): Promise<void> {
  const cfg = loadGatewayConfig();
  const gw = await startGateway(cfg);
  log('INFO', 'gateway ready', { stage: 'gateway', bridge: cfg.bridgeId, httpPort: gw.httpPort ?? -1, mqttPort: gw.mqttPort ?? -1, mqttsPort: gw.mqttsPort ?? -1 });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void gw.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

run().catch((err: unknown) => {
  log('CRITICAL', `gateway failed to start: ${err instanceof Error ? err.message : String(err)}`, { stage: 'gateway' });
  process.exit(1);
});
