#!/usr/bin/env node
// Reads vitest's JSON report, prints the plain closing line CI reads ("N passed, N failed, N skipped"), and fails
// when a test was skipped under CI=true: in CI every test must run (no silent skips).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? '.cache/vitest-report.json', 'utf8'));
const passed = report.numPassedTests;
const failed = report.numFailedTests;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error('no test ran');
  process.exitCode = 1;
}
if (skipped > 0 && process.env.CI) {
  const names = report.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status !== 'passed' && t.status !== 'failed').map((t) => `${file.name}: ${t.fullName}`),
  );
  console.error(`CI must run every test; skipped:\n  ${names.join('\n  ')}`);
  process.exitCode = 1;
}
if (failed > 0 || !report.success) process.exitCode = 1;
