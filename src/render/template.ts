/**
 * The one template mechanism: `{{name}}` placeholders, filled in a single pass. Deliberately no logic
 * (no loops, no conditionals): anything that varies in shape is built from data instead, so a template is
 * always a readable picture of the file. Values are inserted verbatim; callers escape them for the target
 * format (tomlString, quoteSystemdValue) before filling.
 */

const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;

/**
 * Fills every placeholder of `template`. Throws when a placeholder has no value, when a value has no
 * placeholder (a typo on either side), or when braces are malformed. These are kjoin bugs, not operator
 * errors, hence a plain Error.
 */
export function fillTemplate(name: string, template: string, values: Readonly<Record<string, string>>): string {
  const found = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) found.add(match[1] as string);

  const opened = template.split('{{').length - 1;
  const matched = [...template.matchAll(PLACEHOLDER)].length;
  if (opened !== matched) throw new Error(`internal: template ${name} has a malformed {{placeholder}}`);

  const missing = [...found].filter((key) => !Object.hasOwn(values, key));
  if (missing.length > 0) throw new Error(`internal: template ${name} needs values for: ${missing.sort().join(', ')}`);
  const unused = Object.keys(values).filter((key) => !found.has(key));
  if (unused.length > 0) throw new Error(`internal: template ${name} has no placeholder for: ${unused.sort().join(', ')}`);

  // One pass with a callback: a value that itself contains "{{x}}" is never expanded again.
  return template.replace(PLACEHOLDER, (_whole, key: string) => values[key] as string);
}
