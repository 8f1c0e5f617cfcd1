/** Splits at commas, semicolons and newlines outside brackets: `x = 1, W = [[1, 2], [3, 4]]` → two parts. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth = Math.max(0, depth - 1);
    if (i === text.length || (depth === 0 && (c === "," || c === ";" || c === "\n"))) {
      if (text.slice(start, i).trim()) parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return parts;
}
