// A local certificate authority for the gateway's MQTT over TLS, made with
// the openssl CLI the first time it is needed and kept in the state dir:
// devices and samples trust ca.pem (as IoT Core devices trusted Google's
// roots.pem), the bridge serves server.pem for localhost and 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LocalCa {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

export function ensureLocalCa(dir: string, days = 825): LocalCa {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (n: string) => path.join(dir, n);
  const ca: LocalCa = { caCert: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server-key.pem') };
  if (existsSync(ca.caCert) && existsSync(ca.serverCert) && existsSync(ca.serverKey)) return ca;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('ca-key.pem'));
  openssl('req', '-x509', '-new', '-key', f('ca-key.pem'), '-sha256', '-days', String(days), '-subj', '/CN=iot-pipeline local gateway CA', '-out', ca.caCert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ca.serverKey);
  openssl('req', '-new', '-key', ca.serverKey, '-subj', '/CN=localhost', '-out', f('server.csr'));
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', ca.caCert, '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', String(days), '-sha256', '-extfile', f('server.ext'), '-out', ca.serverCert);
  return ca;
}
