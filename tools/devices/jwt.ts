// `node build/tools/devices/jwt.js --key private.pem --project ID`: a device
// JWT as IoT Core devices make one ({iat, exp, aud: project}, RS256 or ES256
// from the key), for mosquitto_pub -P and curl -H "authorization: Bearer".
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { EXIT, main, numberOpt, processIo, runCli, stringOpt, UsageError, type CommandSpec, type Io } from '../lib/cli.js';

export const JWT_SPEC: CommandSpec = {
  command: 'node build/tools/devices/jwt.js',
  summary: 'Print a device JWT for the gateway (what an IoT Core device sends as its MQTT password or HTTP bearer token).',
  usage: '--key private.pem --project ID [--minutes N]',
  options: {
    key: { type: 'string', valueName: 'file', description: 'the device\'s private key (PEM: RSA for RS256, EC P-256 for ES256)' },
    project: { type: 'string', valueName: 'id', default: 'demo-iot', description: 'the aud claim: the project id' },
    minutes: { type: 'string', valueName: 'n', default: '60', description: 'lifetime (at most 1440: exp at most 24 h after iat)' },
  },
};

export function runJwt(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(JWT_SPEC, argv, io, async ({ values }) => {
    const file = stringOpt(values, 'key');
    if (!file) throw new UsageError('--key is required');
    const minutes = numberOpt(values, 'minutes', { min: 1, max: 1440, integer: true }) ?? 60;
    let key;
    try {
      key = createPrivateKey(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`--key ${file}: ${(err as Error).message}`);
    }
    const alg = key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyType === 'ec' ? 'ES256' : null;
    if (!alg) throw new UsageError(`--key ${file}: an RSA or EC P-256 private key is needed`);
    const iat = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iat, exp: iat + minutes * 60, aud: stringOpt(values, 'project') ?? 'demo-iot' }).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
    io.stdout.write(jwt + '\n');
    return EXIT.ok;
  });
}

if (require.main === module) main(() => runJwt(process.argv.slice(2)));
