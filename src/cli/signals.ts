/** Resolves with the first of SIGINT / SIGTERM, or "abort" when `signal` aborts (tests stop commands this way). */
export function untilStopped(signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const stop = (name: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(name);
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    signal?.addEventListener("abort", () => stop("abort"), { once: true });
  });
}
