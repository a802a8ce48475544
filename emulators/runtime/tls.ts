// The emulators' self-signed TLS certificate (SAN 127.0.0.1, ::1, localhost). MSAL refuses http:// authorities,
// so at least the identity emulator serves HTTPS; clients trust this certificate as their CA (its PEM is both
// the server certificate and the trust anchor). Kept in `<dataDir>/tls/` so it survives restarts and clients
// configured with its path keep working; regenerated when missing, unreadable or about to expire.

import { X509Certificate } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import selfsigned from "selfsigned";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Path of cert.pem when kept in a data dir: what users pass as their CA file. */
  certPath?: string;
  keyPath?: string;
  /** True when this call generated the certificate (first start, or the old one was missing or expiring). */
  created: boolean;
}

const VALIDITY_DAYS = 825;
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

export async function generateCertificate(): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALIDITY_DAYS * 24 * 3600 * 1000);
  const pems = await selfsigned.generate([{ name: "commonName", value: "bcsync emulators" }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

function stillValid(certPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return new Date(cert.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** Loads the certificate from `<dataDir>/tls/`, creating it on first start; in memory when no data dir. */
export async function loadOrCreateTls(dataDir?: string): Promise<TlsMaterial> {
  if (!dataDir) return { ...(await generateCertificate()), created: true };
  const dir = join(dataDir, "tls");
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const existing = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]).catch(() => null);
  if (existing && stillValid(existing[0])) {
    return { cert: existing[0], key: existing[1], certPath, keyPath, created: false };
  }

  const fresh = await generateCertificate();
  await mkdir(dir, { recursive: true });
  // Write beside, then rename: a second process starting at the same time never reads half a file.
  const suffix = `.${process.pid}.tmp`;
  await writeFile(keyPath + suffix, fresh.key, { mode: 0o600 });
  await writeFile(certPath + suffix, fresh.cert);
  await rename(keyPath + suffix, keyPath);
  await rename(certPath + suffix, certPath);
  return { ...fresh, certPath, keyPath, created: true };
}
