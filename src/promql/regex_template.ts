// Go's regexp.Expand template syntax, used by label_replace: $1, ${1},
// $name, ${name}, and $$ for a literal dollar. A name is the longest run of
// letters, digits and underscores, so "$1x" refers to a group named "1x".
// Unknown or unmatched groups expand to "".

const nameChar = /[\p{L}\p{Nd}_]/u;

export function expandTemplate(template: string, groups: readonly (string | null)[], named: Record<string, number>): string {
  let out = "";
  let rest = template;
  for (;;) {
    const i = rest.indexOf("$");
    if (i < 0) break;
    out += rest.slice(0, i);
    rest = rest.slice(i + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const ref = extractName(rest);
    if (!ref) {
      // Malformed reference: the $ is kept as text.
      out += "$";
      continue;
    }
    rest = ref.rest;
    let idx = ref.num;
    if (idx < 0) idx = named[ref.name] ?? -1;
    if (idx >= 0 && idx < groups.length) out += groups[idx] ?? "";
  }
  return out + rest;
}

function extractName(s: string): { name: string; num: number; rest: string } | undefined {
  let brace = false;
  let str = s;
  if (str.startsWith("{")) {
    brace = true;
    str = str.slice(1);
  }
  let i = 0;
  for (const ch of str) {
    if (!nameChar.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return undefined;
  const name = str.slice(0, i);
  if (brace) {
    if (str[i] !== "}") return undefined;
    i++;
  }
  let num = -1;
  if (/^[0-9]+$/.test(name) && !(name.length > 1 && name.startsWith("0")) && name.length <= 9) num = Number(name);
  return { name, num, rest: str.slice(i) };
}
