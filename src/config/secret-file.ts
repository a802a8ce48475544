// Secret files (client secrets, a connection string's password): readable by their owner only. `writeFileSync`'s
// `mode` applies only when it creates the file, so a secret written over an existing file kept that file's mode
// (0644 if someone made it so): the mode is set again after every write, and the folder is the owner's alone.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeSecretFile(path: string, content: string | Buffer): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
