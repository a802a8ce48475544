/** The compiled CLI's entry under `root` when dist/ is no older than the sources, else undefined. */
export function freshCompiledEntry(root: string): string | undefined;
