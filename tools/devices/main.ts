// `npm run devices -- <command>`: the gateway's device registry in Firestore
// (local emulators by default, a real project with --project): registries,
// devices and their keys, blocking, gateway bindings, config versions and
// commands, as IoT Core's device manager offered them.
import { readFileSync } from 'node:fs';
import { Firestore } from '@google-cloud/firestore';
import { RegistryAdmin } from '../../gateway/admin.js';
import { isGatewayError } from '../../gateway/errors.js';
import { RegistryStore } from '../../gateway/registry-store.js';
import { boolOpt, CliError, EXIT, main, numberOpt, processIo, runCli, stringOpt, UsageError, type CommandSpec, type Io, type ParsedValues } from '../lib/cli.js';
import { resolveTarget } from '../lib/target.js';
import { credentialFromFile } from './key-file.js';

const COMMANDS = ['create-registry', 'create', 'get', 'keys', 'block', 'unblock', 'bind', 'unbind', 'config', 'command'] as const;
type Command = (typeof COMMANDS)[number];

export const DEVICES_SPEC: CommandSpec = {
  command: 'npm run devices --',
  summary: 'Manage the gateway\'s device registry: registries, devices, keys, blocking, config and commands.',
  usage: '<command> <registry> [<device>] [options]',
  maxPositionals: 4,
  options: {
    location: { type: 'string', valueName: 'region', default: 'us-central1', description: 'create-registry: the registry\'s location' },
    tenant: { type: 'string', valueName: 'id', description: 'create-registry: the tenant that owns its devices (required)' },
    mapping: { type: 'string', valueName: 'file', description: 'create-registry: payload mapping JSON (docs/gateway.md)' },
    key: { type: 'string', valueName: 'file.pem', description: 'create, keys --add: a public key or X.509 certificate (PEM)' },
    format: { type: 'string', valueName: 'format', description: 'RSA_PEM, ES256_PEM, RSA_X509_PEM or ES256_X509_PEM (default: read from the PEM)' },
    expires: { type: 'string', valueName: 'time', description: 'the key\'s expiration time (RFC 3339)' },
    gateway: { type: 'boolean', description: 'create: the device is a gateway (attach/detach other devices)' },
    site: { type: 'string', valueName: 'site', description: 'create: site, for the pipeline\'s enrichment' },
    model: { type: 'string', valueName: 'model', description: 'create: model, for the pipeline\'s enrichment' },
    add: { type: 'boolean', description: 'keys: add --key (at most 3 per device)' },
    clear: { type: 'boolean', description: 'keys: remove every key' },
    data: { type: 'string', valueName: 'text', description: 'config, command: the payload (UTF-8 text)' },
    file: { type: 'string', valueName: 'path', description: 'config, command: the payload from a file (bytes as they are)' },
    'version-to-update': { type: 'string', valueName: 'n', description: 'config: only if the current version is n' },
    'sub-folder': { type: 'string', valueName: 'name', description: 'command: the commands/<sub-folder> topic' },
    'timeout-ms': { type: 'string', valueName: 'ms', default: '10000', description: 'command: how long to wait for the device' },
    project: { type: 'string', valueName: 'id', description: 'a real Google Cloud project instead of the local emulators' },
  },
  epilog: [
    'Commands:',
    '  create-registry <registry> --tenant <id> [--location r] [--mapping file]',
    '  create <registry> <device> [--key file.pem] [--expires t] [--gateway] [--site s] [--model m]',
    '  get <registry> <device>                 the device, its config versions and last states (JSON)',
    '  keys <registry> <device> [--add --key file.pem [--expires t] | --clear]',
    '  block | unblock <registry> <device>',
    '  bind | unbind <registry> <gateway> <device>',
    '  config <registry> <device> (--data text | --file f) [--version-to-update n]',
    '  command <registry> <device> (--data text | --file f) [--sub-folder s]',
    '',
    'A command to a device that is not connected fails with FAILED_PRECONDITION (exit 1).',
    '',
    'Examples:',
    '  npm run devices -- create-registry plant-a --tenant acme',
    '  npm run devices -- create plant-a pump-7 --key ec_public.pem',
    '  npm run devices -- config plant-a pump-7 --data \'{"fan":"on"}\'',
    '  npm run devices -- command plant-a pump-7 --data reboot',
  ].join('\n'),
};

function payload(values: ParsedValues): Buffer {
  const data = stringOpt(values, 'data');
  const file = stringOpt(values, 'file');
  if ((data === undefined) === (file === undefined)) throw new UsageError('give exactly one of --data or --file');
  if (data !== undefined) return Buffer.from(data, 'utf8');
  try {
    return readFileSync(file!);
  } catch (err) {
    throw new UsageError(`--file ${file}: ${(err as Error).message}`);
  }
}

function expiresOpt(values: ParsedValues): Date | undefined {
  const raw = stringOpt(values, 'expires');
  if (raw === undefined) return undefined;
  const t = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(t.getTime())) throw new UsageError(`--expires: expected an RFC 3339 time, got ${JSON.stringify(raw)}`);
  return t;
}

