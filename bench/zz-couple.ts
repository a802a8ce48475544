import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { openStore } from "../src/store/store.ts";
const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "cb-")) });
const snap = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`field_${i}`, `value number ${i} of some customer`]));
const rows = Array.from({ length: 20000 }, () => ({ mappingName: "CUSTOMER", bcId: randomUUID(), dataverseId: randomUUID(), bcModifiedAt: new Date().toISOString(), dataverseModifiedAt: new Date().toISOString(), bcVersion: "W/\"JzQ0O0VnQUFBQUo3\"", dataverseVersion: "123456", snapshot: snap, snapshotHash: "abcdef0123456789abcdef0123456789" }));
console.log("snapshot bytes", JSON.stringify(snap).length);
for (const label of ["couplings", "couplings again"]) {
  const t = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < rows.length; i += 1000) await store.transaction(async (tx) => tx.couplings.coupleMany(rows.slice(i, i + 1000).map((r) => ({ ...r, bcId: label + r.bcId, dataverseId: label + r.dataverseId }))));
  const c = process.cpuUsage(c0);
  console.log(label, (performance.now() - t).toFixed(0), "ms wall", ((c.user + c.system) / 1000).toFixed(0), "ms cpu");
}
await store.close();
