// A local webhook receiver on a free port: answers the validation handshake and records notifications, with
// scripted answers so tests can exercise retries and subscription deletion. Tests await its events.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Notification {
  // biome-ignore lint/suspicious/noExplicitAny: notification entries are asserted field by field.
  value: Record<string, any>[];
}

export class Receiver {
  readonly handshakes: string[] = [];
  readonly notifications: Notification[] = [];
  /** Statuses for the next notifications (then 200). */
  readonly script: number[] = [];
  handshakeMode: "echo" | "wrong" = "echo";
  private server: Server | undefined;
  private waiters: { count: number; resolve: () => void }[] = [];
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const token = url.searchParams.get("validationToken");
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (token !== null) {
          this.handshakes.push(token);
          res.writeHead(200, { "content-type": "text/plain" });
          res.end(this.handshakeMode === "echo" ? token : "nope");
          return;
        }
        this.notifications.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Notification);
        res.writeHead(this.script.shift() ?? 200);
        res.end();
        this.waiters = this.waiters.filter((w) => {
          if (this.notifications.length >= w.count) {
            w.resolve();
            return false;
          }
          return true;
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves once `count` notifications in total have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.notifications.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