export async function runDevices(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(DEVICES_SPEC, argv, io, async ({ values, positionals }) => {
    const [cmd, registryId, a, b] = positionals as [string | undefined, string | undefined, string | undefined, string | undefined];
    if (!cmd) throw new UsageError(`a command is required: ${COMMANDS.join(', ')}`);
    if (!(COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown command ${JSON.stringify(cmd)}; expected one of ${COMMANDS.join(', ')}`);
    if (!registryId) throw new UsageError(`${cmd}: the registry id is required`);
    const needs = (n: number, what: string): void => {
      if (positionals.length - 2 < n) throw new UsageError(`${cmd}: ${what} required`);
      if (positionals.length - 2 > n) throw new UsageError(`${cmd}: too many arguments`);
    };
    const target = resolveTarget(stringOpt(values, 'project'), io.env);
    const db = new Firestore({ projectId: target.projectId });
    const store = new RegistryStore(db);
    const admin = new RegistryAdmin(store);
    const out = (v: unknown) => io.stdout.write((typeof v === 'string' ? v : JSON.stringify(v, null, 2)) + '\n');
    try {
      switch (cmd as Command) {
        case 'create-registry': {
          needs(0, 'nothing more is');
          const tenantId = stringOpt(values, 'tenant');
          if (!tenantId) throw new UsageError('create-registry: --tenant is required');
          const mappingFile = stringOpt(values, 'mapping');
          const payloadMapping = mappingFile ? (JSON.parse(readFileSync(mappingFile, 'utf8')) as Record<string, unknown>) : null;
          out(await admin.createRegistry({ registryId, location: stringOpt(values, 'location') ?? 'us-central1', tenantId, payloadMapping }));
          break;
        }
        case 'create': {
          needs(1, 'the device id is');
          const key = stringOpt(values, 'key');
          const site = stringOpt(values, 'site');
          const model = stringOpt(values, 'model');
          const dev = await admin.createDevice({
            registryId,
            deviceId: a!,
            credentials: key ? [credentialFromFile(key, stringOpt(values, 'format'), expiresOpt(values))] : [],
            gatewayType: boolOpt(values, 'gateway') ? 'GATEWAY' : 'NON_GATEWAY',
            ...(site ? { site } : {}),
            ...(model ? { model } : {}),
          });
          out({ registryId, deviceId: dev.deviceId, numId: dev.numId, tenantId: dev.tenantId, gatewayType: dev.gatewayType, credentials: dev.credentials.length });
          break;
        }
        case 'get': {
          needs(1, 'the device id is');
          const dev = await store.requireDevice(registryId, a!);
          out({ ...dev, credentials: dev.credentials.map((c) => ({ format: c.publicKey.format, expirationTime: c.expirationTime })), configVersions: await store.listConfigVersions(registryId, a!), states: await store.listStates(registryId, a!) });
          break;
        }
        case 'keys': {
          needs(1, 'the device id is');
          if (boolOpt(values, 'add') && boolOpt(values, 'clear')) throw new UsageError('keys: --add and --clear exclude each other');
          if (boolOpt(values, 'add')) {
            const key = stringOpt(values, 'key');
            if (!key) throw new UsageError('keys --add: --key is required');
            const n = await admin.addCredential(registryId, a!, credentialFromFile(key, stringOpt(values, 'format'), expiresOpt(values)));
            out(`device ${a} now has ${n} key(s)`);
          } else if (boolOpt(values, 'clear')) {
            await admin.setCredentials(registryId, a!, []);
            out(`device ${a} has no keys`);
          } else {
            const dev = await store.requireDevice(registryId, a!);
            out(dev.credentials.map((c) => ({ format: c.publicKey.format, expirationTime: c.expirationTime })));
          }
          break;
        }
        case 'block':
        case 'unblock':
          needs(1, 'the device id is');
          await admin.setBlocked(registryId, a!, cmd === 'block');
          out(`device ${a} ${cmd === 'block' ? 'blocked' : 'unblocked'}`);
          break;
        case 'bind':
        case 'unbind':
          needs(2, 'the gateway id and the device id are');
          if (cmd === 'bind') await admin.bind(registryId, a!, b!);
          else await admin.unbind(registryId, a!, b!);
          out(`device ${b} ${cmd === 'bind' ? 'bound to' : 'unbound from'} gateway ${a}`);
          break;
        case 'config': {
          needs(1, 'the device id is');
          const v = numberOpt(values, 'version-to-update', { min: 0, integer: true }) ?? null;
          const cfg = await admin.modifyConfig(registryId, a!, payload(values), v);
          out({ version: cfg.version, cloudUpdateTime: cfg.cloudUpdateTime });
          break;
        }
        case 'command': {
          needs(1, 'the device id is');
          const timeout = numberOpt(values, 'timeout-ms', { min: 100, max: 600_000, integer: true }) ?? 10_000;
          const id = await admin.sendCommand(registryId, a!, payload(values), stringOpt(values, 'sub-folder') ?? null, timeout);
          out(`command ${id} delivered to ${a}`);
          break;
        }
      }
      return EXIT.ok;
    } catch (err) {
      if (isGatewayError(err)) throw new CliError(`${err.status}: ${err.message}`);
      throw err;
    } finally {
      await db.terminate();
    }
  });
}

if (require.main === module) main(() => runDevices(process.argv.slice(2)));
