import { configError } from './common.js';

/**
 * Quotes one word for a systemd unit setting such as Environment= (systemd.syntax(7) "Quoting",
 * systemd.unit(5) "Specifiers"): inside double quotes a backslash and a double quote are escaped, and every
 * "%" is doubled because systemd expands %-specifiers in these settings before unquoting. A URL-encoded
 * proxy password ("p%40ss") therefore reaches the service unchanged.
 */
export function quoteSystemdValue(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw configError('a systemd setting value contains a control character or line break', 'remove the stray newline from the value');
  }
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return `"${escaped}"`;
}

/** `Environment="NAME=value"`, the form that keeps spaces and quotes inside one variable. */
export function renderEnvironmentLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`internal: invalid environment variable name ${name}`);
  return `Environment=${quoteSystemdValue(`${name}=${value}`)}`;
}
