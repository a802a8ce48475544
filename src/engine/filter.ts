// A mapping's Dataverse filter applied client-side. Change tracking (delta links) cannot be combined with
// `$filter`, so a mapping whose filter this module understands reads by delta link and drops the rows its filter
// excludes. Supported: comparisons (eq ne gt ge lt le) of a property with a literal (number, 'string', GUID,
// true/false/null), `and`, `or`, `not` and parentheses, i.e. the filters the default mappings use. Anything else
// (functions, arithmetic, lambda operators) is refused, and the mapping keeps reading by modified-on watermark.

type Literal = string | number | boolean | null;
type Node =
  | { kind: "cmp"; op: string; property: string; value: Literal }
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; inner: Node };

export type CompiledFilter =
  | { ok: true; test: (values: Record<string, unknown>) => boolean; properties: string[] }
  | { ok: false; reason: string };

const COMPARISONS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const TOKEN =
  /\s*(\(|\)|'(?:[^']|'')*'|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[A-Za-z_][\w.]*|-?\d+(?:\.\d+)?(?![\w-]))/y;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tokenize(text: string): string[] | undefined {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m || TOKEN.lastIndex === at) return undefined;
    out.push(m[1]);
  }
  return out;
}

function literal(token: string | undefined): { ok: true; value: Literal } | { ok: false } {
  if (token === undefined) return { ok: false };
  if (token.startsWith("'")) return { ok: true, value: token.slice(1, -1).replace(/''/g, "'") };
  if (token === "true" || token === "false") return { ok: true, value: token === "true" };
  if (token === "null") return { ok: true, value: null };
  if (GUID.test(token)) return { ok: true, value: token.toLowerCase() };
  if (/^-?\d+(\.\d+)?$/.test(token)) return { ok: true, value: Number(token) };
  return { ok: false };
}

/** Recursive descent: or → and → not → comparison | ( or ). */
function parse(tokens: string[]): Node | undefined {
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const orExpr = (): Node | undefined => {
    let left = andExpr();
    while (left && peek() === "or") {
      i++;
      const right = andExpr();
      left = right ? { kind: "or", left, right } : undefined;
    }
    return left;
  };
  const andExpr = (): Node | undefined => {
    let left = unary();
    while (left && peek() === "and") {
      i++;
      const right = unary();
      left = right ? { kind: "and", left, right } : undefined;
    }
    return left;
  };
  const unary = (): Node | undefined => {
    if (peek() === "not") {
      i++;
      const inner = unary();
      return inner ? { kind: "not", inner } : undefined;
    }
    if (peek() === "(") {
      i++;
      const inner = orExpr();
      if (tokens[i] !== ")") return undefined;
      i++;
      return inner;
    }
    const property = tokens[i];
    const op = tokens[i + 1]?.toLowerCase();
    if (!property || !/^[A-Za-z_]\w*$/.test(property) || !op || !COMPARISONS.has(op)) return undefined;
    const value = literal(tokens[i + 2]);
    if (!value.ok) return undefined;
    i += 3;
    return { kind: "cmp", op, property, value: value.value };
  };
  const node = orExpr();
  return node && i === tokens.length ? node : undefined;
}

function compare(op: string, actual: unknown, expected: Literal): boolean {
  const missing = actual === undefined || actual === null;
  if (expected === null || missing) {
    // `x ne true` holds for a null x, as Dataverse's SQL translation treats it (x <> 1 OR x IS NULL).
    const equal = missing && expected === null;
    if (op === "eq") return equal;
    if (op === "ne") return !equal;
    return false;
  }
  let a: unknown = actual;
  let b: unknown = expected;
  if (typeof b === "string") {
    // String comparisons ignore case, as the service's collation does; GUIDs compare lower-case.
    a = String(a).toLowerCase();
    b = b.toLowerCase();
  } else if (typeof b === "number") {
    a = Number(a);
  }
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "gt":
      return (a as number) > (b as number);
    case "ge":
      return (a as number) >= (b as number);
    case "lt":
      return (a as number) < (b as number);
    default:
      return (a as number) <= (b as number);
  }
}

function evaluate(node: Node, values: Record<string, unknown>): boolean {
  switch (node.kind) {
    case "cmp":
      return compare(node.op, values[node.property], node.value);
    case "and":
      return evaluate(node.left, values) && evaluate(node.right, values);
    case "or":
      return evaluate(node.left, values) || evaluate(node.right, values);
    default:
      return !evaluate(node.inner, values);
  }
}

function propertiesOf(node: Node, into: Set<string>): Set<string> {
  if (node.kind === "cmp") into.add(node.property);
  else if (node.kind === "not") propertiesOf(node.inner, into);
  else {
    propertiesOf(node.left, into);
    propertiesOf(node.right, into);
  }
  return into;
}

/** Compiles an OData `$filter` into a row predicate, or says why it cannot be evaluated here. */
export function compileFilter(filter: string): CompiledFilter {
  const tokens = tokenize(filter);
  const node = tokens ? parse(tokens) : undefined;
  if (!node) return { ok: false, reason: `filter not evaluable client-side: ${filter}` };
  return { ok: true, test: (values) => evaluate(node, values), properties: [...propertiesOf(node, new Set())] };
}
