// Command definitions (this folder) hold only commander's options and descriptions; each command's implementation
// (src/cli/commands/) is imported when that command runs. Importing them all up front loaded the integration,
// the stores, the emulators and the server for `bcsync --help` (1.7 s, 137 MB); issue 13 asks for ≤ 0.5 s.

/** An action handler that imports `load`'s module on first use and calls its export `name` with commander's arguments. */
export function lazy<K extends string>(
  load: () => Promise<{ [P in K]: (...args: never[]) => Promise<unknown> }>,
  name: K,
): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const module = await load();
    await module[name](...(args as never[]));
  };
}
