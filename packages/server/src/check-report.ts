/** The renderings of a `sextant check` report: a terminal report and JUnit XML for CI systems. */
import { printable, type CheckReport, type RuleResult } from '@sextant/core';

const SHOWN_FINDINGS = 5;

function findingLine(f: RuleResult['findings'][number]): string {
  const where = f.traceId ? `trace ${f.traceId}` : 'run';
  const services = f.services.length > 0 ? ` [${f.services.join(', ')}]` : '';
  return `    ${where}${services}: ${f.message}`;
}

export function formatCheckText(report: CheckReport, source: string): string {
  const lines = [`sextant check: ${report.traces} traces, ${report.spans} spans, ${report.services.length} services (${source})`, ''];
  const order = { fail: 0, warn: 1, pass: 2 } as const;
  const shown = report.rules.filter((r) => r.status !== 'pass').sort((a, b) => order[a.status] - order[b.status]);
  for (const r of shown) {
    const traces = r.traces > 0 ? ` in ${r.traces} trace${r.traces === 1 ? '' : 's'}` : '';
    lines.push(`${r.status === 'fail' ? 'FAIL' : 'WARN'}  ${r.rule}: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}${traces} — ${r.summary}`);
    for (const f of r.findings.slice(0, SHOWN_FINDINGS)) lines.push(findingLine(f));
    if (r.findings.length > SHOWN_FINDINGS) lines.push(`    … ${r.findings.length - SHOWN_FINDINGS} more`);
  }
  const passed = report.rules.filter((r) => r.status === 'pass');
  lines.push(`PASS  ${passed.length} rules: ${passed.map((r) => r.rule).join(', ')}`, '');
  const failed = report.rules.filter((r) => r.status === 'fail').length;
  const warned = report.rules.filter((r) => r.status === 'warn').length;
  if (report.traces === 0) lines.push('No traces to check: nothing matched (is the time window right, did the exporters flush?).');
  lines.push(report.ok ? `OK: no rule failed${warned > 0 ? ` (${warned} warned)` : ''}.` : `FAILED: ${failed} rule${failed === 1 ? '' : 's'} failed${warned > 0 ? `, ${warned} warned` : ''}.`);
  return lines.map(printable).join('\n') + '\n';
}

/** XML 1.0 text: the five entities, and characters XML cannot carry at all replaced. */
function xml(text: string): string {
  return text
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * One test suite, one test case per rule (class name `sextant.<group>`): failed rules carry a `<failure>`,
 * rules switched off are `<skipped>`, warnings pass with their findings in `<system-out>`.
 */
export function formatCheckJunit(report: CheckReport, source: string): string {
  const failures = report.rules.filter((r) => r.status === 'fail').length;
  const skipped = report.rules.filter((r) => r.severity === 'off').length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sextant check" tests="${report.rules.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    `  <testsuite name="sextant check" tests="${report.rules.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">`,
    `    <properties><property name="source" value="${xml(source)}"/><property name="traces" value="${report.traces}"/><property name="spans" value="${report.spans}"/></properties>`,
  ];
  for (const r of report.rules) {
    out.push(`    <testcase classname="sextant.${r.group}" name="${xml(r.rule)}" time="0">`);
    const detail = r.findings.map((f) => findingLine(f).trim()).join('\n');
    if (r.severity === 'off') out.push('      <skipped message="rule switched off"/>');
    else if (r.status === 'fail') {
      out.push(`      <failure message="${xml(`${r.findings.length} finding(s): ${r.summary}`)}" type="${xml(r.rule)}">${xml(detail)}</failure>`);
    } else if (r.status === 'warn') out.push(`      <system-out>${xml(`warning: ${detail}`)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
